"""AutoGraph (tapejax/_src/autograph): each construct inside tf.function against the same Python
function run eagerly; Python semantics for Python values; TF 2.21's error messages (checked in TF);
gradients through converted control flow; the public API."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf


def _same(fn, *args):
    """Runs ``fn`` eagerly and as a tf.function; asserts equal results; returns the traced one."""
    want = fn(*args)
    got = tf.function(fn)(*args)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-6)
    return got


# ----------------------------------------------------------------------------------------------
# if / elif / else


def nested_if(x):
    if x > 0:
        if x > 5:
            y = x * 3
        elif x > 2:
            y = x * 2
        else:
            y = x
    else:
        y = -x
    return y


def test_if_elif_else_on_tensors_equals_eager():
    f = tf.function(nested_if)
    for v in (7.0, 3.0, 1.0, -2.0):
        want = nested_if(tf.constant(v))
        assert float(f(tf.constant(v))) == float(want)
    assert f.experimental_get_tracing_count() == 1  # one trace: the branches are a tf.cond


def test_variable_modified_in_one_branch_keeps_its_value_in_the_other():
    def f(x):
        y = x
        if x > 1:
            y = y * 10
        return y

    _same(f, tf.constant(2.0))
    _same(f, tf.constant(0.5))


def test_early_return_in_if():
    def f(x):
        if x > 0:
            return x * 2
        y = -x
        return y + 1

    _same(f, tf.constant(3.0))
    _same(f, tf.constant(-3.0))


def test_returns_inside_a_match_statement_in_a_tensor_if():
    def f(x, mode):
        if x > 0:
            match mode:
                case "double":
                    return x * 2
                case _:
                    y = [v * 3 for v in [x]]  # a comprehension's name is its own
                    return y[0]
        return -x

    for mode in ("double", "triple"):
        for v in (2.0, -2.0):
            _same(f, tf.constant(v), mode)


def test_python_bool_condition_stays_python_and_retraces_per_value():
    trace_log = []

    @tf.function
    def f(x, flag):
        trace_log.append(flag)
        if flag:  # a Python bool: one branch traced, a Python value in the other is fine
            y = x * 2
        else:
            y = "unused"
            y = x
        return y

    assert float(f(tf.constant(3.0), True)) == 6.0
    assert float(f(tf.constant(3.0), False)) == 3.0
    assert float(f(tf.constant(4.0), True)) == 8.0
    assert trace_log == [True, False]  # one trace per Python value, none per tensor value


def test_python_if_inside_tensor_loop_is_unrolled_at_trace_time():
    def f(x):
        for k in [1, 2, 3]:  # a Python loop: unrolled while tracing
            if k == 2:
                continue
            x = x * k
        return x

    assert float(_same(f, tf.constant(1.0))) == 3.0


def test_one_branch_definition_used_after_raises_tf_error():
    @tf.function
    def f(x):
        if x > 0:
            y = 1.0
        return y

    with pytest.raises(ValueError, match=r"^'y' must also be initialized in the else branch"):
        f(tf.constant(1.0))

    @tf.function
    def g(x):
        if x > 0:
            pass
        else:
            y = 1.0
        return y

    with pytest.raises(ValueError, match=r"^'y' must also be initialized in the main branch"):
        g(tf.constant(1.0))


def test_one_branch_temporary_not_used_after_is_fine():
    def f(x):
        if x > 0:
            t = x * 2  # local to the branch: not an output of the cond (TF's liveness)
            x = t + 1
        return x

    _same(f, tf.constant(1.0))


def test_branch_dtype_mismatch_raises_tf_error():
    @tf.function
    def f(x):
        if x > 0:  # noqa: SIM108 - the statement is under test
            y = 1
        else:
            y = 2.0
        return y

    with pytest.raises(
        TypeError, match=r"^'y' has dtype int32 in the main branch, but dtype float32 in the else branch"
    ):
        f(tf.constant(1.0))


def test_missing_return_in_else_branch_raises_tf_error():
    @tf.function
    def f(x):
        if x > 0:
            return 1.0

    with pytest.raises(ValueError, match=r"^the else branch must also have a return statement\."):
        f(tf.constant(1.0))


def test_non_bool_condition_raises_tf_error():
    @tf.function
    def f(x):
        if x:
            x = x + 1
        return x

    with pytest.raises(
        ValueError,
        match=r"condition of if statement expected to be `tf\.bool` scalar, got .*float32.*; "
        r"to use as boolean Tensor, use `tf\.cast`; to check for None, use `is not None`",
    ):
        f(tf.constant(1.0))


# ----------------------------------------------------------------------------------------------
# while / for, break / continue


def test_while_on_tensor_condition_with_python_counter():
    def f(x):
        i = 0  # a Python int becomes an int32 loop variable
        while x > 1.0:
            x = x / 2.0
            i += 1
        return x, i

    _, i = _same(f, tf.constant(20.0))
    assert i.dtype == tf.int32 and int(i) == 5


def test_while_condition_on_closed_over_tensor():
    def f(x, n):
        i = 0
        while i < n:  # only the condition's closed-over n is symbolic
            x = x + 1.0
            i += 1
        return x

    assert float(_same(f, tf.constant(1.0), tf.constant(3))) == 4.0


def test_break_and_continue():
    def f(x):
        s = tf.constant(0.0)
        for v in x:
            if v < 0:
                continue
            if v > 10:
                break
            s += v
        return s

    assert float(_same(f, tf.constant([1.0, -2.0, 3.0, 20.0, 5.0]))) == 4.0

    def g(x):
        i = tf.constant(0)
        while x > 1.0:
            x = x / 2.0
            i += 1
            if i >= 3:
                break
        return x, i

    _same(g, tf.constant(100.0))
    _same(g, tf.constant(3.0))


def test_for_over_tf_range_and_range_of_a_tensor():
    def f(n):
        s = tf.constant(0)
        for i in tf.range(2, n):
            s += i
        t = 0
        for i in range(n):
            t += i * i
        return s, t

    s, t = _same(f, tf.constant(6))
    assert int(s) == 14 and int(t) == 55


def test_loops_over_tensors_known_while_tracing_are_loops_not_unrolled():
    @tf.function
    def f(x):
        for i in tf.range(3000):  # a constant range: one while loop, not 3000 traced steps
            x = x * 1.0001 + tf.cast(i, tf.float32) * 0.0
        j = tf.constant(0)
        while j < 500:
            x = x + 1.0
            j += 1
        return x, j

    x, j = f(tf.constant(1.0))
    assert np.isclose(float(x), 1.0001**3000 + 500.0, rtol=1e-5) and int(j) == 500


def test_for_over_tensor_rows_and_loop_else():
    def f(m):
        s = tf.zeros([2])
        for r in m:
            s = s + r * r
        else:
            s = s + 1.0
        return s

    np.testing.assert_allclose(_same(f, tf.constant([[1.0, 2.0], [3.0, 4.0]])), [11.0, 21.0])


def test_variable_defined_only_inside_loop_is_its_last_value():
    def f(x):
        while x > 0:
            x = x - 1
            z = x * 2
        return z

    assert float(_same(f, tf.constant(2.5))) == -1.0


def test_return_inside_tensor_loop_raises_tf_error():
    @tf.function
    def f(x):
        for i in tf.range(3):
            if x[i] > 1:
                return x[i]
        return -1.0

    with pytest.raises(NotImplementedError, match="a return statement cannot be placed inside this TensorFlow loop"):
        f(tf.constant([0.0, 2.0, 3.0]))


def test_tensor_break_in_python_loops_raises_tf_error():
    @tf.function
    def f(x):
        for v in [1.0, 2.0]:
            if x > v:
                break
        return x

    with pytest.raises(
        NotImplementedError, match=r"^break and return statements which depend on a TF condition are not"
    ):
        f(tf.constant(2.0))

    @tf.function
    def g(x):
        while True:
            x = x - 1
            if x < 0:
                break
        return x

    with pytest.raises(
        NotImplementedError, match=r"^The condition of while loop started as non-Tensor, then changed to"
    ):
        g(tf.constant(2.0))


def test_loop_variable_dtype_change_raises_tf_error():
    @tf.function
    def f(x):
        i = 0
        while x > 0:
            x = x - 1
            i = tf.constant(1.0)
        return x, i

    with pytest.raises(TypeError, match=r"^'i' has dtype int32 before the loop, but dtype float32 after one iteration"):
        f(tf.constant(1.0))


def test_loop_variable_shape_change_raises_tf_error():
    @tf.function
    def f(x):
        while tf.reduce_sum(x) > 0:
            x = tf.concat([x, x], 0)
        return x

    with pytest.raises(
        ValueError,
        match=r"^'x' has shape \(1,\) before the loop, but shape \(2,\) after one iteration\. "
        r"Use tf\.autograph\.experimental\.set_loop_options to set shape invariants\.",
    ):
        f(tf.constant([1.0]))


def test_loop_local_variable_may_change_dtype():
    def f(x):
        i = 0
        while x > 0:
            x = x - 1
            i = tf.constant(1.0)  # noqa: F841 - not live after the loop: not a loop variable (TF accepts it)
        return x

    _same(f, tf.constant(2.0))


# ----------------------------------------------------------------------------------------------
# logical and conditional expressions, calls


def test_and_or_not_and_conditional_expression_on_tensors():
    def f(x, y):
        a = x > 0 and y > 0
        b = x > 0 or y > 0
        c = not (x > 0)
        d = 1.0 if x > y else 2.0
        return tf.cast(a, tf.float32) + tf.cast(b, tf.float32) * 2 + tf.cast(c, tf.float32) * 4 + d

    for a, b in [(1.0, 2.0), (-1.0, 2.0), (-1.0, -2.0)]:
        _same(f, tf.constant(a), tf.constant(b))


def test_and_or_on_python_values_are_lazy_as_python():
    calls = []

    def side(v):
        calls.append(v)
        return v

    @tf.function
    def f(x):
        a = side(0) and side(1)  # Python: side(1) never runs
        b = side(2) or side(3)  # Python: side(3) never runs
        return x + a + b

    assert float(f(tf.constant(1.0))) == 3.0
    assert calls == [0, 2]


def helper_with_if(x):
    if x > 0:
        return x * 10
    return x


class _Model:
    def __init__(self):
        self.v = tf.Variable(2.0)

    @tf.function
    def __call__(self, x):
        if x > 0:
            return helper_with_if(x) * self.v
        return x


class _Child(_Model):
    @tf.function
    def __call__(self, x):
        if x > 0:
            return super().__call__(x) + 1.0  # zero-argument super() works in converted code
        return x


def test_called_user_functions_and_methods_are_converted():
    m = _Model()
    assert float(m(tf.constant(2.0))) == 40.0
    assert float(m(tf.constant(-1.0))) == -1.0
    assert float(_Child()(tf.constant(2.0))) == 41.0


def test_functions_defined_inside_are_converted_with_their_parent():
    def f(x):
        def inner(a):
            if a > 0:
                return a * 2
            return -a

        def gen(n):  # a generator: left as written
            yield from range(n)

        return inner(x) + sum(gen(3))

    _same(f, tf.constant(3.0))
    _same(f, tf.constant(-3.0))
    assert "@ag__.autograph_artifact" in tf.autograph.to_code(f)


def test_scoping_corner_cases_convert():
    # Each of these made the generated code fail to compile: a name bound in an inner loop and read in
    # the outer body, also bound inside a nested def; an annotated assignment of a state variable; a
    # state variable named like the setter's parameter.
    def f(x, n):
        def step(v):
            last = v * 2
            return last

        total = tf.constant(0.0)
        for i in range(n):
            for _ in range(2):
                last = step(x)
            total += last + i
        vars_ = x
        if x > 0:
            y: float = x + 1.0
            vars_ = y
        else:
            y = x
        return total + y + vars_

    _same(f, tf.constant(1.5), 3)
    _same(f, tf.constant(-1.5), 2)


def test_lambdas_are_converted():
    k = 3.0
    f = tf.function(lambda x: x * k if x > 0 else -x)  # TF converts lambdas whose source parses
    assert float(f(tf.constant(2.0))) == 6.0 and float(f(tf.constant(-2.0))) == 2.0
    assert "ag__.if_exp" in tf.autograph.to_code(lambda x: x if x > 0 else -x)


def test_do_not_convert_runs_as_written():
    @tf.autograph.experimental.do_not_convert
    def raw(x):
        if x > 0:
            return x
        return -x

    @tf.function
    def f(x):
        return raw(x)

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):  # as TF
        f(tf.constant(1.0))
    assert float(raw(tf.constant(-2.0))) == 2.0  # eagerly still a plain function


def test_autograph_false_turns_conversion_off():
    def g(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        tf.function(g, autograph=False)(tf.constant(1.0))
    assert float(tf.function(g)(tf.constant(-1.0))) == 1.0


def test_print_stays_python_print_at_trace_time(capsys):
    @tf.function
    def f(x):
        print("traced", 3)  # TF 2.21 leaves print unconverted: it prints when tracing only
        return x + 1

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert capsys.readouterr().out == "traced 3\n"


# ----------------------------------------------------------------------------------------------
# state: Variables, TensorArray


def test_variable_assigned_in_converted_branches_and_loop():
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        if x > 0:
            v.assign_add(x)
        else:
            v.assign_sub(1.0)
        for _ in tf.range(3):
            v.assign_add(1.0)
        return v.read_value()

    assert float(f(tf.constant(2.0))) == 5.0
    assert float(f(tf.constant(-1.0))) == 7.0
    assert float(v) == 7.0


def test_tensor_array_accumulation_in_converted_loop():
    def f(x):
        ta = tf.TensorArray(tf.float32, size=3)
        for i in tf.range(3):
            ta = ta.write(i, x * tf.cast(i, tf.float32))
        return ta.stack()

    np.testing.assert_allclose(_same(f, tf.constant(2.0)), [0.0, 2.0, 4.0])


def test_attributes_assigned_in_converted_branches_and_loops():
    class Counter:
        @tf.function
        def run(self, x):
            self.n = tf.constant(0)
            self.last = tf.constant(0.0)
            while x > 0:  # self.n and self.last are loop variables (TF's composite symbols)
                x = x - 1.0
                self.n = self.n + 1
                if x < 1.0:
                    self.last = x
            return self.n, self.last

    n, last = Counter().run(tf.constant(2.5))
    assert int(n) == 3 and float(last) == -0.5  # 2.5 -> 1.5 -> 0.5 -> -0.5


def test_for_over_a_dataset_with_break():
    ds = tf.data.Dataset.from_tensor_slices(tf.constant([1.0, 2.0, 3.0, 4.0]))

    @tf.function
    def f(ds):
        s = tf.constant(0.0)
        n = 0
        for x in ds:  # the dataset's own loop (Dataset._ag_for_stmt)
            if x > 3:
                break
            s += x
            n += 1
        return s, n

    s, n = f(ds)
    assert float(s) == 6.0 and int(n) == 3

    @tf.function
    def g(ds):
        s = tf.constant(0.0)
        for i, (x, y) in enumerate(zip(ds, ds)):  # noqa: B905 - TF: ds.enumerate() of Dataset.zip
            s += tf.cast(i, tf.float32) * x * y
        return s

    assert float(g(ds)) == 0 * 1 + 1 * 4 + 2 * 9 + 3 * 16


# ----------------------------------------------------------------------------------------------
# gradients


def test_tape_gradient_through_converted_if():
    @tf.function
    def f(x):
        if x > 0:  # noqa: SIM108 - the statement is under test
            y = x * x
        else:
            y = -3.0 * x
        return y

    for v, want in [(2.0, 4.0), (-1.0, -3.0)]:
        x = tf.constant(v)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        assert float(tape.gradient(y, x)) == want


def test_tape_gradient_through_converted_loops_with_static_bound():
    w = tf.Variable(1.5)

    @tf.function
    def f(xs):
        s = tf.constant(0.0)
        for x in xs:  # a known length: a bounded loop
            s = s + w * x
        i = 0
        while s < 100.0:
            tf.autograph.experimental.set_loop_options(maximum_iterations=10)
            s = s * w
            i += 1
        return s

    xs = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = f(xs)
    # s0 = 3w = 4.5, then 8 multiplications by w until s >= 100: y = 3 w**9 (the trip count is
    # piecewise constant in w), dy/dw = 27 w**8
    assert np.isclose(float(y), 3.0 * 1.5**9)
    assert np.isclose(float(tape.gradient(y, w)), 27.0 * 1.5**8, rtol=1e-5)


def test_tape_gradient_through_converted_data_dependent_while():
    @tf.function
    def f(x):
        while x < 10.0:
            x = x * x + 1.0
        return x

    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    # 1.5 -> 3.25 -> 11.5625: y = (x^2 + 1)^2 + 1, dy/dx = 4x(x^2 + 1)
    assert np.isclose(float(y), 11.5625)
    assert np.isclose(float(tape.gradient(y, x)), 4 * 1.5 * (1.5**2 + 1))


# ----------------------------------------------------------------------------------------------
# public API


def test_to_code_shows_the_converted_structure():
    def f(x, n):
        s = 0.0
        for i in range(n):
            if x > 0 and i > 1:
                break
            s += x
        while s > 1:
            s = s / 2
        return s

    code = tf.autograph.to_code(f)
    for piece in (
        "def tf__f(x, n):",
        "ag__.for_stmt(",
        "ag__.if_stmt(",
        "ag__.while_stmt(",
        "ag__.and_(",
        "break_ = True",
        "def get_state",
        "nonlocal",
    ):
        assert piece in code, piece


def test_to_graph_and_accepted_options():
    def f(x):
        if x > 0:
            x = -x
        return x

    g = tf.autograph.to_graph(f)
    assert float(g(tf.constant(2.0))) == -2.0  # eagerly: Python semantics
    assert float(tf.function(g)(tf.constant(3.0))) == -3.0
    with pytest.raises(ValueError, match="Cannot apply autograph to a function that doesn't expose a __code__ object"):
        tf.autograph.to_code(tf.function(f))  # TF's message: pass f.python_function instead
    tf.autograph.set_verbosity(0)
    tf.autograph.experimental.set_loop_options(parallel_iterations=1)
    assert tf.autograph.experimental.Feature.ALL.value == "ALL"


def test_functions_without_source_run_unconverted():
    ns = {}
    exec("def h(x):\n    return x * 2\n", ns)  # no source file: run as written (TF logs a warning)

    @tf.function
    def f(x):
        return ns["h"](x)

    assert float(f(tf.constant(2.0))) == 4.0
