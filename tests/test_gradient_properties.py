"""Property tests: random nested-tape programs against jax.grad and TF's rule for ``None``.

Each program (tests/_programs.py) is a random chain of ops on 1-2 watched float64 tensors and 1-2
Variables, with custom-gradient identities in it, run under 2-3 nested GradientTapes with random
watch modes (``watch_accessed_variables``, explicit ``watch``, ``persistent``, Variables read inside
or outside the inner tapes, ``unconnected_gradients=ZERO``); each inner gradient feeds the next
target (a gradient penalty, ``reduce_sum(sin(g))`` or ``g`` itself, with or without the loss).

Every gradient is checked:

- ``None`` or not: against a model of TF's tape on dataflow alone (``_programs.abstract_tf``: each
  op's backward is TF's registered gradient reduced to what it reads), which decides TF's rule (a
  source a tape does not watch, or with no path, is ``None``; relu and abs keep zeros at second
  order, sign, maximum, where and linear ops do not);
- its value: against nested ``jax.grad`` of the same chain in float64 (``jax.custom_vjp`` for the
  custom gradients), dtype and shape exactly;
- a persistent tape's second ``gradient()`` call, sources reversed, gives the same.

``test_programs_match_tensorflow`` runs the same programs through TensorFlow itself (skipped where
it is not installed; run it in a venv that has tensorflow, jax and optax with the repository on
``PYTHONPATH``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from _programs import (
    OPS,
    Feed,
    Program,
    Run,
    Source,
    Step,
    TapeSpec,
    expected_nones,
    jax_reference,
    jnp_namespace,
    programs,
    render,
    run,
    tf_namespace,
)
from hypothesis import HealthCheck, given, settings

import tapejax as tf

RTOL = 1e-7
ATOL = 1e-9
_TAPEJAX = tf_namespace(tf)
_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def assert_gradients_match(prog: Program, got: Run, nones: list[list[bool]], want: list[list[object]]) -> None:
    """Raises AssertionError where ``got`` (a tapejax or TF run) differs from the expected ``None``-ness
    (``nones``; zeros on a ``zero`` tape) or values (``want``, from jax)."""
    for j, (spec, gs, ns, ws) in enumerate(zip(prog.tapes, got.grads, nones, want, strict=True)):
        for k, (g, none, w) in enumerate(zip(gs, ns, ws, strict=True)):
            source = prog.sources[spec.sources[k]]
            where = f"tape {j} (0 = innermost), gradient #{k} (source {spec.sources[k]})"
            if none and not spec.zero:
                assert g is None, f"{where}: expected None (no path or not watched), got {g}"
                continue
            assert g is not None, f"{where}: expected a value, got None; expected {w}"
            value = np.asarray(g.numpy())
            assert value.dtype == np.float64, f"{where}: dtype {value.dtype}"
            assert value.shape == source.shape, f"{where}: shape {value.shape}, source shape {source.shape}"
            np.testing.assert_allclose(value, w, rtol=RTOL, atol=ATOL, err_msg=where)
        again = got.again[j]
        if again is not None:
            for k, (g, h) in enumerate(zip(gs, again, strict=True)):
                where = f"tape {j}, gradient #{k}, second call on the persistent tape"
                assert (g is None) == (h is None), f"{where}: {h} after {g}"
                if g is not None:
                    np.testing.assert_allclose(np.asarray(h.numpy()), np.asarray(g.numpy()), rtol=1e-12, err_msg=where)


def check(prog: Program) -> None:
    nones = expected_nones(prog)
    got = run(prog, tf, _TAPEJAX)
    try:
        assert_gradients_match(prog, got, nones, jax_reference(prog, nones))
    except AssertionError as e:
        raise AssertionError(f"{e}\n-- reproducer --\n{render(prog)}") from None


# tapejax bugs these tests found (each checked against TF 2.21, fixed since; pinned by the tests below).
RANDOM_OPS = OPS


@settings(max_examples=80, **_SETTINGS)
@given(programs(ops=RANDOM_OPS))
def test_random_nested_tape_programs_match_jax_and_tf_none_rule(prog: Program) -> None:
    check(prog)


@settings(max_examples=40, **_SETTINGS)
@given(programs(ops=RANDOM_OPS, custom=True))
def test_random_programs_through_custom_gradient_identities(prog: Program) -> None:
    check(prog)


# -- fixed programs: the rule as TF_SEMANTICS.md states it ------------------------------------------


def _x(value: float = 0.7, level: int = 0) -> Source:
    return Source(variable=False, value=(value,), shape=(), read_level=level)


def _tapes(n: int, *sources: tuple[int, ...], watch: tuple[int, ...] = (0,)) -> tuple[TapeSpec, ...]:
    return tuple(TapeSpec(persistent=False, auto=True, watch=watch, sources=sources[j]) for j in range(n))


def _chain(*ops: str, n_sources: int = 1) -> tuple[Step, ...]:
    steps = []
    for k, op in enumerate(ops):
        arg = n_sources + k - 1
        param = 3.0 if op == "custom_scale" else None
        steps.append(Step(op, (arg,) * (2 if op == "mul" else 1), param))
    return tuple(steps)


_SQ = Feed("id", mix=False)
FIXED = {
    # name: (program, expected Nones per tape)
    "d2 of 3x is None": (Program((_x(),), _chain("scale"), None, _tapes(2, (0,), (0,)), (_SQ,)), [[False], [True]]),
    "d2 relu(x) is zeros": (Program((_x(),), _chain("relu"), None, _tapes(2, (0,), (0,)), (_SQ,)), [[False], [False]]),
    "d2 abs(x) is zeros": (Program((_x(),), _chain("abs"), None, _tapes(2, (0,), (0,)), (_SQ,)), [[False], [False]]),
    "d2 sign(x) is None": (Program((_x(),), _chain("sign"), None, _tapes(2, (0,), (0,)), (_SQ,)), [[False], [True]]),
    "d3 x*x is None": (
        Program((_x(),), _chain("mul"), None, _tapes(3, (0,), (0,), (0,)), (_SQ, _SQ)),
        [[False], [False], [True]],
    ),
    "d3 custom 3 * identity of x**2 is None, d2 is 18": (
        Program((_x(2.0),), _chain("custom_scale", "square"), None, _tapes(3, (0,), (0,), (0,)), (_SQ, _SQ)),
        [[False], [False], [True]],
    ),
    "a source read outside the inner tape is None there, a value outside": (
        Program(
            (_x(0.7, level=1), _x(0.3)),
            (Step("mul", (0, 1)), Step("sin", (2,))),
            None,
            _tapes(2, (0, 1), (0, 1), watch=(0, 1)),
            (Feed("square", mix=False),),
        ),
        [[True, False], [False, False]],
    ),
    "gradient penalty: inner watches only x, outer gets the Variable's dependence": (
        Program(
            (_x(0.7), Source(variable=True, value=(1.3,), shape=())),
            (Step("mul", (0, 1)), Step("tanh", (2,))),
            None,
            (TapeSpec(False, False, (0,), (0, 1)), TapeSpec(False, True, (), (1, 0))),
            (Feed("square", mix=True),),
        ),
        [[False, True], [False, True]],
    ),
}


@pytest.mark.parametrize("name", FIXED)
def test_fixed_programs_follow_the_documented_rule(name: str) -> None:
    prog, nones = FIXED[name]
    assert expected_nones(prog) == nones, "the model of TF's rule disagrees with TF_SEMANTICS.md"
    check(prog)


def test_custom_identity_under_an_outer_tape_uses_the_custom_rule_again() -> None:
    prog, _ = FIXED["d3 custom 3 * identity of x**2 is None, d2 is 18"]
    got = run(prog, tf, _TAPEJAX)
    assert float(got.grads[0][0]) == pytest.approx(3 * 2 * 2.0)  # 3 * d(c(x)**2)/dc
    assert float(got.grads[1][0]) == pytest.approx(18.0)  # d(6 c(x))/dx through the custom rule: 6 * 3


SIGN_BUG = (
    # TF's SignGrad is zeros_like(x), which reads nothing: an outer tape finds no path. tapejax's
    # zero derivative of sign (math_ops._connected_zero_p, commit 8879b5b) is bound to the upstream
    # cotangent, here dy * x, so the outer tape sees x: 0.0 where TF 2.21 gives None.
    Program(
        (_x(1.0), Source(variable=True, value=(1.0, -1.0), shape=(2,))),
        (Step("sign", (1,)), Step("mul", (2, 0))),
        None,
        (TapeSpec(False, True, (0,), (1,)), TapeSpec(False, True, (0,), (0,))),
        (_SQ,),
    ),
    [[False], [True]],
)
RELU_BUG = (
    # TF's ReluGradGrad gives zeros_like(x) for ReluGrad's features input: a value flowing back into
    # relu's output, whose backward reads it again, so relu stays connected at every order (third
    # derivative zeros). tapejax's math_ops._reads_p has a constant-zeros JVP in x, so the
    # dependency ends at second order: the third derivative is None (relu6 too).
    Program(
        (_x(1.0),),
        (Step("relu", (0,)),),
        None,
        _tapes(3, (0,), (0,), (0,)),
        (Feed("square", mix=False), Feed("square", mix=False)),
    ),
    [[False], [False], [False]],
)
KNOWN_BUGS = {"SIGN_BUG": SIGN_BUG, "RELU_BUG": RELU_BUG}


@pytest.mark.parametrize("name", KNOWN_BUGS)
def test_model_of_known_bug_programs_is_tf_rule(name: str) -> None:
    prog, nones = KNOWN_BUGS[name]
    assert expected_nones(prog) == nones


def test_found_bug_second_derivative_through_sign_is_none() -> None:
    check(SIGN_BUG[0])


def test_found_bug_third_derivative_of_relu_is_zeros() -> None:
    check(RELU_BUG[0])


def test_found_bug_unwatched_source_in_the_target_gets_none() -> None:
    # TF 2.21 gives None for x: it is not watched (d[x, v*x]/dx with x watched is 4.0 in both).
    # tapejax gives 4.0: being a target makes x a source it differentiates v*x into.
    x = tf.constant(2.0, tf.float64)
    v = tf.Variable(3.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = v * x
    gx, gv = tape.gradient([x, y], [x, v])
    assert float(gv) == 2.0
    assert gx is None


# -- testing the tester ------------------------------------------------------------------------------

_CUSTOM = Program(
    (_x(0.9), Source(variable=True, value=(0.4, -1.1), shape=(2,))),
    (Step("custom_scale", (0,), 3.0), Step("mul", (2, 1)), Step("sin", (3,))),
    None,
    (TapeSpec(False, True, (0,), (0, 1)), TapeSpec(True, True, (0,), (1, 0))),
    (Feed("square", mix=True),),
)


def test_the_checker_passes_the_right_model() -> None:
    check(_CUSTOM)


def test_the_checker_catches_a_wrong_custom_gradient_scale() -> None:
    nones = expected_nones(_CUSTOM)
    got = run(_CUSTOM, tf, _TAPEJAX)
    wrong = jax_reference(_CUSTOM, nones, jnp_namespace(scale_error=1.0))
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_gradients_match(_CUSTOM, got, nones, wrong)


def test_the_checker_catches_a_wrong_none() -> None:
    nones = expected_nones(_CUSTOM)
    got = run(_CUSTOM, tf, _TAPEJAX)
    want = jax_reference(_CUSTOM, nones)
    flipped = [list(ns) for ns in nones]
    flipped[1][0] = not flipped[1][0]  # the outer tape's gradient for the Variable: a value
    with pytest.raises(AssertionError, match="expected None"):
        assert_gradients_match(_CUSTOM, got, flipped, want)
    prog, _ = FIXED["d2 of 3x is None"]
    nones = [[False], [False]]  # pretend d2(3x)/dx2 were zeros
    with pytest.raises(AssertionError, match="expected a value, got None"):
        assert_gradients_match(prog, run(prog, tf, _TAPEJAX), nones, jax_reference(prog, nones))


# -- against TensorFlow itself -----------------------------------------------------------------------


@settings(max_examples=40, **_SETTINGS)
@given(programs())
def test_programs_match_tensorflow(prog: Program) -> None:
    """TensorFlow's own gradients: the same ``None``s as the model (so as tapejax), the jax values."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf_real = pytest.importorskip("tensorflow")
    nones = expected_nones(prog)
    got = run(prog, tf_real, tf_namespace(tf_real))
    try:
        assert_gradients_match(prog, got, nones, jax_reference(prog, nones))
    except AssertionError as e:
        raise AssertionError(f"TensorFlow: {e}\n-- program --\n{render(prog)}") from None


@pytest.mark.parametrize("name", [*FIXED, *KNOWN_BUGS])
def test_fixed_programs_match_tensorflow(name: str) -> None:
    """The rule's fixed cases, the known bugs' programs included, as TensorFlow itself runs them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf_real = pytest.importorskip("tensorflow")
    prog, nones = {**FIXED, **KNOWN_BUGS}[name]
    got = run(prog, tf_real, tf_namespace(tf_real))
    assert_gradients_match(prog, got, nones, jax_reference(prog, nones))
