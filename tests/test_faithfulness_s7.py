"""Faithfulness fixes of issue 18 (engineer F, session 7): values and errors checked in TF 2.21.

1. Float to integer casts of values that do not fit (NaN, +-inf, past the range, negative to
   unsigned): TF's x86-64 CPU values (the type's minimum for int32/int64, 2**63 for uint64; for the
   8/16-bit types and uint32, the vector packets' saturating values and the last partial packet's
   wrapped low bits), not XLA's clamp. Every expected value below was printed by TF 2.21.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

NAN, INF = float("nan"), float("inf")
VALUES = [NAN, INF, -INF, 300.7, -1.0, -129.0, 70000.0, 3e9, -3e9, 1e19, -1e19, 1e30]

CAST_ROWS = [
    # (source, target, TF's value of each of VALUES converted alone, converted in a vector packet)
    (
        "float16",
        "int8",
        [0, 0, 0, 44, -1, 127, 0, 0, 0, 0, 0, 0],
        [-128, -128, -128, 127, -1, -128, -128, -128, -128, -128, -128, -128],
    ),
    (
        "float16",
        "int16",
        [0, 0, 0, 300, -1, -129, 0, 0, 0, 0, 0, 0],
        [-32768, -32768, -32768, 300, -1, -129, -32768, -32768, -32768, -32768, -32768, -32768],
    ),
    (
        "float16",
        "int32",
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
    ),
    (
        "float16",
        "int64",
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
    ),
    ("float16", "uint8", [0, 0, 0, 44, 255, 127, 0, 0, 0, 0, 0, 0], [0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]),
    ("float16", "uint16", [0, 0, 0, 300, 65535, 65407, 0, 0, 0, 0, 0, 0], [0, 0, 0, 300, 0, 0, 0, 0, 0, 0, 0, 0]),
    (
        "float16",
        "uint32",
        [0, 0, 0, 300, 4294967295, 4294967167, 0, 0, 0, 0, 0, 0],
        [
            2147483648,
            2147483648,
            2147483648,
            300,
            4294967295,
            4294967167,
            2147483648,
            2147483648,
            2147483648,
            2147483648,
            2147483648,
            2147483648,
        ],
    ),
    (
        "float16",
        "uint64",
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
        ],
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
        ],
    ),
    (
        "bfloat16",
        "int8",
        [0, 0, 0, 44, -1, 127, 0, 0, 0, 0, 0, 0],
        [-128, -128, -128, 127, -1, -128, 127, -128, -128, -128, -128, -128],
    ),
    (
        "bfloat16",
        "int16",
        [0, 0, 0, 300, -1, -129, 4608, 0, 0, 0, 0, 0],
        [-32768, -32768, -32768, 300, -1, -129, 32767, -32768, -32768, -32768, -32768, -32768],
    ),
    (
        "bfloat16",
        "int32",
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            70144,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            70144,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
    ),
    (
        "bfloat16",
        "int64",
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            70144,
            3003121664,
            -3003121664,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            70144,
            3003121664,
            -3003121664,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
    ),
    ("bfloat16", "uint8", [0, 0, 0, 44, 255, 127, 0, 0, 0, 0, 0, 0], [0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 0]),
    (
        "bfloat16",
        "uint16",
        [0, 0, 0, 300, 65535, 65407, 4608, 0, 0, 0, 0, 0],
        [0, 0, 0, 300, 0, 0, 65535, 0, 0, 0, 0, 0],
    ),
    (
        "bfloat16",
        "uint32",
        [0, 0, 0, 300, 4294967295, 4294967167, 70144, 3003121664, 1291845632, 0, 0, 0],
        [
            2147483648,
            2147483648,
            2147483648,
            300,
            4294967295,
            4294967167,
            70144,
            3003121664,
            2147483648,
            2147483648,
            2147483648,
            2147483648,
        ],
    ),
    (
        "bfloat16",
        "uint64",
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            70144,
            3003121664,
            18446744070706429952,
            10016005571271983104,
            9223372036854775808,
            9223372036854775808,
        ],
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            70144,
            3003121664,
            18446744070706429952,
            10016005571271983104,
            9223372036854775808,
            9223372036854775808,
        ],
    ),
    (
        "float32",
        "int8",
        [0, 0, 0, 44, -1, 127, 112, 0, 0, 0, 0, 0],
        [-128, -128, -128, 127, -1, -128, 127, -128, -128, -128, -128, -128],
    ),
    (
        "float32",
        "int16",
        [0, 0, 0, 300, -1, -129, 4464, 0, 0, 0, 0, 0],
        [-32768, -32768, -32768, 300, -1, -129, 32767, -32768, -32768, -32768, -32768, -32768],
    ),
    (
        "float32",
        "int32",
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            70000,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            70000,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
    ),
    (
        "float32",
        "int64",
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            70000,
            3000000000,
            -3000000000,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            70000,
            3000000000,
            -3000000000,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
    ),
    ("float32", "uint8", [0, 0, 0, 44, 255, 127, 112, 0, 0, 0, 0, 0], [0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 0]),
    (
        "float32",
        "uint16",
        [0, 0, 0, 300, 65535, 65407, 4464, 0, 0, 0, 0, 0],
        [0, 0, 0, 300, 0, 0, 65535, 0, 0, 0, 0, 0],
    ),
    (
        "float32",
        "uint32",
        [0, 0, 0, 300, 4294967295, 4294967167, 70000, 3000000000, 1294967296, 0, 0, 0],
        [
            2147483648,
            2147483648,
            2147483648,
            300,
            4294967295,
            4294967167,
            70000,
            3000000000,
            2147483648,
            2147483648,
            2147483648,
            2147483648,
        ],
    ),
    (
        "float32",
        "uint64",
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            70000,
            3000000000,
            18446744070709551616,
            9999999980506447872,
            9223372036854775808,
            9223372036854775808,
        ],
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            70000,
            3000000000,
            18446744070709551616,
            9999999980506447872,
            9223372036854775808,
            9223372036854775808,
        ],
    ),
    (
        "float64",
        "int8",
        [0, 0, 0, 44, -1, 127, 112, 0, 0, 0, 0, 0],
        [-128, -128, -128, 127, -1, -128, 127, -128, -128, -128, -128, -128],
    ),
    (
        "float64",
        "int16",
        [0, 0, 0, 300, -1, -129, 4464, 0, 0, 0, 0, 0],
        [-32768, -32768, -32768, 300, -1, -129, 32767, -32768, -32768, -32768, -32768, -32768],
    ),
    (
        "float64",
        "int32",
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            70000,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
        [
            -2147483648,
            -2147483648,
            -2147483648,
            300,
            -1,
            -129,
            70000,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
            -2147483648,
        ],
    ),
    (
        "float64",
        "int64",
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            70000,
            3000000000,
            -3000000000,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
        [
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
            300,
            -1,
            -129,
            70000,
            3000000000,
            -3000000000,
            -9223372036854775808,
            -9223372036854775808,
            -9223372036854775808,
        ],
    ),
    ("float64", "uint8", [0, 0, 0, 44, 255, 127, 112, 0, 0, 0, 0, 0], [0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]),
    (
        "float64",
        "uint16",
        [0, 0, 0, 300, 65535, 65407, 4464, 0, 0, 0, 0, 0],
        [0, 0, 0, 300, 0, 0, 65535, 0, 0, 0, 0, 0],
    ),
    (
        "float64",
        "uint32",
        [0, 0, 0, 300, 4294967295, 4294967167, 70000, 3000000000, 1294967296, 0, 0, 0],
        [
            2147483648,
            2147483648,
            2147483648,
            300,
            4294967295,
            4294967167,
            70000,
            3000000000,
            2147483648,
            2147483648,
            2147483648,
            2147483648,
        ],
    ),
    (
        "float64",
        "uint64",
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            70000,
            3000000000,
            18446744070709551616,
            10000000000000000000,
            9223372036854775808,
            9223372036854775808,
        ],
        [
            9223372036854775808,
            9223372036854775808,
            9223372036854775808,
            300,
            18446744073709551615,
            18446744073709551487,
            70000,
            3000000000,
            18446744070709551616,
            10000000000000000000,
            9223372036854775808,
            9223372036854775808,
        ],
    ),
]


WIDE = ("int32", "int64", "uint64")


def test_float_to_int_cast_out_of_range_is_tfs() -> None:
    @tf.function  # (one program for the table: the same Cast kernels as eager ops)
    def casts(xs: dict) -> dict:
        out = {}
        for src, target, _, _ in CAST_ROWS:
            x = xs[src]
            if target in WIDE:  # (the same value at every position)
                out[src, target] = (tf.cast(x, target),) * 2
                continue
            alone = [tf.cast(x[:6], target), tf.cast(x[6:], target)]  # (fewer than a packet: one by one)
            packets = tf.cast(tf.tile(tf.reshape(x, [-1, 1]), [1, 64]), target)  # (whole packets)
            out[src, target] = (tf.concat(alone, 0), packets[:, 0])
        return out

    x = tf.constant(VALUES, tf.float64)
    got = casts({src: tf.cast(x, src) for src in ("float16", "bfloat16", "float32", "float64")})
    for src, target, want_alone, want_packet in CAST_ROWS:
        assert target not in WIDE or want_alone == want_packet
        alone, packet = (t.numpy() for t in got[src, target])
        assert alone.dtype == packet.dtype == np.dtype(target)
        np.testing.assert_array_equal(alone, np.array(want_alone, target), err_msg=f"{src}->{target} alone")
        np.testing.assert_array_equal(packet, np.array(want_packet, target), err_msg=f"{src}->{target} packets")
    x32 = tf.constant(VALUES[:6], tf.float32)  # (and eagerly)
    np.testing.assert_array_equal(tf.cast(x32, tf.int8).numpy(), CAST_ROWS[16][2][:6])
    np.testing.assert_array_equal(tf.cast(tf.tile(x32, [32]), tf.uint32).numpy()[:6], CAST_ROWS[22][3][:6])


def test_float_to_int_cast_last_partial_packet_wraps() -> None:
    # float32 -> int8 converts 32 at a time; elements 32..36 of 37 are the partial packet.
    got = tf.cast(tf.fill([37], float("nan")), tf.int8).numpy()
    np.testing.assert_array_equal(got[[0, 31, 32, 36]], [-128, -128, 0, 0])
    # float64 -> uint8: 16 at a time, row-major over the shape
    got = tf.cast(tf.fill([2, 9], tf.constant(-1.0, tf.float64)), tf.uint8).numpy()
    np.testing.assert_array_equal(got, [[0] * 9, [0] * 7 + [255] * 2])


def test_float_to_int_cast_in_function_and_from_complex() -> None:
    f = tf.function(lambda x: tf.cast(x, tf.int32))
    np.testing.assert_array_equal(f(tf.constant([NAN, 3e9, -2.5])).numpy(), [-(2**31), -(2**31), -2])
    np.testing.assert_array_equal(tf.cast(tf.constant([300.7 + 2j, NAN]), tf.int8).numpy(), [44, 0])
    np.testing.assert_array_equal(tf.cast(tf.constant([NAN, 0.0, -0.0, INF]), tf.bool).numpy(), [1, 0, 0, 1])


def test_saturate_cast_and_convert_image_dtype_convert_nan_as_tf() -> None:
    got = tf.saturate_cast(tf.constant([NAN, 1e30, -1e30, 5.5] * 8, tf.float32), tf.int64).numpy()
    np.testing.assert_array_equal(got[:4], [-(2**63), -(2**63), -(2**63), 5])  # (the limit 2**63 as float32)
    np.testing.assert_array_equal(tf.saturate_cast(tf.constant([NAN, 300.0]), tf.int8).numpy(), [0, 127])
    np.testing.assert_array_equal(tf.saturate_cast(tf.constant([NAN, 300.0] * 16), tf.int8).numpy()[:2], [-128, 127])
    image = tf.constant([NAN, 1.5, -0.5, 2.0])
    np.testing.assert_array_equal(tf.image.convert_image_dtype(image, tf.uint8).numpy(), [0, 127, 129, 255])
    tiled = tf.image.convert_image_dtype(tf.tile(image, [8]), tf.uint8).numpy()
    np.testing.assert_array_equal(tiled[:4], [0, 255, 0, 255])
    got = tf.image.convert_image_dtype(image, tf.int32, saturate=True).numpy()
    np.testing.assert_array_equal(got, [-(2**31), 2147483520, -1073741824, 2147483520])


# -- 2. add_n / accumulate_n convert each input on its own (TF's convert_n_to_tensor) -------------
F64 = np.array([2.0])
ADD_N_ERRORS = [
    ([[1.0], F64], "expected to be a float tensor but is a double tensor"),
    ([F64, [1.0]], "expected to be a double tensor but is a float tensor"),
    ([np.float64(1.0), 2.0], "expected to be a double tensor but is a float tensor"),
    ([[1], [2.5]], "expected to be a int32 tensor but is a float tensor"),
    ([np.array([1], np.int64), [2]], "expected to be a int64 tensor but is a int32 tensor"),
    ([[2.0], np.array([1], np.float16)], "expected to be a float tensor but is a half tensor"),
]


def test_add_n_converts_each_input_alone_and_refuses_mixed_dtypes() -> None:
    for inputs, message in ADD_N_ERRORS:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            tf.add_n(inputs)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"input #1.*float tensor but is a double"):
        tf.add_n([tf.Variable([1.0]), tf.constant([2.0], tf.float64)])  # (a Tensor does not adapt the rest)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Input 0: \[1,1\] != input 1: \[1\]"):
        tf.add_n([tf.constant([[1.0]]), tf.constant([1.0])])
    with pytest.raises(TypeError, match=r"types \[float32, float64\] that don't all match"):
        tf.function(lambda: tf.add_n([[1.0], F64]))()  # (graph construction: TypeError, as TF's)
    out = tf.add_n([F64, F64])
    assert out.dtype == tf.float64 and out.numpy().tolist() == [4.0]
    out = tf.add_n([np.array([1], np.uint8), np.array([2], np.uint8)])
    assert out.dtype == tf.uint8 and out.numpy().tolist() == [3]
    assert tf.add_n([[1.0], np.array([2.0], np.float32)]).dtype == tf.float32


def test_accumulate_n_refuses_mixed_dtypes_with_valueerror() -> None:
    for inputs in ([[1.0], F64], [[1], [2.5]], [tf.constant([1.0]), F64]):
        with pytest.raises(ValueError, match="same dtype and shape"):
            tf.math.accumulate_n(inputs)
    with pytest.raises(TypeError, match=r"`tensor_dtype` argument is tf.float64, but `input` is of type tf.float32"):
        tf.math.accumulate_n([[1.0], [2.0]], tensor_dtype=tf.float64)


# -- 3. a requested dtype: TF converts a sequence that starts with a NumPy half as half first ------
H = np.float16(1)
RANGE = "out of range for a double-precision float"


def test_requested_dtype_of_a_half_sequence_refuses_a_float_beyond_half() -> None:
    for value, dtype in [
        ([H, 1e6], tf.float16),
        ([H, -1e6], tf.float16),
        ([H, 65520.0], tf.float16),  # (rounds to inf in half; 65519.0 rounds to 65504)
        ([[H], [1e6]], tf.float16),
        ((H, 1e6), tf.float16),
        ([np.array([1], np.float16), [1e6]], tf.float16),
        ([H, np.float64(1e6)], tf.float16),
        ([H, 1e6], tf.bfloat16),
        ([H, 1e6], tf.int32),  # (the range error wins over the dtype's TypeError)
        ([H, 1e6], tf.complex64),
    ]:
        with pytest.raises(ValueError, match=RANGE):
            tf.convert_to_tensor(value, dtype)
    with pytest.raises(ValueError, match=RANGE):
        tf.constant([H, 1e6], tf.float16)
    with pytest.raises(ValueError, match=RANGE):
        tf.Variable([H, 1e6], dtype=tf.float16)
    # What TF 2.21 converts: float32/float64/complex128 convert the elements directly; an int leaf,
    # a Python float first (converted as double, then cast), and values that round to half's max.
    assert tf.convert_to_tensor([H, 1e6], tf.float32).numpy().tolist() == [1.0, 1e6]
    assert tf.convert_to_tensor([H, 1e6], tf.float64).numpy().tolist() == [1.0, 1e6]
    assert tf.convert_to_tensor([H, 1e6], tf.complex128).numpy().tolist() == [1.0, 1e6]
    assert tf.convert_to_tensor([H, 65520], tf.float16).numpy().tolist() == [1.0, np.inf]
    assert tf.convert_to_tensor([1e6, H], tf.float16).numpy().tolist() == [np.inf, 1.0]
    assert tf.convert_to_tensor([1.0, 1e39], tf.bfloat16).numpy().tolist() == [1.0, np.inf]
    assert tf.convert_to_tensor([H, 65519.0], tf.float16).numpy().tolist() == [1.0, 65504.0]
    assert tf.convert_to_tensor([1, 300], tf.int8).numpy().tolist() == [1, 44]  # (ints wrap, as TF)
    with pytest.raises(TypeError, match="to EagerTensor of dtype int8"):
        tf.convert_to_tensor([H, 2.0], tf.int8)


# -- 5. a tf.function drawing in one thread, eager draws in another: no shared key -----------------
def test_function_and_eager_draws_in_threads_never_share_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from tapejax._src import random_state

    def draw() -> tf.Tensor:  # (integers: the same bits give the same values in a program and eagerly)
        return tf.random.uniform([4], 0, 2**30, tf.int32)

    f = tf.function(draw)
    tf.random.set_seed(3)
    f()  # (traced)
    state = type(random_state.GLOBAL)
    getter = state._value.fget

    def slow(self: object) -> object:  # (widens the window between reading the key and storing the next)
        key = getter(self)
        time.sleep(0.003)
        return key

    monkeypatch.setattr(state, "_value", property(slow, state._value.fset))
    out: list[tuple[float, ...]] = []
    start = threading.Barrier(2)

    def worker(draw: object) -> None:
        start.wait()
        for _ in range(10):
            out.append(tuple(draw().numpy().tolist()))  # type: ignore[operator]
            time.sleep(0.001)

    threads = [threading.Thread(target=worker, args=(d,)) for d in (f, draw)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 20 and len(set(out)) == 20


# -- 4. what a tf.function may return: TF converts each leaf to a Tensor or refuses it -------------
NOT_A_TENSOR = "must return zero or more Tensors or ExtensionTypes or None values"


def _returning(value: object) -> object:
    return lambda x: (x, value)


def test_function_returns_a_known_shape_as_a_tensor_and_refuses_what_tf_refuses() -> None:
    x = tf.constant([1.0, 2.0])
    got = tf.function(lambda x: (x.shape, tf.TensorShape([]), tf.TensorShape([2, 3])))(x)
    assert all(isinstance(t, tf.Tensor) and t.dtype == tf.int32 for t in got)
    assert [t.numpy().tolist() for t in got] == [[2], [], [2, 3]]

    class Thing:
        pass

    for value, kind in [
        (tf.TensorShape([None, 3]), "TensorShape"),
        (tf.TensorShape(None), "TensorShape"),
        (tf.float32, "DType"),
        (tf.TensorSpec([2], tf.float32), "TensorSpec"),
        (Thing(), "Thing"),
        (..., "ellipsis"),
        (len, "builtin_function_or_method"),
        ({1, 2}, "set"),
        (2**70, "int"),
    ]:
        with pytest.raises(TypeError, match=f"{NOT_A_TENSOR}.*found return value of type {kind},"):
            tf.function(_returning(value))(x)
    # Allowed, as TF: None (nested too), Python numbers, NumPy values, dicts with int keys, namedtuples.
    out = tf.function(lambda x: (None, [None, {"a": None}], 3, np.float64(2.0), {1: x, 0: 2}))(x)
    assert out[:2] == (None, [None, {"a": None}])
    assert out[2].dtype == tf.int32 and out[3].dtype == tf.float64 and sorted(out[4]) == [0, 1]


# -- 6. binary ops of Python/NumPy values and no Tensor: the first value's dtype is the rest's -------
def test_binary_op_without_a_tensor_converts_the_rest_to_the_first_values_dtype() -> None:
    a64, i64 = np.array([2.0]), np.array([2], np.int64)
    for got, dtype, value in [
        (tf.add([1.0], a64), tf.float32, [3.0]),
        (tf.add(a64, [1.0]), tf.float64, [3.0]),
        (tf.add(1, i64), tf.int32, [3]),
        (tf.add(i64, 1), tf.int64, [3]),
        (tf.add(2.5, i64), tf.float32, [4.5]),
        (tf.add(np.float64(2), 1.0), tf.float64, 3.0),
        (tf.add(1.0, np.float64(2)), tf.float32, 3.0),
        (tf.maximum(a64, [1.0]), tf.float64, [2.0]),
        (tf.multiply(i64, a64), tf.int64, [4]),
        (tf.add(np.array([1], np.uint8), 300), tf.uint8, [45]),  # (300 wraps to 44 in uint8, as TF)
        (tf.equal(i64, 1), tf.bool, [False]),
    ]:
        assert got.dtype == dtype and got.numpy().tolist() == value


def test_numpy_floats_to_an_integer_dtype_are_cast_as_numpy_casts_them() -> None:
    # TF converts a NumPy value to a requested dtype with NumPy's cast (its warnings included).
    assert tf.convert_to_tensor(np.array([2.5, -1.7]), tf.int32).numpy().tolist() == [2, -1]
    assert tf.constant(np.array([2.5]), tf.int32).numpy().tolist() == [2]
    assert tf.convert_to_tensor(np.float32(2.5), tf.int64).numpy().tolist() == 2
    assert tf.convert_to_tensor(np.array([300.5, -1.0], np.float32), tf.uint8).numpy().tolist() == [44, 255]
    assert tf.convert_to_tensor(np.array([2.5, 0.0]), tf.bool).numpy().tolist() == [True, False]
    with pytest.warns(RuntimeWarning, match="invalid value encountered in cast"):
        got = tf.convert_to_tensor(np.array([NAN, 3e9]), tf.int32)
    assert got.numpy().tolist() == [-(2**31), -(2**31)]
    got = tf.constant([1]) + np.array([2.5])  # (the Tensor's dtype for the array)
    assert got.dtype == tf.int32 and got.numpy().tolist() == [3]


def test_float_to_int_cast_in_a_jit_compile_function_saturates_as_xla() -> None:
    x = tf.constant([NAN, 3e9, 300.7, -1.0])

    def casts(x: tf.Tensor) -> tuple:
        return tf.cast(x, tf.int32), tf.cast(x, tf.uint8), tf.saturate_cast(x, tf.int8)

    got = [t.numpy().tolist() for t in tf.function(casts, jit_compile=True)(x)]
    assert got == [[0, 2**31 - 1, 300, -1], [0, 255, 255, 0], [0, 127, 127, -1]]  # (TF 2.21, XLA)
    got = [t.numpy().tolist() for t in tf.function(casts)(x)]
    assert got == [[-(2**31), -(2**31), 300, -1], [0, 0, 44, 255], [0, 127, 127, -1]]  # (TF's CPU kernel)
