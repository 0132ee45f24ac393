"""The cold-start workload's programs: 50 small TensorFlow programs, each written once as TF code.

Each ``p_*`` function takes the ``tf`` module (``tapejax`` or TensorFlow) and returns a list of
values (anything ``np.asarray`` takes); the workload runs each in a fresh process and checks that
both frameworks return the same values. Programs that draw random numbers return only shapes or
statistics that do not depend on the generator. They are the kind of code a notebook cell, a test
or a short script runs once: a few ops on small shapes, a gradient, an optimizer step, a small
Keras model, a ``tf.function``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Values = list[Any]


def _x(*shape: int) -> np.ndarray:
    return (np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) % 7 - 3) / 4


def p_elementwise(tf: Any) -> Values:
    x = tf.constant(_x(3, 4))
    return [tf.sin(x) * tf.cos(x) + tf.exp(-tf.abs(x))]


def p_broadcast_arith(tf: Any) -> Values:
    a, b = tf.constant(_x(4, 1)), tf.constant(_x(1, 5))
    return [a + b, a * b - 2.0, a / (tf.abs(b) + 1.0)]


def p_reductions(tf: Any) -> Values:
    x = tf.constant(_x(5, 6))
    return [tf.reduce_sum(x), tf.reduce_mean(x, axis=0), tf.reduce_max(x, axis=1), tf.reduce_min(x)]


def p_matmul_chain(tf: Any) -> Values:
    a, b = tf.constant(_x(8, 16)), tf.constant(_x(16, 4))
    return [tf.matmul(tf.nn.relu(tf.matmul(a, b)), tf.transpose(b))]


def p_softmax_logsumexp(tf: Any) -> Values:
    x = tf.constant(_x(4, 10))
    return [tf.nn.softmax(x), tf.reduce_logsumexp(x, axis=-1), tf.nn.log_softmax(x)]


def p_argmax_onehot(tf: Any) -> Values:
    x = tf.constant(_x(6, 5) + np.arange(5, dtype=np.float32) / 100)
    idx = tf.argmax(x, axis=1)
    return [idx, tf.one_hot(idx, 5)]


def p_reshape_concat(tf: Any) -> Values:
    x = tf.constant(_x(2, 3, 4))
    y = tf.reshape(x, [6, 4])
    return [tf.concat([y, y * 2], axis=0), tf.stack([y, -y], axis=1)]


def p_slicing(tf: Any) -> Values:
    x = tf.constant(_x(6, 8))
    return [x[1:4, ::2], x[-1], x[:, 3], x[2, 5]]


def p_gather(tf: Any) -> Values:
    x = tf.constant(_x(10, 3))
    return [tf.gather(x, [0, 3, 3, 9]), tf.gather_nd(x, [[1, 2], [4, 0]])]


def p_where_mask(tf: Any) -> Values:
    x = tf.constant(_x(12))
    return [tf.where(x > 0, x, tf.zeros_like(x)), tf.boolean_mask(x, x < 0)]


def p_cumsum_sort(tf: Any) -> Values:
    x = tf.constant(_x(9))
    return [tf.cumsum(x), tf.sort(x), tf.argsort(x, stable=True)]


def p_cast_int_math(tf: Any) -> Values:
    i = tf.range(10)
    return [i * 3 % 4, tf.cast(i, tf.float32) / 3.0, tf.math.floordiv(i, 3)]


def p_linspace_range(tf: Any) -> Values:
    return [tf.linspace(0.0, 1.0, 7), tf.range(2, 20, 3), tf.ones([2, 3]) * tf.range(3.0)]


def p_pad_tile(tf: Any) -> Values:
    x = tf.constant(_x(2, 3))
    return [tf.pad(x, [[1, 0], [0, 2]]), tf.tile(x, [2, 1]), tf.reverse(x, axis=[1])]


def p_squeeze_expand(tf: Any) -> Values:
    x = tf.constant(_x(1, 4, 1))
    return [tf.squeeze(x), tf.expand_dims(tf.squeeze(x), 0), tf.shape(x)]


def p_einsum(tf: Any) -> Values:
    a, b = tf.constant(_x(3, 4, 5)), tf.constant(_x(3, 5, 2))
    return [tf.einsum("bij,bjk->bik", a, b), tf.einsum("bij->j", a)]


def p_norms(tf: Any) -> Values:
    x = tf.constant(_x(4, 6))
    return [tf.norm(x), tf.norm(x, axis=1), tf.math.l2_normalize(x, axis=1)]


def p_clip(tf: Any) -> Values:
    x = tf.constant(_x(10) * 4)
    return [tf.clip_by_value(x, -1.0, 1.0), tf.clip_by_norm(x, 2.0)]


def p_math_special(tf: Any) -> Values:
    x = tf.constant(np.linspace(0.1, 3.0, 8, dtype=np.float32))
    return [tf.math.lgamma(x), tf.math.erf(x), tf.math.log1p(x), tf.math.sqrt(x), tf.math.rsqrt(x)]


def p_comparisons(tf: Any) -> Values:
    a, b = tf.constant(_x(8)), tf.constant(_x(8)[::-1].copy())
    return [tf.equal(a, b), tf.logical_and(a > 0, b < 0), tf.reduce_any(a > b), tf.maximum(a, b)]


def p_float64(tf: Any) -> Values:
    x = tf.constant(_x(3, 3).astype(np.float64))
    return [tf.matmul(x, x, transpose_b=True) + tf.eye(3, dtype=tf.float64)]


def p_linalg_solve(tf: Any) -> Values:
    a = tf.constant(_x(4, 4) + 4 * np.eye(4, dtype=np.float32))
    b = tf.constant(_x(4, 2))
    return [tf.linalg.solve(a, b), tf.linalg.det(a), tf.linalg.inv(a)]


def p_cholesky(tf: Any) -> Values:
    m = _x(3, 3)
    a = tf.constant(m @ m.T + 3 * np.eye(3, dtype=np.float32))
    return [tf.linalg.cholesky(a), tf.linalg.trace(a)]


def p_conv2d(tf: Any) -> Values:
    x = tf.constant(_x(1, 6, 6, 2))
    k = tf.constant(_x(3, 3, 2, 4))
    return [tf.nn.conv2d(x, k, strides=1, padding="SAME")]


def p_pooling(tf: Any) -> Values:
    x = tf.constant(_x(2, 8, 8, 3))
    return [tf.nn.max_pool2d(x, 2, 2, "VALID"), tf.nn.avg_pool2d(x, 3, 1, "SAME")]


def p_activations(tf: Any) -> Values:
    x = tf.constant(_x(10) * 3)
    return [tf.nn.relu(x), tf.nn.gelu(x), tf.nn.elu(x), tf.nn.sigmoid(x), tf.nn.softplus(x), tf.nn.leaky_relu(x)]


def p_cross_entropy(tf: Any) -> Values:
    logits = tf.constant(_x(4, 5))
    labels = tf.constant([0, 3, 4, 1])
    return [
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones([4, 5]), logits=logits),
    ]


def p_gradient_scalar(tf: Any) -> Values:
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**3 + tf.sin(x)
    return [tape.gradient(y, x)]


def p_gradient_variables(tf: Any) -> Values:
    w = tf.Variable(_x(3, 2))
    b = tf.Variable(np.zeros(2, np.float32))
    x = tf.constant(_x(5, 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b))
    return tape.gradient(loss, [w, b])


def p_second_order(tf: Any) -> Values:
    x = tf.Variable(0.7)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.tanh(x) * x
        dy = inner.gradient(y, x)
    return [dy, outer.gradient(dy, x)]


def p_jacobian(tf: Any) -> Values:
    x = tf.constant(_x(3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sin(x) * tf.reduce_sum(x)
    return [tape.jacobian(y, x)]


def p_persistent_tape(tf: Any) -> Values:
    x = tf.constant(_x(4))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x**2)
        z = tf.reduce_sum(tf.exp(x))
    return [tape.gradient(y, x), tape.gradient(z, x)]


def p_variable_assign(tf: Any) -> Values:
    v = tf.Variable(_x(2, 3))
    v.assign_add(tf.ones([2, 3]))
    v.assign_sub(v * 0.5)
    v[0, 1].assign(9.0)
    return [v.numpy()]


def p_sgd_steps(tf: Any) -> Values:
    w = tf.Variable(_x(4))
    opt = tf.keras.optimizers.SGD(0.1, momentum=0.9)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((w - 1.0) ** 2)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    return [w.numpy()]


def p_adam_steps(tf: Any) -> Values:
    w = tf.Variable(_x(3, 3))
    opt = tf.keras.optimizers.Adam(0.05)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(tf.matmul(w, w) - tf.eye(3)))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    return [w.numpy()]


def p_linear_regression(tf: Any) -> Values:
    xs = tf.constant(np.linspace(-1, 1, 20, dtype=np.float32))
    ys = 3 * xs + 1
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((xs * w + b - ys) ** 2)
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.2 * dw)
        b.assign_sub(0.2 * db)
    return [w.numpy(), b.numpy()]


def p_function_simple(tf: Any) -> Values:
    @tf.function
    def f(x: Any) -> Any:
        return tf.reduce_sum(tf.tanh(x) * 2.0)

    return [f(tf.constant(_x(5))), f(tf.constant(_x(5) + 1))]


def p_function_variables(tf: Any) -> Values:
    v = tf.Variable(_x(3))

    @tf.function
    def step(x: Any) -> Any:
        v.assign(v * x + 1.0)
        return tf.reduce_sum(v)

    return [step(tf.constant(2.0)), v.numpy()]


def p_function_cond(tf: Any) -> Values:
    @tf.function
    def f(x: Any) -> Any:
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)

    return [f(tf.constant(_x(4) + 1)), f(tf.constant(_x(4) - 1))]


def p_while_loop(tf: Any) -> Values:
    i, s = tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + tf.cast(i, tf.float32)), [0, 0.0])
    return [i, s]


def p_map_fn(tf: Any) -> Values:
    x = tf.constant(_x(4, 3))
    return [tf.map_fn(lambda r: tf.reduce_sum(r * r), x)]


def p_keras_dense(tf: Any) -> Values:
    layer = tf.keras.layers.Dense(3, kernel_initializer="ones", bias_initializer="zeros", activation="relu")
    return [layer(tf.constant(_x(2, 4)))]


def p_keras_sequential(tf: Any) -> Values:
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(8, activation="tanh", kernel_initializer="ones"),
            tf.keras.layers.Dense(2, kernel_initializer="ones"),
        ]
    )
    return [model(tf.constant(_x(3, 5)))]


def p_keras_losses(tf: Any) -> Values:
    y_true = tf.constant([[0.0, 1.0], [1.0, 0.0]])
    y_pred = tf.constant([[0.2, 0.8], [0.6, 0.4]])
    return [
        tf.keras.losses.MeanSquaredError()(y_true, y_pred),
        tf.keras.losses.CategoricalCrossentropy()(y_true, y_pred),
        tf.keras.losses.BinaryCrossentropy()(y_true, y_pred),
    ]


def p_keras_metrics(tf: Any) -> Values:
    m = tf.keras.metrics.Mean()
    m.update_state([1.0, 2.0, 6.0])
    acc = tf.keras.metrics.SparseCategoricalAccuracy()
    acc.update_state([1, 0], [[0.1, 0.9], [0.3, 0.7]])
    return [m.result(), acc.result()]


def p_keras_layernorm(tf: Any) -> Values:
    return [tf.keras.layers.LayerNormalization()(tf.constant(_x(3, 6)))]


def p_random_shapes(tf: Any) -> Values:
    tf.random.set_seed(0)
    a = tf.random.normal([100, 3])
    b = tf.random.uniform([5], maxval=10, dtype=tf.int32)
    return [a.shape.as_list(), b.shape.as_list(), bool(tf.reduce_all(b < 10))]


def p_string_free_print(tf: Any) -> Values:
    x = tf.constant(_x(2, 2))
    return [str(x + 1.0).splitlines()[0], repr(tf.Variable(1.5))]


def p_unique_segments(tf: Any) -> Values:
    x = tf.constant([3, 1, 3, 2, 1, 3])
    y, idx = tf.unique(x)
    return [y, idx, tf.math.unsorted_segment_sum(tf.ones([6]), idx, 3)]


def p_topk(tf: Any) -> Values:
    x = tf.constant(_x(3, 7) + np.arange(7, dtype=np.float32) / 50)
    values, indices = tf.math.top_k(x, k=3)
    return [values, indices]


def p_image_resize(tf: Any) -> Values:
    x = tf.constant(_x(1, 4, 4, 1))
    return [tf.image.resize(x, [8, 8], method="bilinear"), tf.image.flip_left_right(x)]


def p_fft(tf: Any) -> Values:
    x = tf.constant(_x(16))
    f = tf.signal.rfft(x)
    return [tf.abs(f), tf.signal.irfft(f)]


PROGRAMS: dict[str, Callable[[Any], Values]] = {
    name.removeprefix("p_"): fn for name, fn in sorted(globals().items()) if name.startswith("p_") and callable(fn)
}
