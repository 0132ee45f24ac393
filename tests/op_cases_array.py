"""Gradient cases of the array, scatter and functional ops (issue 14): tape gradient vs jax.grad of
the jnp twin, and the float64 numerical check (see tests/test_op_gradients.py)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from op_case import Case

import tapejax as tf

_I2 = np.array([[0, 1], [2, 0]])  # rows of a [3, 2] index pair, no duplicates
_R = np.array([0, 2])

CASES = [
    Case(
        "scatter_nd",
        lambda u: tf.scatter_nd([[0, 1], [2, 0], [0, 1]], u, [3, 2]),
        lambda u: jnp.zeros((3, 2), u.dtype).at[(np.array([0, 2, 0]), np.array([1, 0, 1]))].add(u),
        ((3,),),
    ),
    Case(
        "tensor_scatter_nd_update",
        lambda x, u: tf.tensor_scatter_nd_update(x, _I2, u),
        lambda x, u: jnp.asarray(x).at[(_I2[:, 0], _I2[:, 1])].set(u),
        ((3, 2), (2,)),
    ),
    Case(
        "tensor_scatter_nd_add",
        lambda x, u: tf.tensor_scatter_nd_add(x, [[0], [2]], u),
        lambda x, u: jnp.asarray(x).at[_R].add(u),
        ((3, 2), (2, 2)),
    ),
    Case(
        "tensor_scatter_nd_sub",
        lambda x, u: tf.tensor_scatter_nd_sub(x, [[0], [2]], u),
        lambda x, u: jnp.asarray(x).at[_R].add(-u),
        ((3, 2), (2, 2)),
    ),
    Case(
        "tensor_scatter_nd_max",
        lambda x, u: tf.tensor_scatter_nd_max(x, [[0], [2]], u),
        lambda x, u: jnp.asarray(x).at[_R].max(u),
        ((3, 2), (2, 2)),
    ),
    Case(
        "tensor_scatter_nd_min",
        lambda x, u: tf.tensor_scatter_nd_min(x, [[0], [2]], u),
        lambda x, u: jnp.asarray(x).at[_R].min(u),
        ((3, 2), (2, 2)),
    ),
    Case("roll", lambda x: tf.roll(x, [1, -1], [0, 1]), lambda x: jnp.roll(x, (1, -1), (0, 1)), ((3, 4),)),
    Case(
        "repeat",
        lambda x: tf.repeat(x, [2, 0, 1], axis=0),
        lambda x: jnp.repeat(x, np.array([2, 0, 1]), axis=0, total_repeat_length=3),
        ((3, 2),),
    ),
    Case(
        "reverse_sequence",
        lambda x: tf.reverse_sequence(x, [2, 4, 0], seq_axis=1, batch_axis=0),
        lambda x: jnp.stack([jnp.concatenate([x[0, 1::-1], x[0, 2:]]), x[1, ::-1], x[2]]),
        ((3, 4),),
    ),
    Case(
        "dynamic_partition",
        lambda x: tf.concat(tf.dynamic_partition(x, [1, 0, 1], 2), axis=0),
        lambda x: x[np.array([1, 0, 2])],
        ((3, 2),),
    ),
    Case(
        "dynamic_stitch",
        lambda x, y: tf.dynamic_stitch([[0, 3], [1]], [x, y]),
        lambda x, y: jnp.concatenate([x[:1], y, jnp.zeros((1, 2), x.dtype), x[1:]]),
        ((2, 2), (1, 2)),
    ),
    Case(
        "strided_slice_masks",
        lambda x: tf.strided_slice(x, [0, 3], [3, 0], [2, -2], end_mask=2),
        lambda x: x[0:3:2, 3::-2],
        ((3, 4),),
    ),
    Case(
        "scan",
        lambda x: tf.scan(lambda a, r: a * r + r, x, initializer=tf.ones([2], x.dtype)),
        lambda x: jnp.stack([1 * x[0] + x[0], (x[0] + x[0]) * x[1] + x[1]]),
        ((2, 2),),
    ),
    Case(
        "scan_in_tf_function",
        tf.function(lambda x: tf.scan(lambda a, r: a * r + r, x, initializer=tf.ones([2], x.dtype))),
        lambda x: jnp.stack([1 * x[0] + x[0], (x[0] + x[0]) * x[1] + x[1]]),
        ((2, 2),),
        # (first order only: through tf.function, a second-order tape gradient of a traced loop whose
        # carry feeds the next step is None today, tf.while_loop's as well: a function.py limitation)
        numeric_order=1,
    ),
    Case(
        "vectorized_map",
        lambda x: tf.vectorized_map(lambda r: tf.reduce_sum(tf.sin(r) * r), x),
        lambda x: jnp.sum(jnp.sin(x) * x, axis=1),
        ((3, 2),),
    ),
    Case(
        "recompute_grad",
        lambda x: tf.recompute_grad(lambda a: tf.sin(a) * a)(x),
        lambda x: jnp.sin(x) * x,
        ((3, 2),),
    ),
    Case(
        "space_to_batch",
        lambda x: tf.space_to_batch(x, [2, 3], [[0, 0], [1, 2]]),
        lambda x: (
            jnp.pad(x, ((0, 0), (0, 0), (1, 2), (0, 0)))
            .reshape(1, 1, 2, 2, 3, 1)
            .transpose(2, 4, 0, 1, 3, 5)
            .reshape(6, 1, 2, 1)
        ),
        ((1, 2, 3, 1),),
    ),
    Case(
        "batch_to_space",
        lambda x: tf.batch_to_space(x, [2, 3], [[0, 0], [1, 2]]),
        lambda x: x.reshape(2, 3, 1, 1, 2, 1).transpose(2, 3, 0, 4, 1, 5).reshape(1, 2, 6, 1)[:, :, 1:4],
        ((6, 1, 2, 1),),
    ),
]
