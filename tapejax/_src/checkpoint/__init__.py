"""``tf.train.Checkpoint``: object-graph checkpoints of Variables, Modules, Keras layers and optimizers."""
