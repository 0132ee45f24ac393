"""Keras' normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization, RMSNormalization and SpectralNormalization (Keras 3.15's formulas, on tapejax ops)."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend, constraints, initializers, regularizers
from tapejax._src.keras.layers.input_spec import InputSpec
from tapejax._src.keras.layers.layer import Layer
from tapejax._src.keras.layers.rnn import Wrapper
from tapejax._src.ops import array_ops, math_ops, nn_ops, reduction_ops, shape_ops


def _stat_dtype(dtype: Any) -> str:
    """Keras' ``result_type(dtype, "float32")``: float64 stays, everything else computes in float32."""
    return "float64" if backend.standardize_dtype(dtype) == "float64" else "float32"


def _check_axes_in_bounds(axis: Any, input_shape: Any, message_axis: Any = None) -> None:
    axes = [axis] if isinstance(axis, int) else axis
    for a in axes:
        if a >= len(input_shape) or a < -len(input_shape):
            raise ValueError(
                f"Axis {a} is out of bounds for input shape {input_shape}. "
                f"Received: axis={axis if message_axis is None else message_axis}"
            )


def _axes_weight_shape(layer: Any, input_shape: Any) -> tuple[int, ...]:
    """Keras' LayerNormalization/RMSNormalization build: sorts ``axis`` into a list, the weight shape."""
    if isinstance(layer.axis, (list, tuple)):
        layer.axis = sorted(layer.axis)
        return tuple(input_shape[dim] for dim in layer.axis)
    shape = (input_shape[layer.axis],)
    layer.axis = [layer.axis]
    return shape


class BatchNormalization(Layer):
    """Normalizes its inputs with the batch's statistics (training) or moving statistics (inference).

    In training (``training=True`` and the layer trainable) the output is
    ``gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta`` over every axis but ``axis``, and the
    moving statistics are updated with ``moving = moving * momentum + batch * (1 - momentum)`` (an
    ``assign``, so it also happens inside ``tf.function``). Otherwise the moving statistics are used.
    A layer with ``trainable=False`` always runs in inference mode (Keras 3's rule).

    Args:
      axis: the features axis (an int).
      momentum: the moving average's momentum.
      epsilon: added to the variance.
      center, scale: whether to add ``beta`` / multiply by ``gamma``.
      beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer.
      beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.
      renorm, renorm_clipping, renorm_momentum: batch renormalization (``renorm_clipping`` keys
        ``"rmax"``, ``"rmin"``, ``"dmax"``).
      synchronized: accepted (one replica: the statistics are the local ones).

    Call arguments:
      inputs, training, mask: ``mask`` (one dimension less than ``inputs``) excludes entries from the
        batch statistics.

    Raises:
      ValueError: for invalid ``renorm_clipping`` or a mask of the wrong rank (Keras' messages).

    >>> import tapejax as tf
    >>> bn = tf.keras.layers.BatchNormalization(momentum=0.5, epsilon=0.0)
    >>> print(bn(tf.constant([[1.0], [3.0]]), training=True))
    tf.Tensor(
    [[-1.]
     [ 1.]], shape=(2, 1), dtype=float32)
    >>> print(bn.moving_mean.numpy(), bn.moving_variance.numpy())
    [1.] [1.]
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        if renorm:
            renorm_clipping = renorm_clipping or {}
            keys = ["rmax", "rmin", "dmax"]
            if set(renorm_clipping) - set(keys):
                raise ValueError(
                    f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. Supported values: {keys}."
                )
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    "rmax should be greater than rmin in the `renorm_clipping` argument. Received: rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    "dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={dmax}."
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes: list[int] | None = None

    def build(self, input_shape: Any) -> None:
        shape = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            shape=shape, name="moving_mean", initializer=self.moving_mean_initializer, trainable=False, autocast=False
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            name="moving_variance",
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        if self.renorm:
            # Batch renormalization tracks the moving stddev (initialized as the sqrt of the variance's initializer).
            def moving_stddev_initializer(shape: Any, dtype: Any = None) -> Any:
                return math_ops.sqrt(self.moving_variance_initializer.clone()(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(
                shape=shape,
                name="moving_stddev",
                initializer=moving_stddev_initializer,
                trainable=False,
                autocast=False,
            )
            self.renorm_mean = self.add_weight(
                shape=shape,
                name="renorm_mean",
                initializer=self.moving_mean_initializer.clone(),
                trainable=False,
                autocast=False,
            )
            self.renorm_stddev = self.add_weight(
                shape=shape,
                name="renorm_stddev",
                initializer=moving_stddev_initializer,
                trainable=False,
                autocast=False,
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: input_shape[self.axis]})
        reduction_axes = list(range(len(input_shape)))
        del reduction_axes[self.axis]
        self._reduction_axes = reduction_axes

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes_in_bounds(self.axis, input_shape)
        return input_shape

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        # BN is prone to overflow in float16/bfloat16: the statistics are computed in float32, as Keras.
        inputs = math_ops.cast(inputs, _stat_dtype(inputs.dtype))
        dtype = inputs.dtype
        moving_mean = math_ops.cast(self.moving_mean, dtype)
        moving_variance = math_ops.cast(self.moving_variance, dtype)
        gamma = math_ops.cast(self.gamma, dtype) if self.scale else None
        beta = math_ops.cast(self.beta, dtype) if self.center else None
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if self.renorm:
                r, d = self._renorm_correction(mean, variance)
                gamma, beta = self._compose_transforms(r, d, gamma, beta, dtype)
                self._update_renorm_statistics(mean, variance)
            else:
                self._assign(self.moving_mean, moving_mean * self.momentum + mean * (1.0 - self.momentum))
                self._assign(self.moving_variance, moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = moving_mean, moving_variance
        if self.axis != -1:
            shape = [1] * len(inputs.shape)
            shape[self.axis] = mean.shape[0]
            mean, variance = array_ops.reshape(mean, shape), array_ops.reshape(variance, shape)
            gamma = None if gamma is None else array_ops.reshape(gamma, shape)
            beta = None if beta is None else array_ops.reshape(beta, shape)
        outputs = nn_ops.batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)
        return math_ops.cast(outputs, self.compute_dtype)

    @staticmethod
    def _assign(variable: Any, value: Any) -> None:
        variable.assign(math_ops.cast(value, variable.dtype))

    def _moments(self, inputs: Any, mask: Any) -> tuple[Any, Any]:
        if mask is None:
            return nn_ops.moments(inputs, axes=self._reduction_axes)
        # Keras' masked moments: sums over the unmasked entries, divided by (count + epsilon).
        axes = self._reduction_axes
        m = shape_ops.broadcast_to(shape_ops.expand_dims(math_ops.cast(mask, "bool"), -1), list(inputs.shape))
        zero = array_ops.constant(0, dtype=inputs.dtype)
        total = reduction_ops.reduce_sum(math_ops.where(m, inputs, zero), axes, keepdims=True)
        weights = reduction_ops.reduce_sum(math_ops.cast(m, inputs.dtype), axes, keepdims=True)
        mean = total / (weights + backend.epsilon())
        difference = math_ops.where(m, inputs - mean, zero)
        variance = reduction_ops.reduce_sum(math_ops.square(difference), axes, keepdims=True) / (
            weights + backend.epsilon()
        )
        return shape_ops.squeeze(mean), shape_ops.squeeze(variance)

    def _renorm_correction(self, mean: Any, variance: Any) -> tuple[Any, Any]:
        stddev = math_ops.sqrt(variance + self.epsilon)
        renorm_mean = math_ops.cast(self.renorm_mean, mean.dtype)
        renorm_stddev = math_ops.maximum(
            math_ops.cast(self.renorm_stddev, mean.dtype), math_ops.sqrt(math_ops.cast(self.epsilon, mean.dtype))
        )
        r = stddev / renorm_stddev
        d = (mean - renorm_mean) / renorm_stddev
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = math_ops.maximum(r, math_ops.cast(clip["rmin"], r.dtype))
        if clip.get("rmax") is not None:
            r = math_ops.minimum(r, math_ops.cast(clip["rmax"], r.dtype))
        if clip.get("dmax") is not None:
            dmax = math_ops.cast(clip["dmax"], d.dtype)
            d = math_ops.minimum(math_ops.maximum(d, -dmax), dmax)
        return r, d

    @staticmethod
    def _compose_transforms(r: Any, d: Any, gamma: Any, beta: Any, dtype: Any) -> tuple[Any, Any]:
        from tapejax._src.custom_gradient import stop_gradient

        r, d = stop_gradient(r), stop_gradient(d)
        if gamma is not None:
            gamma, offset = r * gamma, d * gamma
        else:
            gamma, offset = math_ops.cast(r, dtype), math_ops.cast(d, dtype)
        return gamma, (offset if beta is None else offset + beta)

    def _update_renorm_statistics(self, mean: Any, variance: Any) -> None:
        stddev = math_ops.sqrt(variance + self.epsilon)
        m = self.renorm_momentum
        renorm_mean = math_ops.cast(self.renorm_mean, mean.dtype)
        renorm_stddev = math_ops.cast(self.renorm_stddev, mean.dtype)
        self._assign(self.renorm_mean, renorm_mean * m + mean * (1.0 - m))
        self._assign(self.renorm_stddev, renorm_stddev * m + stddev * (1.0 - m))
        moving_mean = math_ops.cast(self.moving_mean, mean.dtype)
        moving_stddev = math_ops.cast(self.moving_stddev, mean.dtype)
        self._assign(self.moving_mean, moving_mean * self.momentum + mean * (1.0 - self.momentum))
        new_stddev = moving_stddev * self.momentum + stddev * (1.0 - self.momentum)
        self._assign(self.moving_stddev, new_stddev)
        self._assign(self.moving_variance, nn_ops.relu(new_stddev * new_stddev - self.epsilon))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


class LayerNormalization(Layer):
    """Normalizes each example over ``axis``: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    ``gamma`` and ``beta`` have the shape of the normalized axes. The statistics are computed in
    float32 (float64 for float64 inputs); the inputs are not autocast.

    Args:
      axis: an int or a list of ints (after ``build``, a sorted list, as Keras).
      epsilon: added to the variance.
      center, scale: whether to add ``beta`` / multiply by ``gamma``.
      beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
        gamma_constraint.
      rms_scaling: deprecated in Keras (warns): ``x * rsqrt(var + epsilon) * gamma``, no ``beta``.

    Raises:
      TypeError: if ``axis`` is not an int or a list/tuple of ints.

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.LayerNormalization(epsilon=0.0)
    >>> print(layer(tf.constant([[1.0, 3.0]])))
    tf.Tensor([[-1.  1.]], shape=(1, 2), dtype=float32)
    """

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            import warnings

            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input by "
                "the variance, not the root mean square. To correctly use RMS Normalization, please use "
                "`keras.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape: Any) -> None:
        shape = _axes_weight_shape(self, input_shape)
        self.gamma = (
            self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
                autocast=False,
            )
            if self.scale or self.rms_scaling
            else None
        )
        self.beta = (
            self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
                autocast=False,
            )
            if self.center and not self.rms_scaling
            else None
        )

    def call(self, inputs: Any) -> Any:
        x = math_ops.cast(inputs, _stat_dtype(inputs.dtype))
        dtype = x.dtype
        ndims = len(x.shape)
        axis = sorted([self.axis] if isinstance(self.axis, int) else self.axis)
        broadcast_shape = [1] * ndims
        for dim in axis:
            broadcast_shape[dim] = x.shape[dim]

        def _broadcast(v: Any) -> Any:
            if v is None:
                return None
            v = math_ops.cast(v, dtype)
            if len(v.shape) != ndims and axis != [ndims - 1]:
                return array_ops.reshape(v, broadcast_shape)
            return v

        gamma, beta = _broadcast(self.gamma), _broadcast(self.beta)
        if self.rms_scaling:
            variance = reduction_ops.reduce_variance(x, axis, keepdims=True)
            outputs = x * math_ops.rsqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma
        else:
            mean, variance = nn_ops.moments(x, axes=axis, keepdims=True)
            inv = math_ops.rsqrt(variance + self.epsilon)
            if gamma is not None:
                inv = inv * gamma
            res = -mean * inv
            if beta is not None:
                res = res + beta
            outputs = x * inv + res
        return math_ops.cast(math_ops.cast(outputs, inputs.dtype), self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes_in_bounds(self.axis, input_shape)
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


class GroupNormalization(Layer):
    """Normalizes each example over groups of channels (``groups=-1``: instance normalization).

    The channels of ``axis`` are split into ``groups`` groups; each group of each example is
    normalized over its channels and all the other non-batch axes, then scaled by ``gamma`` and
    shifted by ``beta`` (one per channel).

    Args:
      groups: the number of groups, a divisor of the channel count (or -1: one group per channel).
      axis: the channel axis.
      epsilon, center, scale, and the initializers, regularizers and constraints of ``beta``/``gamma``.

    Raises:
      ValueError: for an invalid ``groups`` or a channel count it does not divide (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.GroupNormalization(groups=2, epsilon=0.0)
    >>> print(layer(tf.constant([[1.0, 3.0, 5.0, 9.0]])))
    tf.Tensor([[-1. 1. -1. 1.]], shape=(1, 4), dtype=float32)
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer (or `-1` for instance "
                f"normalization). Received: groups={groups}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self.autocast = False
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape: Any) -> None:
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the layer received an input "
                f"with shape {input_shape}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = (
            self.add_weight(
                shape=(dim,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                shape=(dim,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
            if self.center
            else None
        )

    def call(self, inputs: Any) -> Any:
        shape = list(inputs.shape)
        group_shape = [-1, *shape[1:]]
        group_shape[self.axis] = shape[self.axis] // self.groups
        group_shape.insert(self.axis, self.groups)
        reshaped = array_ops.reshape(inputs, group_shape)
        in_dtype = reshaped.dtype
        x = math_ops.cast(reshaped, _stat_dtype(in_dtype))  # GN overflows in float16: float32 statistics
        reduction_axes = list(range(1, len(x.shape)))
        reduction_axes.pop(-2 if self.axis == -1 else self.axis - 1)
        broadcast_shape = [1] * len(shape)
        broadcast_shape[self.axis] = shape[self.axis] // self.groups
        broadcast_shape.insert(self.axis, self.groups)
        mean, variance = nn_ops.moments(x, axes=reduction_axes, keepdims=True)
        inv = math_ops.rsqrt(variance + self.epsilon)
        if self.scale:
            inv = inv * math_ops.cast(array_ops.reshape(self.gamma, broadcast_shape), x.dtype)
        res = -mean * inv
        if self.center:
            res = res + math_ops.cast(array_ops.reshape(self.beta, broadcast_shape), x.dtype)
        normalized = math_ops.cast(x * inv + res, in_dtype)
        outputs = array_ops.reshape(normalized, list(inputs.shape))
        return math_ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes_in_bounds(self.axis, input_shape)
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over ``axis``: ``x * min(rsqrt(sum(x**2)), 1e12)``.

    Args:
      axis: an int or a list/tuple of ints.

    Raises:
      TypeError: if ``axis`` is not an int or a list/tuple of ints.

    >>> import tapejax as tf
    >>> print(tf.keras.layers.UnitNormalization()(tf.constant([[3.0, 4.0]])))
    tf.Tensor([[0.6 0.8]], shape=(1, 2), dtype=float32)
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(
                f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis}"
            )
        self.supports_masking = True
        self.built = True  # (no weights: built at construction, as Keras)

    def call(self, inputs: Any) -> Any:
        x = inputs
        if len(x.shape) == 0:
            x = shape_ops.expand_dims(x, 0)
        square_sum = reduction_ops.reduce_sum(math_ops.square(x), self.axis, keepdims=True)
        inv_norm = math_ops.minimum(math_ops.rsqrt(square_sum), math_ops.cast(1.0 / 1e-12, x.dtype))
        return x * inv_norm

    def compute_output_shape(self, input_shape: Any) -> Any:
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for a in axes:
            if a >= len(input_shape) or a < -len(input_shape):
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape {input_shape}.")
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x * rsqrt(mean(x**2, axis) + epsilon) * scale``.

    Args:
      axis: an int or a list of ints (after ``build``, a sorted list, as Keras).
      epsilon: added to the mean square (default ``1e-6``).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.RMSNormalization(epsilon=0.0)
    >>> print(layer(tf.constant([[3.0, 4.0, 0.0, 0.0]])))
    tf.Tensor([[1.2 1.6 0.  0. ]], shape=(1, 4), dtype=float32)
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape: Any) -> None:
        shape = _axes_weight_shape(self, input_shape)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def call(self, x: Any) -> Any:
        original = x.dtype
        x = math_ops.cast(x, _stat_dtype(original))
        axis = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        if len(x.shape) == 0:
            x = shape_ops.expand_dims(x, 0)
        rrms = math_ops.rsqrt(reduction_ops.reduce_mean(math_ops.square(x), axis, keepdims=True) + self.epsilon)
        outputs = x * rrms * math_ops.cast(self.scale, x.dtype)
        return math_ops.cast(outputs, original)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes_in_bounds(self.axis, input_shape)
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


def _unit_norm(x: Any) -> Any:
    """Keras' ``ops.normalize(x, axis=None)``: ``x * min(rsqrt(sum(x**2)), 1 / epsilon())``."""
    inv = math_ops.rsqrt(reduction_ops.reduce_sum(math_ops.square(x), keepdims=True))
    return x * math_ops.minimum(inv, math_ops.cast(1.0 / backend.epsilon(), x.dtype))


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's kernel by its spectral norm (largest singular value), estimated by power iteration.

    In training (``training=True``) each call runs ``power_iterations`` steps from the stored
    ``vector_u`` (a non-trainable weight), then assigns the normalized kernel and the new
    ``vector_u`` (an all-zero kernel is left as it is); the wrapped layer then runs with the
    assigned kernel. In inference the layer runs unchanged.

    Args:
      layer: a layer with a ``kernel`` (or ``embeddings``) weight.
      power_iterations: the number of power-iteration steps (> 0).

    Raises:
      ValueError: for ``power_iterations <= 0`` or a layer without ``kernel``/``embeddings`` (Keras' messages).

    >>> import tapejax as tf
    >>> layer = tf.keras.layers.SpectralNormalization(tf.keras.layers.Dense(1, kernel_initializer="ones"))
    >>> y = layer(tf.constant([[1.0, 1.0]]), training=True)
    >>> print(layer.layer.kernel.numpy().round(4).ravel())
    [0.7071 0.7071]
    """

    def __init__(self, layer: Any, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(
                f"`power_iterations` should be greater than zero. Received: `power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )

    def call(self, inputs: Any, training: Any = False) -> Any:
        if training:
            new_u, new_kernel = self.normalized_weights()
            all_zero = reduction_ops.reduce_all(math_ops.equal(self.kernel, math_ops.cast(0, self.kernel.dtype)))
            self.vector_u.assign(math_ops.where(all_zero, self.vector_u.read_value(), new_u))
            self.kernel.assign(math_ops.where(all_zero, self.kernel.read_value(), new_kernel))
        output = self.layer(inputs)
        return math_ops.cast(output, inputs.dtype)

    def normalized_weights(self) -> tuple[Any, Any]:
        """The power-iteration estimate: ``(new vector_u, kernel / sigma)``."""
        from tapejax._src.custom_gradient import stop_gradient
        from tapejax._src.ops import linalg_ops

        weights = array_ops.reshape(self.kernel, [-1, self.kernel_shape[-1]])
        vector_u = self.vector_u.read_value()
        vector_v = None
        for _ in range(self.power_iterations):
            vector_v = _unit_norm(linalg_ops.matmul(vector_u, weights, transpose_b=True))
            vector_u = _unit_norm(linalg_ops.matmul(vector_v, weights))
        vector_u, vector_v = stop_gradient(vector_u), stop_gradient(vector_v)
        sigma = linalg_ops.matmul(linalg_ops.matmul(vector_v, weights), vector_u, transpose_b=True)
        kernel = array_ops.reshape(self.kernel / sigma, self.kernel_shape)
        return math_ops.cast(vector_u, self.vector_u.dtype), math_ops.cast(kernel, self.kernel.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power_iterations": self.power_iterations}
