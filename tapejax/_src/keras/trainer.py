"""``Model.compile`` / ``fit`` / ``evaluate`` / ``predict``: Keras 3.15's training API (the ``Trainer`` mixin).

The train step (forward, loss, tape gradient, optimizer update, metric updates) runs as ONE compiled
program: ``tf.function`` of :meth:`Trainer.train_step`, traced once per batch signature, unless
``run_eagerly=True``. The loop around it follows Keras 3.15's TensorFlow backend: callbacks and their
order, the logs (sorted, Python floats), ``History``, validation, the progress bar.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from tapejax._src import nest
from tapejax._src.core import TensorBase, VariableBase
from tapejax._src.keras import backend
from tapejax._src.keras import metrics as metrics_module
from tapejax._src.keras.callbacks.callback_list import CallbackList, pythonify_logs
from tapejax._src.keras.compile_utils import CompileLoss, CompileMetrics
from tapejax._src.keras.data_adapter import (
    EpochIterator,
    class_weight_to_sample_weights,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from tapejax._src.ops import array_ops, creation_ops, math_ops, reduction_ops


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # (not tracked as a sublayer, weight or metric)


class Trainer:
    """The training API mixed into ``tf.keras.Model``: ``compile``, ``fit``, ``evaluate``, ``predict``...

    >>> import numpy as np
    >>> import tapejax as tf
    >>> tf.keras.backend.clear_session()
    >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, kernel_initializer="zeros")])
    >>> model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    >>> x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    >>> history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    >>> [round(v, 4) for v in history.history["loss"]]
    [1.0, 0.16]
    >>> round(model.evaluate(x, y, verbose=0), 4)
    0.0256

    With ``steps_per_execution=n``, ``fit``/``evaluate``/``predict`` run ``n`` batches per call of one compiled
    program (the step unrolled ``n`` times) and call the batch callbacks once per call, as Keras.

    Differences from Keras: a last group of fewer than ``n`` batches reports its true last step to the callbacks (Keras
    reports ``first + n - 1``); ``jit_compile`` is recorded as Keras' TF backend resolves it (``"auto"``: False
    on a CPU-only machine) but the step is always compiled by XLA unless ``run_eagerly``. Shuffling draws from NumPy's global generator
    (``tf.keras.utils.set_random_seed`` seeds it), so the order of samples differs from Keras'.
    Multi-output models take losses, loss weights, metrics and sample weights as Keras 3.15 does: one
    for all, a list (one per output), a dict by output name, or a structure like the outputs' (a dict
    of lists...); the logs are named as Keras names them (``dense_2_accuracy``, ``bc/dense_b_loss``).
    """

    compiled = False
    optimizer: Any = None
    loss: Any = None
    _compile_loss: Any = None
    _compile_metrics: Any = None
    _loss_tracker: Any = None
    _run_eagerly = False
    _jit_compile: Any = None
    steps_per_execution = 1
    train_function: Any = None
    test_function: Any = None
    predict_function: Any = None
    stop_training = False
    history: Any = None
    _initial_epoch: int | None = None

    # -- compile ---------------------------------------------------------------------------------------
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configures the model for training.

        Args:
          optimizer: an optimizer or its name (``"adam"``).
          loss: a loss, its name or a function ``fn(y_true, y_pred)``; for several outputs a list, a
            dict by output name, or a structure like the outputs' (``None`` for an output without loss).
          loss_weights: coefficients of the outputs' losses (a float, or the structure of ``loss``).
          metrics: metrics (names, functions or ``Metric`` s); ``"accuracy"`` becomes Binary/Sparse/
            CategoricalAccuracy from the shapes of the targets and outputs, as Keras.
          weighted_metrics: metrics weighted by ``sample_weight``/``class_weight``.
          run_eagerly: run the train step without compiling it (for debugging).
          steps_per_execution: batches run per call of the compiled step in ``fit``/``evaluate``/``predict``.
          jit_compile: recorded (``"auto"``: False on a CPU-only machine, as Keras' TF backend); the step
            is compiled by XLA unless ``run_eagerly``.
          auto_scale_loss: accepted for compatibility.
        """
        from tapejax._src.optimizers import keras_optimizers

        optimizer = keras_optimizers.get(optimizer)
        _set(self, "optimizer", optimizer)
        output_names = self._output_names()
        if loss is not None:
            _set(self, "_compile_loss", CompileLoss(loss, loss_weights, output_names=output_names))
            _set(self, "loss", loss)
        else:
            _set(self, "_compile_loss", None)
        if metrics is not None or weighted_metrics is not None:
            _set(self, "_compile_metrics", CompileMetrics(metrics, weighted_metrics, output_names=output_names))
        else:
            _set(self, "_compile_metrics", None)
        if jit_compile == "auto":
            jit_compile = False if run_eagerly else _resolve_auto_jit_compile()
        if jit_compile and run_eagerly:
            jit_compile = False
            warnings.warn(
                "If `run_eagerly` is True, then `jit_compile` cannot also be True. Disabling `jit_compile`.",
                stacklevel=2,
            )
        _set(self, "_jit_compile", jit_compile)
        _set(self, "_run_eagerly", bool(run_eagerly))
        _set(self, "stop_training", False)
        _set(self, "compiled", True)
        _set(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        _set(self, "steps_per_execution", steps_per_execution)
        _set(self, "train_function", None)
        _set(self, "test_function", None)
        _set(self, "predict_function", None)
        _set(
            self,
            "_compile_config",
            {
                "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                "steps_per_execution": steps_per_execution, "jit_compile": jit_compile,
            },
        )  # fmt: skip

    def _output_names(self) -> list[str] | None:
        # Functional models name their outputs (``output_names``); Sequential and subclassed ones do not.
        names = getattr(self, "output_names", None)
        return list(names) if names is not None else None

    @property
    def run_eagerly(self) -> bool:
        """Whether the steps run eagerly (not compiled)."""
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        _set(self, "_run_eagerly", bool(value))
        _set(self, "train_function", None)
        _set(self, "test_function", None)
        _set(self, "predict_function", None)

    @property
    def jit_compile(self) -> Any:
        """``compile``'s ``jit_compile``, ``"auto"`` resolved as Keras' TF backend does (False on a CPU-only machine).

        Differences from Keras: a recorded value only; the steps are compiled by XLA unless ``run_eagerly``.
        """
        if self._jit_compile is None:
            _set(self, "_jit_compile", _resolve_auto_jit_compile())
        return self._jit_compile

    @jit_compile.setter
    def jit_compile(self, value: Any) -> None:
        _set(self, "_jit_compile", value)

    def get_compile_config(self) -> dict[str, Any]:
        """The arguments ``compile`` was called with, serialized as Keras does (empty if not compiled)."""
        if not self.compiled or "_compile_config" not in self.__dict__:
            return {}
        from tapejax._src.keras import losses as losses_module
        from tapejax._src.optimizers import keras_optimizers

        config = dict(self.__dict__["_compile_config"])
        config["optimizer"] = {**keras_optimizers.serialize(config["optimizer"]), "registered_name": None}
        config["loss"] = _serialize_nested(config["loss"], losses_module.serialize)
        for key in ("metrics", "weighted_metrics"):
            config[key] = _serialize_nested(config[key], metrics_module.serialize)
        return config

    def compile_from_config(self, config: dict[str, Any]) -> None:
        """Calls ``compile`` with a config from :meth:`get_compile_config` (as a loaded ``.keras`` model does)."""
        from tapejax._src.keras import losses as losses_module

        if type(self).compile is not Trainer.compile:
            warnings.warn(
                "`compile()` was not called as part of model loading because the model's `compile()` method is "
                "custom. All subclassed Models that have `compile()` overridden should also override "
                "`get_compile_config()` and `compile_from_config(config)`. Alternatively, you can call "
                "`compile()` manually after loading.",
                stacklevel=2,
            )
            return
        config = dict(config)
        config["loss"] = _deserialize_nested(config.get("loss"), losses_module.deserialize)
        for key in ("metrics", "weighted_metrics"):
            config[key] = _deserialize_nested(config.get(key), metrics_module.deserialize)
        self.compile(**config)
        if self.optimizer is not None and self.built:  # type: ignore[attr-defined]
            self.optimizer.build(self.trainable_variables)  # type: ignore[attr-defined]

    # -- metrics ---------------------------------------------------------------------------------------
    @property
    def metrics(self) -> list[Any]:
        """The loss tracker, the compiled metrics, the per-output loss trackers, then the model's own metrics."""
        out: list[Any] = []
        if self.compiled:
            if self._loss_tracker is not None:
                out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        out.extend(self._metrics)  # type: ignore[attr-defined]
        for layer in self._flatten_layers(include_self=False):  # type: ignore[attr-defined]
            if isinstance(layer, Trainer):
                continue
            out.extend(layer.metrics)
        return out

    @property
    def metrics_names(self) -> list[str]:
        """The names of ``metrics`` (``["loss", "compile_metrics"]`` once compiled metrics are built)."""
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """Resets the state of every metric in ``metrics``.

        The metrics whose ``reset_state`` is Keras' own zeroing (``Metric``'s, ``Mean``'s, ``Sum``'s, the
        compiled metrics') have their Variables assigned deferred zeros here (computed together when
        next read, no transfer per Variable); others run their own ``reset_state``.
        """
        zeroed: list[Any] = []
        for m in self.metrics:
            _reset(m, zeroed)
        for v in zeroed:
            v.assign(creation_ops.zeros(v.shape, v.dtype))

    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None, training: bool = True
    ) -> Any:
        """The compiled loss of ``(y, y_pred)`` plus the model's ``losses`` (regularization, ``add_loss``).

        Raises:
          ValueError: if there is no loss at all (Keras' message).
        """
        losses = []
        if self._compile_loss is not None:
            loss = self._compile_loss(y, y_pred, sample_weight)
            if loss is not None:
                losses.append(loss)
        for loss in self.losses:  # type: ignore[attr-defined]
            if not loss.dtype.is_floating:
                loss = math_ops.cast(loss, backend.floatx())
            losses.append(reduction_ops.reduce_sum(loss))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for loss in losses[1:]:
            total = total + math_ops.cast(loss, total.dtype)
        return total

    def _compute_loss(self, x: Any, y: Any, y_pred: Any, sample_weight: Any, training: bool) -> Any:
        # An override of compute_loss without `training` (Keras' older signature) is called without it.
        if "training" in inspect.signature(self.compute_loss).parameters:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict[str, Any]:
        """Updates the compiled metrics and returns :meth:`get_metrics_result`."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, Any]:
        """Every metric's result by name (the compiled metrics' dict merged in)."""
        out: dict[str, Any] = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    # -- steps -----------------------------------------------------------------------------------------
    def train_step(self, data: Any) -> dict[str, Any]:
        """One training step on a batch: forward, loss, gradient, update, metrics; returns the logs.

        Override it to customize ``fit`` (the Keras guide's pattern with a ``tf.GradientTape``).
        """
        from tapejax._src.tape import GradientTape

        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)  # type: ignore[operator]
            loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
            self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        trainable = self.trainable_weights  # type: ignore[attr-defined]
        if trainable:
            grads = tape.gradient(loss, trainable)
            self.optimizer.apply_gradients(zip(grads, trainable, strict=True))
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data: Any) -> dict[str, Any]:
        """One evaluation step on a batch: forward, loss, metrics; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)  # type: ignore[operator]
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data: Any) -> Any:
        """The model's outputs on a batch (``training=False``)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)  # type: ignore[operator]

    def _compiled(self, name: str, step: Any, collect: bool = False) -> Any:
        fn = getattr(self, name)
        if fn is None:
            from tapejax._src.distribute.keras_support import distributed_step

            step = distributed_step(self, step, collect)  # weights made in a tf.distribute scope: over its replicas

            def steps(batches: list[Any]) -> Any:
                # steps_per_execution batches in one program: the step unrolled; the logs of the last
                # step, or (``collect``: predict) every step's outputs.
                outs = [step(batch) for batch in batches]
                return outs if collect else outs[-1]

            if self.run_eagerly:  # (array batches come as NumPy slices: the step sees Tensors, as compiled)

                def eager_steps(batches: list[Any]) -> Any:
                    return steps(nest.map_structure(_to_tensor, batches))

                fn = eager_steps
            else:
                from tapejax._src.function import function

                fn = function(steps)
            _set(self, name, fn)
        return fn

    def make_train_function(self, force: bool = False) -> Any:
        """The (compiled) function running :meth:`train_step` on a list of batches (``steps_per_execution``)."""
        if force:
            _set(self, "train_function", None)
        return self._compiled("train_function", self.train_step)

    def make_test_function(self, force: bool = False) -> Any:
        """The (compiled) function running :meth:`test_step` on a list of batches (``steps_per_execution``)."""
        if force:
            _set(self, "test_function", None)
        return self._compiled("test_function", self.test_step)

    def make_predict_function(self, force: bool = False) -> Any:
        """The (compiled) function running :meth:`predict_step` on a list of batches: their outputs."""
        if force:
            _set(self, "predict_function", None)
        return self._compiled("predict_function", self.predict_step, collect=True)

    def _assert_compile_called(self, method_name: str) -> None:
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    def _build_for(self, data: Any) -> None:
        """Builds the model, compiled loss/metrics and optimizer from a first batch, outside any trace."""
        x, y, _sample_weight = unpack_x_y_sample_weight(data)
        model_unbuilt = not all(layer.built for layer in self._flatten_layers())  # type: ignore[attr-defined]
        metrics_unbuilt = self._compile_metrics is not None and not self._compile_metrics.built
        loss_unbuilt = self._compile_loss is not None and not self._compile_loss.built
        if model_unbuilt or metrics_unbuilt or loss_unbuilt:
            y_pred = self(x, training=False)  # type: ignore[operator]
            if y is not None:  # (metrics first, as Keras: their errors come first)
                if metrics_unbuilt:
                    self._compile_metrics.build(y, y_pred)
                if loss_unbuilt:
                    self._compile_loss.build_from_batch(y, y_pred)
        if self.optimizer is not None and not getattr(self.optimizer, "built", False):
            self.optimizer.build(self.trainable_weights)  # type: ignore[attr-defined]

    def _first_batch_build(self, iterator: EpochIterator) -> None:
        model_unbuilt = not all(layer.built for layer in self._flatten_layers())  # type: ignore[attr-defined]
        metrics_unbuilt = self._compile_metrics is not None and not self._compile_metrics.built
        loss_unbuilt = self._compile_loss is not None and not self._compile_loss.built
        optimizer_unbuilt = self.optimizer is not None and not getattr(self.optimizer, "built", False)
        if model_unbuilt or metrics_unbuilt or loss_unbuilt or optimizer_unbuilt:
            batch = iterator.peek()
            if batch is not None:
                self._build_for(batch)

    # -- fit / evaluate / predict ------------------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: Any = True,
        class_weight: dict[int, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: Any = 1,
    ) -> Any:
        """Trains the model for ``epochs`` epochs; returns the ``History`` callback.

        Args:
          x, y: inputs and targets: arrays or tensors (dicts/lists for several inputs/outputs), or ``x``
            a ``tf.data.Dataset`` / Python generator of ``(x, y)`` or ``(x, y, sample_weight)`` batches.
          batch_size: samples per batch for arrays (32).
          epochs: the index of the last epoch (training runs ``initial_epoch`` .. ``epochs - 1``).
          verbose: 0 silent, 1 progress bar, 2 one line per epoch, ``"auto"`` (1).
          callbacks: ``tf.keras.callbacks.Callback`` instances.
          validation_split: the fraction of the arrays (their end) kept for validation.
          validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight_val)`` or a dataset.
          shuffle: shuffle the arrays each epoch (``True``, ``"batch"`` or ``False``).
          class_weight: ``{class index: weight}``, turned into per-sample weights.
          sample_weight: per-sample weights of the arrays.
          initial_epoch: the epoch to start from (resuming).
          steps_per_epoch: batches per epoch (datasets and generators continue across epochs).
          validation_steps, validation_batch_size: for the validation data.
          validation_freq: validate every n epochs (an int) or at the listed epochs (1-based).

        Raises:
          ValueError: before ``compile``; on bad data or arguments (Keras' messages).
        """
        self._assert_compile_called("fit")
        cap = backend._globals["max_epochs"]  # tf.keras.config.set_max_epochs (debugging)
        if cap and cap < epochs:
            warnings.warn(f"Limiting epochs to {int(cap)}", stacklevel=2)
            epochs = cap
        val_x = val_y = val_sample_weight = None
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split=validation_split
            )
        if validation_data is not None:
            val_x, val_y, val_sample_weight = unpack_x_y_sample_weight(validation_data)
        iterator = EpochIterator(
            x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch, shuffle=shuffle,
            class_weight=class_weight,
        )  # fmt: skip
        self._first_batch_build(iterator)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose, epochs=epochs,
                steps=iterator.num_batches, model=self,
            )  # fmt: skip
        _set(self, "stop_training", False)
        train_function = self.make_train_function()
        callbacks.on_train_begin()
        training_logs = None
        logs: Any = {}
        eval_iterator = None
        initial_epoch = self._initial_epoch or initial_epoch  # (set by BackupAndRestore when resuming)
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            for begin, end, batches in _groups(iterator, self.steps_per_execution):
                callbacks.on_train_batch_begin(begin)
                logs = train_function(batches)
                callbacks.on_train_batch_end(end, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(self._get_metrics_result_or_logs(logs))
            if validation_data is not None and self._should_eval(epoch, validation_freq):
                if eval_iterator is None:
                    eval_iterator = EpochIterator(
                        val_x, val_y, val_sample_weight, batch_size=validation_batch_size or batch_size,
                        steps_per_epoch=validation_steps, shuffle=False,
                    )  # fmt: skip
                val_logs = self.evaluate(callbacks=callbacks, return_dict=True, _epoch_iterator=eval_iterator)
                epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        finalize = getattr(self.optimizer, "finalize_variable_values", None)
        if finalize is not None and epochs > 0:
            finalize(self.trainable_weights)  # (with ``use_ema``: the weights become their moving averages)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
        **kwargs: Any,
    ) -> Any:
        """The loss and metrics on the data (``test_step`` per batch).

        Returns:
          With ``return_dict``, ``{name: value}``; else the loss alone if there are no metrics, or the
          list ``[loss, *metrics]`` in ``metrics_names`` order.

        Raises:
          ValueError: before ``compile``; unknown keyword arguments (Keras' message).
        """
        self._assert_compile_called("evaluate")
        iterator = kwargs.pop("_epoch_iterator", None)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        if iterator is None:
            iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
        self._first_batch_build(iterator)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1, steps=iterator.num_batches, model=self
            )
        test_function = self.make_test_function()
        _set(self, "stop_evaluating", False)
        callbacks.on_test_begin()
        logs: Any = {}
        self.reset_metrics()
        for begin, end, batches in _groups(iterator, self.steps_per_execution):
            callbacks.on_test_batch_begin(begin)
            logs = test_function(batches)
            callbacks.on_test_batch_end(end, logs)
            if self.__dict__.get("stop_evaluating"):
                break
        logs = pythonify_logs(self._get_metrics_result_or_logs(logs))
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        """The model's outputs on ``x``, batch by batch, concatenated into NumPy arrays."""
        iterator = EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1, steps=iterator.num_batches, model=self
            )
        predict_function = self.make_predict_function()
        _set(self, "stop_predicting", False)
        callbacks.on_predict_begin()
        outputs: list[Any] = []
        for begin, end, batches in _groups(iterator, self.steps_per_execution):
            callbacks.on_predict_batch_begin(begin)
            group_outputs = predict_function(batches)
            outputs.extend(group_outputs)
            batch_outputs = group_outputs[0] if len(group_outputs) == 1 else _concatenate(group_outputs)
            callbacks.on_predict_batch_end(end, {"outputs": batch_outputs})
            if self.__dict__.get("stop_predicting"):
                break
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). Please use `Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` for more information of where went wrong, or file a issue/bug to `tf.keras`.")  # fmt: skip
        return _concatenate(outputs)

    def train_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """One train step on one batch (the metrics are reset first); returns its logs like ``evaluate``.

        Raises:
          ValueError: before ``compile``, or with both ``sample_weight`` and ``class_weight``.
        """
        self._assert_compile_called("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(
                    "Arguments `sample_weight` and `class_weight` cannot be specified at the same time. "
                    f"Received: sample_weight={sample_weight}, class_weight={class_weight}"
                )
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        batch = _batch_of(x, y, sample_weight)
        self._build_for(batch)
        train_function = self.make_train_function()
        self.reset_metrics()
        logs = pythonify_logs(train_function([batch]))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """One test step on one batch (the metrics are reset first); returns its logs like ``evaluate``."""
        self._assert_compile_called("test_on_batch")
        batch = _batch_of(x, y, sample_weight)
        self._build_for(batch)
        test_function = self.make_test_function()
        self.reset_metrics()
        logs = pythonify_logs(test_function([batch]))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs on one batch, as NumPy arrays."""
        predict_function = self.make_predict_function()
        return nest.map_structure(np.asarray, predict_function([_batch_of(x, None, None)])[0])

    # -- helpers -------------------------------------------------------------------------------------------
    def _should_eval(self, epoch: int, validation_freq: Any) -> bool:
        epoch = epoch + 1
        if isinstance(validation_freq, int):
            return epoch % validation_freq == 0
        if isinstance(validation_freq, list):
            return epoch in validation_freq
        raise ValueError(
            "Expected `validation_freq` to be a list or int. Received: "
            f"validation_freq={validation_freq} of the type {type(validation_freq)}."
        )

    def _get_metrics_result_or_logs(self, logs: Any) -> Any:
        metric_logs = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs.keys()) == set(metric_logs.keys()):
            return metric_logs
        return logs

    def _flatten_metrics_in_order(self, logs: dict[str, Any]) -> Any:
        names: list[str] = []
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics):
                names += [m.name for m in metric.metrics]
            else:
                names.append(metric.name)
        results = [logs[name] for name in names if name in logs]
        results += [logs[key] for key in sorted(logs) if key not in names]
        return results[0] if len(results) == 1 else results


def _resolve_auto_jit_compile() -> bool:
    """Keras' TF-backend rule for ``jit_compile="auto"``: no XLA on a machine with only CPUs."""
    from tapejax._src import config

    return any(d.device_type != "CPU" for d in config.list_physical_devices())


def _serialize_nested(value: Any, serialize: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict):
        return {k: _serialize_nested(v, serialize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(v, serialize) for v in value]
    return serialize(value)


def _deserialize_nested(value: Any, deserialize: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict) and "class_name" in value:
        return deserialize(value)
    if isinstance(value, dict):
        return {k: _deserialize_nested(v, deserialize) for k, v in value.items()}
    return [_deserialize_nested(v, deserialize) for v in value]


def _concatenate(outputs: list[Any]) -> Any:
    """Batches' outputs (one structure each) concatenated along the batch axis, as NumPy arrays."""
    return nest.map_structure(lambda *parts: np.concatenate([np.asarray(p) for p in parts], axis=0), *outputs)


def _groups(iterator: EpochIterator, size: int) -> Any:
    """``(first step, last step, batches)``: the epoch's batches by ``steps_per_execution``."""
    group: list[Any] = []
    begin = 0
    for step, batch in iterator.enumerate_epoch():
        if not group:
            begin = step
        group.append(batch)
        if len(group) >= size:
            yield begin, step, group
            group = []
    if group:
        yield begin, begin + len(group) - 1, group


def _to_tensor(v: Any) -> Any:
    return v if v is None or isinstance(v, (TensorBase, VariableBase)) else array_ops.convert_to_tensor(v)


def _batch_size(x: Any) -> int:
    first = next(t for t in nest.flatten(x) if t is not None)
    return int(first.shape[0])


def _reset(metric: Any, zeroed: list[Any]) -> None:
    """Resets ``metric``, or adds its Variables to ``zeroed`` where its reset sets them all to zeros."""
    reset = type(metric).reset_state
    if reset is metrics_module.Metric.reset_state:
        zeroed.extend(metric.variables)
    elif reset is metrics_module.Mean.reset_state:
        zeroed += [metric.total, metric.count]
    elif reset is metrics_module.Sum.reset_state:
        zeroed.append(metric.total)
    elif reset is CompileMetrics.reset_state:
        for m in metric.metrics:
            _reset(m, zeroed)
    else:
        metric.reset_state()


def _batch_of(x: Any, y: Any, sample_weight: Any) -> tuple[Any, ...]:
    # NumPy arrays go straight into the compiled step, as fit's batches do (tf.function takes them as
    # Tensors of their dtype); other values (lists, Python numbers) become Tensors first.
    def convert(v: Any) -> Any:
        if v is None or isinstance(v, (TensorBase, VariableBase, np.ndarray)):
            return v
        return array_ops.convert_to_tensor(v)

    data = (x,) if y is None and sample_weight is None else (x, y) if sample_weight is None else (x, y, sample_weight)
    return nest.map_structure(convert, data)
