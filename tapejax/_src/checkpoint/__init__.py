"""``tf.train.Checkpoint``: object-graph checkpoints of Variables, Modules, Keras layers and optimizers.

Storage: each checkpoint is a JSON object graph (``<prefix>.index``) and a NumPy ``.npz`` archive of
the values (``<prefix>.data-00000-of-00001``), written atomically. Orbax was considered and not used
for now: it writes a directory per step in its own layout (TF's ``prefix-N`` files, the
``checkpoint`` state file and ``CheckpointManager``'s numbering would have to be mapped onto its
step directories), restoring by object-graph matching with deferred restoration needs the stored
values without a target tree (the graph walk, not Orbax, decides where each value goes), and it
brings tensorstore and an async runtime for what is here two functions (``Checkpoint.write`` and
``checkpoint._read_values``): those are the place to put Orbax when async or multi-host sharded
saves are needed.
"""
