"""Variable updates are atomic across threads, as TF's (``assign_add`` is one resource op under the
variable's lock): N threads updating one Variable lose no update, and reads see whole values."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import tapejax as tf
from tapejax._src import lazy


@pytest.fixture(params=[True, False], ids=["deferred", "at_once"])
def defer(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Deferred execution on (the default) and off (``TAPEJAX_DEFER=0``)."""
    previous = lazy.set_enabled(request.param)
    try:
        yield request.param
    finally:
        lazy.set_enabled(previous)


@pytest.fixture
def switchy() -> Iterator[None]:
    """Threads switch every microsecond, so that a switch between a read and its store shows."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _in_threads(n: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(k: int) -> None:
        start.wait()
        try:
            work(k)
        except BaseException as e:  # (reported by the test, not lost in the thread)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.mark.parametrize(
    ("defer", "dtype"),
    [pytest.param(True, "int32", id="deferred-int32"), pytest.param(False, "float32", id="at_once-float32")],
    indirect=["defer"],
)
def test_concurrent_assign_add_sub_and_sliced_assign_lose_no_update(defer, switchy, dtype):
    # 3 threads x 12 steps; each step adds [1, 2, 0.., 0] (0.5 for float32: exact), subtracts
    # [0, 1, 0.., 0] and writes its own slot; the result is the serial one.
    n, m = 3, 12
    step = 1 if dtype == "int32" else 0.5
    v = tf.Variable(np.zeros(n + 2, dtype), dtype=dtype)
    add = np.zeros(n + 2, dtype)
    add[:2] = [step, 2 * step]
    sub = np.zeros(n + 2, dtype)
    sub[1] = step

    def work(k: int) -> None:
        for j in range(m):
            v.assign_add(add)
            v[2 + k].assign(j + 1)
            v.assign_sub(tf.constant(sub))

    _in_threads(n, work)
    np.testing.assert_array_equal(v.numpy(), np.array([n * m * step, n * m * step] + [m] * n, dtype))


def test_assign_racing_assign_add_is_one_serial_order(defer, switchy):
    # Thread 0 adds 1 forty times; thread 1 sets 1000 once after the first 20. Serially the result
    # is 1000 + the adds ordered after the set: between 1000 and 1020, never below (a lost assign).
    for _ in range(4):
        v = tf.Variable(0.0)
        set_at = threading.Event()

        def work(k: int, v: tf.Variable = v, set_at: threading.Event = set_at) -> None:
            if k == 0:
                for j in range(40):
                    if j == 20:
                        set_at.set()
                    v.assign_add(1.0)
            else:
                set_at.wait()
                v.assign(1000.0)

        _in_threads(2, work)
        assert 1000.0 <= float(v.numpy()) <= 1020.0


def test_reads_during_updates_see_whole_values_in_order(defer, switchy):
    # Writers add ones to every element; a reader (numpy(), read_value, an op) sees all elements
    # equal, never decreasing: no torn value and no older value stored back over a newer one.
    n, m = 2, 15
    v = tf.Variable(tf.zeros([4]))
    seen: list[float] = []

    def work(k: int) -> None:
        if k == n:
            last = 0.0
            for _ in range(3 * m):
                for x in (v.numpy(), v.read_value().numpy(), (v * 1.0).numpy()):
                    assert (x == x[0]).all(), x
                    assert x[0] >= last, (x[0], last)
                    last = float(x[0])
                seen.append(last)
        else:
            for _ in range(m):
                v.assign_add(tf.ones([4]))

    _in_threads(n + 1, work)
    np.testing.assert_array_equal(v.numpy(), np.full(4, n * m, np.float32))
    assert seen == sorted(seen)


def test_concurrent_tf_function_calls_lose_no_update(switchy):
    # Each call adds d and subtracts d / 2 (TF: each an atomic op; N calls give N updates).
    v = tf.Variable([0.0, 0.0])

    big = tf.ones([192, 192])

    @tf.function
    def step(d):
        # (a matmul whose run releases the GIL between the call's read of v and its store)
        v.assign_add(d + 0.0 * tf.reduce_sum(tf.matmul(big, big)))
        v.assign_sub(d * 0.5)

    d = tf.constant([1.0, 2.0])
    step(d)  # (traced once, before the threads)
    n, m = 4, 20

    def work(k: int) -> None:
        for _ in range(m):
            step(d)

    _in_threads(n, work)
    np.testing.assert_array_equal(v.numpy(), [(n * m + 1) * 0.5, (n * m + 1) * 1.0])


def test_optimizer_apply_gradients_from_two_threads(switchy):
    # One SGD, each thread updating its own Variable: each gets exactly its own updates.
    opt = tf.keras.optimizers.SGD(0.5)
    ws = [tf.Variable([1.0, 2.0]), tf.Variable([3.0])]
    opt.build(ws)
    m = 10

    def work(k: int) -> None:
        g = tf.ones_like(ws[k])
        for _ in range(m):
            opt.apply_gradients([(g, ws[k])])

    _in_threads(2, work)
    np.testing.assert_array_equal(ws[0].numpy(), [1.0 - 0.5 * m, 2.0 - 0.5 * m])
    np.testing.assert_array_equal(ws[1].numpy(), [3.0 - 0.5 * m])


def test_list_key_is_a_tuple_of_indices_as_tf():
    # TF 2.21 reads x[[1, 2]] as x[1, 2] (checked): on a rank-1 Variable the second index is out of
    # range (InvalidArgumentError), on a rank-2 one it addresses one element.
    v = tf.Variable([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="StridedSlice"):
        v[[0, 2]].assign([9.0, 9.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])
    w = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert float(w[[1, 2]]) == 6.0
    w[[0, 1]].assign(0.0)
    w[[1, slice(None, 2)]].assign([7.0, 8.0])
    np.testing.assert_array_equal(w.numpy(), [[1.0, 0.0, 3.0], [7.0, 8.0, 6.0]])
    with pytest.raises(TypeError, match="valid indices"):
        v[np.array([0, 2])].assign([9.0, 9.0])


def _on_thread(work: Callable[[], None]) -> None:
    """Runs ``work`` on another thread and waits for it (10 s at most: a deadlock fails, never hangs)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # (reported by the test, not lost in the thread)
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10.0)
    assert not t.is_alive(), "the other thread is stuck (deadlock)"
    if errors:
        raise errors[0]


def test_a_trace_on_another_thread_hides_its_tracers_and_undoes_no_update(defer):
    # While a tf.function traces (its body runs in Python), another thread reads and updates the
    # Variables the body reads (w), assigns (v) and takes as an argument (u): it sees their real
    # values, never a tracer, and its updates stay (the trace used to restore the values it saw first).
    v, w, u = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    seen: list[list[float]] = []

    def other() -> None:
        seen.append([float(x.numpy()) for x in (v, w, u)] + [float((v + w + u).numpy())])
        v.assign_add(10.0)
        w.assign(20.0)
        u[()].assign(30.0)
        seen.append([float(x.read_value().numpy()) for x in (v, w, u)])

    @tf.function
    def f(a, k):
        y = w * 1.0
        v.assign_add(k * 1.0)
        a.assign_add(0.5)
        _on_thread(other)
        return y + v + a

    f.get_concrete_function(u, 1)  # (traced: nothing assigned yet)
    assert seen == [[1.0, 2.0, 3.0, 6.0], [11.0, 20.0, 30.0]]
    np.testing.assert_array_equal([v.numpy(), w.numpy(), u.numpy()], [11.0, 20.0, 30.0])
    # The program reads the values at the call: w is read, not assigned (the other thread's value
    # seen at the end of the trace is not one the program stores).
    assert float(f(u, 1).numpy()) == 20.0 + 12.0 + 30.5
    assert f.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal([v.numpy(), w.numpy(), u.numpy()], [12.0, 20.0, 30.5])


def test_nested_traces_and_control_flow_on_another_thread_hide_their_tracers():
    # The same from a tf.function traced inside another's trace, and from a while_loop's body in a
    # tf.function (control flow traces it too): the other thread sees real values, its updates stay.
    v, w = tf.Variable(0.0), tf.Variable(5.0)
    seen: list[tuple[float, float]] = []

    def other() -> None:
        seen.append((float(v.numpy()), float(w.numpy())))
        v.assign_add(100.0)
        w.assign_add(1.0)

    @tf.function
    def inner(k):
        v.assign_add(k)
        _on_thread(other)
        return w + 0.0

    @tf.function
    def outer(k):
        return inner(k) + v

    assert float(outer(tf.constant(1.0)).numpy()) == 6.0 + 101.0
    assert seen == [(0.0, 5.0)]
    np.testing.assert_array_equal([v.numpy(), w.numpy()], [101.0, 6.0])

    @tf.function
    def loop(n):
        def body(i):
            v.assign_add(1.0)
            if len(seen) == 1:  # (once, while control flow traces the body)
                _on_thread(other)
            return (i + 1,)

        return tf.while_loop(lambda i: i < n, body, (tf.constant(0),))

    loop(tf.constant(3))
    assert seen[1] == (101.0, 6.0)
    np.testing.assert_array_equal([v.numpy(), w.numpy()], [204.0, 7.0])
