"""Silent wrong values and faithfulness gaps found by the TF fuzzer and reviews (issue 18, engineer W).

Every expected value here was checked in TF 2.21 / Keras 3.15 (``/tmp/tfenv``), as each comment says.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

NAN = np.float32(np.nan)


# -- gradients with respect to 0-size sources ------------------------------------------------------------
def test_function_gradient_wrt_an_empty_source_is_an_empty_tensor() -> None:
    # TF 2.21: [] (float32, shape (0,)) eagerly and through tf.function, for reduce_prod (whose JAX
    # derivative builds the 0-size cotangent from nothing) as for any op; tapejax gave None there.
    f = tf.function(lambda v: tf.reduce_prod(v, axis=0))
    v = tf.Variable(np.zeros((0,), np.float32))
    with tf.GradientTape(persistent=True) as t:
        y = f(v)
    g = t.gradient(y, v)
    assert g is not None and g.shape == (0,) and g.dtype == tf.float32
    assert t.jacobian(y, v).shape == (0,)
    x = tf.constant(np.zeros((0, 2), np.float32))
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    assert t.gradient(y, x).shape == (0, 2)


def test_function_gradient_through_stop_gradient_of_an_empty_source_stays_none() -> None:
    # TF 2.21: None (unconnected), an empty Tensor with unconnected_gradients="zero".
    f = tf.function(lambda v: tf.reduce_sum(tf.stop_gradient(v)) + 1.0)
    v = tf.Variable(np.zeros((0,), np.float32))
    with tf.GradientTape(persistent=True) as t:
        y = f(v)
    assert t.gradient(y, v) is None
    assert t.gradient(y, v, unconnected_gradients="zero").shape == (0,)


# -- Keras losses on non-finite inputs ---------------------------------------------------------------------
def _loss_and_grad(loss, y_true, y_pred):
    v = tf.Variable(np.array(y_pred, np.float32))
    with tf.GradientTape() as t:
        y = loss(np.array(y_true, np.float32), v)
    return y.numpy(), t.gradient(y, v).numpy()


def test_keras_clip_gives_a_nan_prediction_a_zero_gradient() -> None:
    # TF's clip_by_value is maximum(minimum(x, hi), lo), whose gradients select: a NaN prediction gets
    # 0 (tapejax gave NaN). Keras 3.15 on TF 2.21, checked: the values below.
    y, g = _loss_and_grad(tf.keras.losses.KLDivergence(), [0.2, 0.3, 0.4, 0.1], [NAN, 0.3, 2.0, -1.0])
    assert np.isnan(y)
    np.testing.assert_array_equal(g, [0.0, -1.0, 0.0, 0.0])
    y, g = _loss_and_grad(lambda a, b: tf.reduce_sum(tf.keras.losses.kld(a, b)), [[0.2, 0.8]], [[NAN, 0.5]])
    np.testing.assert_allclose(g, [[0.0, -1.6]], rtol=1e-6)


def test_keras_maximum_keeps_nan_values() -> None:
    # TF's maximum propagates NaN: Hinge of a NaN prediction is NaN (tapejax gave inf here: the NaN
    # was replaced by 0 and the -inf's term stayed). Keras 3.15 on TF: nan, gradient [[-0., -0.1]].
    y, g = _loss_and_grad(tf.keras.losses.Hinge(), [[0.5, 0.2]], [[NAN, -np.inf]])
    assert np.isnan(y)
    np.testing.assert_allclose(g, [[0.0, -0.1]], rtol=1e-6)


def test_categorical_hinge_of_a_nan_row_has_nan_gradients() -> None:
    # TF's reduce_max gradient divides by the count of elements equal to the max: 0 / 0 for a NaN row.
    # Keras 3.15 on TF: [[nan, nan, nan], [0, -0.5, 0.5]] (tapejax gave 0 for the first row).
    y, g = _loss_and_grad(
        tf.keras.losses.CategoricalHinge(), [[0.5, 0.0, 0.0], [0.0, 1.0, 0.0]], [[1e-8, NAN, 0.0], [0.2, 0.5, 0.3]]
    )
    assert np.isnan(y) and np.isnan(g[0]).all()
    np.testing.assert_allclose(g[1], [0.0, -0.5, 0.5])


def test_categorical_crossentropy_from_logits_gradient_is_softmax_minus_labels() -> None:
    # Keras' TF backend calls tf.nn.softmax_cross_entropy_with_logits, whose gradient is
    # softmax - labels whatever the labels sum to (tapejax gave sum(labels) * softmax - labels).
    # Keras 3.15 on TF: 0.48342273 and the gradient below (an all-zero label row still pulls).
    y, g = _loss_and_grad(
        tf.keras.losses.CategoricalCrossentropy(from_logits=True),
        [[0.5, 0.2, 0.2], [0.0, 0.0, 0.0]],
        [[2.0, 0.0, 1.0], [1.0, 2.0, 3.0]],
    )
    np.testing.assert_allclose(y, 0.48342273, rtol=1e-6)
    np.testing.assert_allclose(
        g, [[0.08262044, -0.05498472, 0.02236423], [0.04501529, 0.12236424, 0.33262047]], rtol=1e-5, atol=1e-7
    )


# -- tf.function outputs ----------------------------------------------------------------------------------
def test_function_returns_concrete_indexed_slices_and_tensor_arrays() -> None:
    # TF 2.21 returns an IndexedSlices of EagerTensors; tapejax returned one holding tracers.
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=2).write(0, x[0]).write(1, x[0] * 3.0)
        return {"s": tf.IndexedSlices(x * 2.0, tf.constant([0, 2]), tf.constant([4, 3])), "ta": ta, "r": range(2)}

    for _ in range(2):
        out = f(tf.ones((2, 3)))
        s = out["s"]
        assert isinstance(s, tf.IndexedSlices)
        assert s.indices.numpy().tolist() == [0, 2] and s.dense_shape.numpy().tolist() == [4, 3]
        np.testing.assert_array_equal(tf.convert_to_tensor(s).numpy(), [[2] * 3, [0] * 3, [2] * 3, [0] * 3])
        # (TF returns an opaque variant Tensor for a TensorArray: tapejax's is usable)
        np.testing.assert_array_equal(out["ta"].stack().numpy(), [[1] * 3, [3] * 3])
        # TF 2.21: a returned range is a list of int32 scalar Tensors
        assert [(r.dtype, int(r)) for r in out["r"]] == [(tf.int32, 0), (tf.int32, 1)]
        assert list(out) == ["s", "ta", "r"]
    empty = tf.function(lambda: tf.TensorArray(tf.float32, size=0, dynamic_size=True))()
    assert int(empty.size()) == 0 and empty.write(0, 1.0).stack().numpy().tolist() == [1.0]


def test_function_returns_the_indexed_slices_gradient_of_a_gather() -> None:
    v = tf.Variable(np.ones((3, 2), np.float32))

    @tf.function
    def grad():
        with tf.GradientTape() as t:
            y = tf.reduce_sum(tf.gather(v, [0, 2]))
        return t.gradient(y, v)

    g = grad()
    assert isinstance(g, tf.IndexedSlices)  # TF 2.21: IndexedSlices, indices [0, 2], dense_shape [3, 2]
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy(), [[1, 1], [0, 0], [1, 1]])


# -- Tensor --------------------------------------------------------------------------------------------------
def test_unary_plus_raises_type_error() -> None:
    # TF 2.21: TypeError: bad operand type for unary +: 'EagerTensor' (and 'ResourceVariable').
    with pytest.raises(TypeError, match="unary"):
        _ = +tf.constant(1.0)
    with pytest.raises(TypeError, match="unary"):
        _ = +tf.Variable(1.0)
    # Keras 3.15's Variable defines __pos__: its value
    layer = tf.keras.layers.Dense(1)
    layer.build((None, 2))
    assert (+layer.kernel).numpy().tolist() == layer.kernel.numpy().tolist()


def test_big_endian_numpy_arrays_convert_to_their_values() -> None:
    # TF 2.21 accepts big-endian NumPy arrays: tf.constant(np.arange(4, dtype='>f4')) is [0, 1, 2, 3]
    # float32; tf.as_dtype('>f4') is float32. tapejax raised TypeError.
    from tapejax._src import transfer

    a = np.arange(4, dtype=">f4")
    assert not transfer.fast(a)  # (the raw-bytes transfer never sees one)
    np.testing.assert_array_equal(np.asarray(transfer.put(a)), [0, 1, 2, 3])
    t = tf.constant(a.reshape(2, 2))
    assert t.dtype == tf.float32 and t.numpy().tolist() == [[0, 1], [2, 3]]
    assert tf.constant(np.arange(3, dtype=">i8")).numpy().tolist() == [0, 1, 2]
    assert tf.constant(np.array([1 + 2j], ">c8")).numpy().tolist() == [1 + 2j]
    assert tf.constant(a, dtype=tf.float64).numpy().tolist() == [0, 1, 2, 3]
    assert tf.add(a, 1.0).numpy().tolist() == [1, 2, 3, 4]
    assert tf.Variable(a[::2]).numpy().tolist() == [0, 2]
    assert tf.as_dtype(np.dtype(">f4")) == tf.float32


# -- Keras layers: state is locked after build ----------------------------------------------------------------
_LOCKED = "You cannot add new elements of state"


def test_a_built_layer_refuses_new_state_and_del_untracks_variables_only() -> None:
    # Keras 3.15 (checked on TF): after build, add_weight, a new sublayer (also in a list) and a new
    # metric raise ValueError with this message; setting built = False keeps the lock; re-assigning a
    # tracked weight and plain attributes are fine. ``del`` untracks a Variable, not a sublayer.
    class Lin(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = tf.keras.layers.Dense(2)

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, x):
            return self.inner(tf.matmul(x, self.w))

    layer = Lin()
    layer(np.ones((1, 3), np.float32))
    assert len(layer.weights) == 3
    for add in (
        lambda: layer.add_weight(shape=(2,), name="extra"),
        lambda: setattr(layer, "d", tf.keras.layers.Dense(2)),
        lambda: setattr(layer, "ds", [tf.keras.layers.Dense(1)]),
        lambda: setattr(layer, "m", tf.keras.metrics.Mean()),
    ):
        with pytest.raises(ValueError, match=_LOCKED):
            add()
    layer.built = False
    with pytest.raises(ValueError, match=_LOCKED):
        layer.add_weight(shape=(1,), name="z")
    layer.w2, layer.p = layer.w, 3
    assert len(layer.weights) == 3
    del layer.inner
    assert len(layer.weights) == 3 and len(layer._layers) == 1  # Keras 3.15: 3 weights, 1 layer
    del layer.w
    assert len(layer.weights) == 2  # Keras 3.15: 2


def test_a_sequential_model_stays_open_after_build() -> None:
    # Keras 3.15: Sequential.add after build works (4 weights below), as Functional's (_lock_state no-ops).
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    model(np.ones((1, 3), np.float32))
    model.add(tf.keras.layers.Dense(1))
    assert model(np.ones((1, 3), np.float32)).shape == (1, 1) and len(model.weights) == 4


def test_function_float_division_by_zero_gives_inf_where_checks_run() -> None:
    # TF 2.21: [[inf]]; tapejax raised "Integer division by zero" (checkify's division check fires for
    # floats too, and a gather turned the checks on). An integer division by zero still raises, as TF.
    f = tf.function(lambda y: 1.0 / tf.gather(y, [0], axis=0))
    assert f(tf.constant(np.array([[0.0]]))).numpy().tolist() == [[np.inf]]
    g = tf.function(lambda y: tf.constant([7]) // tf.gather(y, [0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        g(tf.constant([0]))


def test_keras_mask_and_logits_slots_read_as_plain_attributes() -> None:
    # TF 2.21: hasattr(tf.constant(1.0), "_keras_mask") is False (and "_keras_logits"). The helpers
    # answer None without the failed read until a Tensor holds one; the attributes behave as before.
    from tapejax._src.tensor import keras_logits, keras_mask

    t, u = tf.constant([1.0]), tf.constant([2.0])
    assert not hasattr(t, "_keras_mask") and not hasattr(t, "_keras_logits")
    assert keras_mask(t) is None and keras_logits(t) is None
    u._keras_mask = m = tf.constant([True])
    u._keras_logits = t
    assert keras_mask(u) is m and keras_logits(u) is t and u._keras_mask is m
    assert keras_mask(t) is None and not hasattr(t, "_keras_mask")
    with pytest.raises(AttributeError, match="_keras_mask"):
        _ = t._keras_mask
    del u._keras_mask
    assert not hasattr(u, "_keras_mask") and keras_mask(u) is None
    masked = tf.keras.layers.Masking()(tf.constant([[[0.0], [1.0]]]))
    assert keras_mask(masked).numpy().tolist() == [[False, True]]


def test_indexing_an_unknown_rank_shape_gives_tfs_answers() -> None:
    # (checked in TF 2.21: None for an index, <unknown> or unknown sizes for a slice, ValueError for a step)
    s = tf.TensorShape(None)
    assert s[0] is None and s[-1] is None
    assert s[1:] == tf.TensorShape(None) and s[1:].rank is None and s[-2:].rank is None
    assert s[1:3].as_list() == [None, None] and s[:2].as_list() == [None, None]
    with pytest.raises(ValueError, match="Steps are not yet handled"):
        s[::2]
    assert tf.TensorShape([3, None])[1:].as_list() == [None]


def test_check_numerics_mode_checks_a_gradients_results() -> None:
    # (reviewer R's finding 5; TF 2.21 raises InvalidArgumentError inside gradient(): CheckNumericsV2 on
    # the gradient's ops) sqrt's gradient at 0 is inf: raised by gradient(), the general path and the
    # repeated training-step form alike, and the Variable unchanged.
    w = tf.Variable([1.0, 4.0])
    tf.debugging.enable_check_numerics()
    try:
        for x in ([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [0.0, 1.0]):
            with tf.GradientTape() as t:
                loss = tf.reduce_sum(tf.sqrt(w * tf.constant(x)))
            if x[0]:
                (g,) = t.gradient(loss, [w])
                np.testing.assert_allclose(g.numpy(), 0.5 / np.sqrt([1.0, 4.0]), rtol=1e-6)
            else:
                with pytest.raises(
                    tf.errors.InvalidArgumentError,
                    match=r'Infinity or NaN in output 0 of computation "GradientTape.gradient"',
                ):
                    t.gradient(loss, [w])
        with tf.GradientTape(persistent=True) as t:  # (the general path)
            t.watch(w)
            loss = tf.reduce_sum(tf.sqrt(w * tf.constant([1.0, 0.0])))
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"# of \+NaN elements: 1"):
            t.gradient(loss, {"w": w})
    finally:
        tf.debugging.disable_check_numerics()
    np.testing.assert_array_equal(w.numpy(), [1.0, 4.0])
    with tf.GradientTape() as t:  # (off again: no check)
        loss = tf.reduce_sum(tf.sqrt(w * tf.constant([0.0, 1.0])))
    assert np.isnan(t.gradient(loss, w).numpy()[0])
