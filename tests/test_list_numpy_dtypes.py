"""Lists holding NumPy arrays or scalars: the dtype TF 2.21 gives them (they were float32/int32 here,
silently rounding float64 values).

convert_to_tensor/constant/stack at axis 0 convert the list as a whole: the FIRST leaf decides (a
NumPy double or half keeps its dtype, a Python float or np.float32 is float32, NumPy ints are like
Python ints); an inferred float32/half refuses a finite float that becomes inf. stack at another axis
and concat convert the first element alone and the rest to its dtype (TF's args_to_matching_eager).
Every row was checked against TF 2.21; the file runs on TF too: TAPEJAX_TEST_TF=1 with TF's Python.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("TAPEJAX_TEST_TF"):
    import tensorflow as tf
else:
    import tapejax as tf

a = np.array
F64, F16, I64, U8 = np.float64, np.float16, np.int64, np.uint8
BF = tf.bfloat16.as_numpy_dtype
RANGE = "out of range for a double-precision float"

CASES = [
    # (id, function, expected dtype name or (exception, message part), values)
    ("cvt_f64", lambda: tf.convert_to_tensor([a([1.5], F64), a([2], F64)]), "float64", [[1.5], [2]]),
    ("cvt_f16", lambda: tf.convert_to_tensor([a([1], F16), a([2], F16)]), "float16", [[1], [2]]),
    ("cvt_i64_arrays", lambda: tf.convert_to_tensor([a([1], I64), a([2], I64)]), "int32", [[1], [2]]),
    ("cvt_u8_arrays", lambda: tf.convert_to_tensor([a([1], U8), a([2], U8)]), "int32", [[1], [2]]),
    ("cvt_bf16", lambda: tf.convert_to_tensor([a([1], BF), a([2], BF)]), (ValueError, "unsupported type"), None),
    ("cvt_f64_then_f32", lambda: tf.convert_to_tensor([a([1.0], F64), a([2.0], np.float32)]), "float64", [[1], [2]]),
    ("cvt_f32_then_f64", lambda: tf.convert_to_tensor([a([1.0], np.float32), a([2.0], F64)]), "float32", [[1], [2]]),
    ("cvt_f64_then_py", lambda: tf.convert_to_tensor([a([1.0], F64), [2.0]]), "float64", [[1], [2]]),
    ("cvt_py_then_f64", lambda: tf.convert_to_tensor([[2.0], a([1.0], F64)]), "float32", [[2], [1]]),
    ("cvt_i64_then_pyfloat", lambda: tf.convert_to_tensor([a([1], I64), [2.5]]), "float32", [[1], [2.5]]),
    ("cvt_i32_then_f64", lambda: tf.convert_to_tensor([a([1], np.int32), a([2.5], F64)]), "float32", [[1], [2.5]]),
    ("cvt_f64_scalars", lambda: tf.convert_to_tensor([F64(1.1), F64(2)]), "float64", [1.1, 2]),
    ("cvt_f64_scalar_py", lambda: tf.convert_to_tensor([F64(1), 2.0]), "float64", [1, 2]),
    ("cvt_f64_int_bool", lambda: tf.convert_to_tensor([F64(1), 2, True]), "float64", [1, 2, 1]),
    ("cvt_f64_big_int", lambda: tf.convert_to_tensor([F64(1), 2**70]), "float64", [1, 2.0**70]),
    ("cvt_f64_complex", lambda: tf.convert_to_tensor([F64(1), 1j]), (ValueError, "mixed types"), None),
    ("cvt_f16_scalars", lambda: tf.convert_to_tensor([F16(1), F16(2)]), "float16", [1, 2]),
    ("cvt_f16_py_f64", lambda: tf.convert_to_tensor([F16(1), 2.5, F64(3)]), "float16", [1, 2.5, 3]),
    ("cvt_f16_inf_nan", lambda: tf.convert_to_tensor([F16(1), np.inf, np.nan]), "float16", [1, np.inf, np.nan]),
    ("cvt_f16_big_int", lambda: tf.convert_to_tensor([F16(1), 70000]), "float16", [1, np.inf]),
    ("cvt_f16_65519", lambda: tf.convert_to_tensor([F16(1), 65519.0]), "float16", [1, 65504]),
    ("cvt_f16_65520", lambda: tf.convert_to_tensor([F16(1), 65520.0]), (ValueError, RANGE), None),
    ("cvt_f16_array_big", lambda: tf.convert_to_tensor([a([1], F16), [-1e6]]), (ValueError, RANGE), None),
    ("cvt_py_1e39", lambda: tf.convert_to_tensor([1.0, 1e39]), (ValueError, RANGE), None),
    ("cvt_int_then_1e300", lambda: tf.convert_to_tensor([1, F64(1e300)]), (ValueError, RANGE), None),
    ("cvt_1e39_float32_requested", lambda: tf.convert_to_tensor([1e39], tf.float32), "float32", [np.inf]),
    ("cvt_float16_requested", lambda: tf.convert_to_tensor([1.0, 1e6], tf.float16), "float16", [1, np.inf]),
    ("cvt_f16_then_int_first", lambda: tf.convert_to_tensor([1, F16(2), 1e6]), "float32", [1, 2, 1e6]),
    ("cvt_i64_scalars", lambda: tf.convert_to_tensor([I64(1), I64(2)]), "int32", [1, 2]),
    ("cvt_i64_scalars_big", lambda: tf.convert_to_tensor([I64(2**40), I64(1)]), "int64", [2**40, 1]),
    ("cvt_u8_i64", lambda: tf.convert_to_tensor([U8(1), I64(2)]), "int32", [1, 2]),
    ("cvt_0d_arrays", lambda: tf.convert_to_tensor([a(1.0), a(2.0)]), "float64", [1, 2]),
    ("cvt_0d_f16_py", lambda: tf.convert_to_tensor([a(1.0, F16), 2.0]), "float16", [1, 2]),
    ("cvt_nested_deep", lambda: tf.convert_to_tensor([[F64(1)], [2.0]]), "float64", [[1], [2]]),
    ("cvt_tuple", lambda: tf.convert_to_tensor((F64(1), F64(2))), "float64", [1, 2]),
    ("constant_f64", lambda: tf.constant([a([1.0], F64), a([2.0], F64)]), "float64", [[1], [2]]),
    ("stack_f64", lambda: tf.stack([a([1], F64), a([2], F64)]), "float64", [[1], [2]]),
    ("stack_f16", lambda: tf.stack([a([1], F16), a([2], F16)]), "float16", [[1], [2]]),
    ("stack_bf16", lambda: tf.stack([a([1], BF), a([2], BF)]), "bfloat16", [[1], [2]]),
    ("stack_i64", lambda: tf.stack([a([1], I64), a([2], I64)]), "int32", [[1], [2]]),
    ("stack_u8", lambda: tf.stack([a([1], U8), a([2], U8)]), "int32", [[1], [2]]),
    ("stack_f64_py", lambda: tf.stack([a([1], F64), [2.5]]), "float64", [[1], [2.5]]),
    ("stack_py_f64", lambda: tf.stack([[2.5], a([1], F64)]), "float32", [[2.5], [1]]),
    ("stack_bf16_py", lambda: tf.stack([a([1], BF), [2.5]]), "bfloat16", [[1], [2.5]]),
    ("stack_f64_f32", lambda: tf.stack([a([1], F64), a([2], np.float32)]), "float64", [[1], [2]]),
    ("stack_i64_f32", lambda: tf.stack([a([1], I64), a([2], np.float32)]), "float32", [[1], [2]]),
    ("stack_f64_scalars", lambda: tf.stack([F64(1), F64(2)]), "float64", [1, 2]),
    ("stack_f16_big", lambda: tf.stack([F16(1), 1e6]), "float16", [1, np.inf]),
    ("stack_f64_bf16", lambda: tf.stack([F64(1), BF(2)]), "float64", [1, 2]),
    ("stack_u64_big", lambda: tf.stack([np.uint64(2**63), np.uint64(1)]), "uint64", [2**63, 1]),
    ("stack_longdouble", lambda: tf.stack([np.longdouble(1), 2.0]), "float32", [1, 2]),
    ("stack_int_float", lambda: tf.stack([1, 2.5]), "float32", [1, 2.5]),
    ("stack_int_float_axis_-1", lambda: tf.stack([1, 2.5], axis=-1), (TypeError, "int32"), None),
    ("stack_f64_complex", lambda: tf.stack([F64(1), 1j]), (TypeError, "1j"), None),
    ("stack_int_big", lambda: tf.stack([1, 2**40]), "int64", [1, 2**40]),
    ("stack1_f64", lambda: tf.stack([a([1], F64), a([2], F64)], axis=1), "float64", [[1, 2]]),
    ("stack1_f16", lambda: tf.stack([a([1], F16), a([2], F16)], axis=1), "float16", [[1, 2]]),
    ("stack1_bf16", lambda: tf.stack([a([1], BF), a([2], BF)], axis=1), "bfloat16", [[1, 2]]),
    ("stack1_i64", lambda: tf.stack([a([1], I64), a([2], I64)], axis=1), "int64", [[1, 2]]),
    ("stack1_u8", lambda: tf.stack([a([1], U8), a([2], U8)], axis=1), "uint8", [[1, 2]]),
    ("stack1_nested_f16", lambda: tf.stack([[a([1, 2], F16)], [[3.0, 4.0]]], axis=1), "float16", [[[1, 2], [3, 4]]]),
    ("stack1_f16_big", lambda: tf.stack([a([1], F16), [1e5]], axis=1), "float16", [[1, np.inf]]),
    ("stack1_int_float", lambda: tf.stack([[1], [2.5]], axis=1), (TypeError, "int32"), None),
    ("stack1_int_big", lambda: tf.stack([[1], [2**40]], axis=1), "int32", [[1, 0]]),
    ("concat_f64", lambda: tf.concat([a([1], F64), a([2], F64)], 0), "float64", [1, 2]),
    ("concat_i64", lambda: tf.concat([a([1], I64), a([2], I64)], 0), "int64", [1, 2]),
    ("concat_f16_py", lambda: tf.concat([a([1], F16), [2]], 0), "float16", [1, 2]),
    ("concat_f64_py", lambda: tf.concat([a([1], F64), [2]], 0), "float64", [1, 2]),
    ("concat_bf16_py", lambda: tf.concat([a([1], BF), [2]], 0), "bfloat16", [1, 2]),
    ("concat_i64_py", lambda: tf.concat([a([1], I64), [2]], 0), "int64", [1, 2]),
    ("concat_u8_py", lambda: tf.concat([a([1], U8), [2]], 0), "uint8", [1, 2]),
    ("concat_py_f64", lambda: tf.concat([[2], a([1], F64)], 0), "int32", [2, 1]),
    ("concat_py_f16", lambda: tf.concat([[2], a([1], F16)], 0), "int32", [2, 1]),
    ("concat_py_bf16", lambda: tf.concat([[2], a([1], BF)], 0), "int32", [2, 1]),
    ("concat_int_float", lambda: tf.concat([[1], [2.5]], 0), (TypeError, "int32"), None),
    ("concat_u8_float", lambda: tf.concat([a([1], U8), [2.5]], 0), (TypeError, "uint8"), None),
    ("concat_bool_int", lambda: tf.concat([[True], [1]], 0), (TypeError, "bool"), None),
    ("concat_int_big", lambda: tf.concat([[1], [2**40]], 0), "int32", [1, 0]),
    ("concat_big_int", lambda: tf.concat([[2**40], [1]], 0), "int64", [2**40, 1]),
    ("concat_float_int", lambda: tf.concat([[2.5], [1]], 0), "float32", [2.5, 1]),
    ("stack_tensor_py", lambda: tf.stack([tf.constant(1.0), 2]), "float32", [1, 2]),
    ("stack_f64_tensor", lambda: tf.stack([F64(2), tf.constant(1.0)]), "float32", [2, 1]),
    ("add_n_f64", lambda: tf.add_n([a([1.0], F64), a([2.0], F64)]), "float64", [3]),
]


@pytest.mark.parametrize("fn, expected, values", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_list_numpy_dtype(fn, expected, values):
    if isinstance(expected, tuple):
        with pytest.raises(expected[0], match=expected[1]):
            fn()
        return
    r = fn()
    assert r.dtype.name == expected
    np.testing.assert_array_equal(np.asarray(r.numpy()).astype(np.float64), np.array(values, np.float64))
