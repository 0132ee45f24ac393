"""tf.keras.optimizers: each update rule against a NumPy transcription of Keras 3's, plus the machinery."""

from __future__ import annotations

import jax
import numpy as np
import optax
import pytest

import tapejax as tf
from tapejax.keras import optimizers as opts

f32 = np.float32


# -- NumPy transcription of keras/src/optimizers/*.py (float32, Keras's order of operations) ----------
def np_slots(name: str, cfg: dict, p: np.ndarray) -> list[np.ndarray]:
    z = np.zeros_like(p)
    if name == "SGD":
        return [z.copy()] if cfg.get("momentum", 0.0) else []
    if name in ("Adam", "AdamW"):
        return [z.copy(), z.copy(), z.copy()]
    if name == "RMSprop":
        return [z.copy(), z.copy(), z.copy()]  # velocity, momentum, average_grad
    if name == "Adagrad":
        return [np.full_like(p, cfg.get("initial_accumulator_value", 0.1))]
    if name in ("Adadelta", "Adamax", "Nadam"):
        return [z.copy(), z.copy()]
    if name == "Lion":
        return [z.copy()]
    raise AssertionError(name)


def np_update(name: str, cfg: dict, p, g, s, lr, it, glob):
    """One Keras update of one variable; returns the new variable. Mutates the slot list ``s``."""
    t = f32(it + 1)
    if name == "SGD":
        mom = f32(cfg.get("momentum", 0.0))
        if mom:
            s[0] = s[0] * mom - g * lr
            return p + (s[0] * mom - g * lr if cfg.get("nesterov") else s[0])
        return p - g * lr
    if name in ("Adam", "AdamW"):
        b1, b2, eps = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999), cfg.get("epsilon", 1e-7)
        alpha = lr * np.sqrt(f32(1) - f32(b2) ** t) / (f32(1) - f32(b1) ** t)
        s[0] = s[0] + (g - s[0]) * f32(1 - b1)
        s[1] = s[1] + (g * g - s[1]) * f32(1 - b2)
        v = s[1]
        if cfg.get("amsgrad"):
            s[2] = np.maximum(s[2], s[1])
            v = s[2]
        return p - (s[0] * alpha) / (np.sqrt(v) + f32(eps))
    if name == "RMSprop":
        rho, mom, eps = f32(cfg.get("rho", 0.9)), f32(cfg.get("momentum", 0.0)), f32(cfg.get("epsilon", 1e-7))
        s[0] = rho * s[0] + f32(1 - rho) * g * g
        if cfg.get("centered"):
            s[2] = rho * s[2] + f32(1 - rho) * g
            denom = s[0] - s[2] * s[2] + eps
        else:
            denom = s[0] + eps
        inc = (lr * g) / np.sqrt(denom)
        if mom > 0:
            s[1] = mom * s[1] + inc
            return p - s[1]
        return p - inc
    if name == "Adagrad":
        s[0] = s[0] + g * g
        return p - (lr * g) / np.sqrt(s[0] + f32(cfg.get("epsilon", 1e-7)))
    if name == "Adadelta":
        rho, eps = f32(cfg.get("rho", 0.95)), f32(cfg.get("epsilon", 1e-7))
        s[0] = rho * s[0] + f32(1 - rho) * g * g
        delta = -(np.sqrt(s[1] + eps) * g) / np.sqrt(s[0] + eps)
        s[1] = rho * s[1] + f32(1 - rho) * delta * delta
        return p + lr * delta
    if name == "Adamax":
        b1, b2, eps = cfg.get("beta_1", 0.9), f32(cfg.get("beta_2", 0.999)), f32(cfg.get("epsilon", 1e-7))
        s[0] = s[0] + (g - s[0]) * f32(1 - b1)
        s[1] = np.maximum(b2 * s[1], np.abs(g))
        return p - (lr * s[0]) / ((f32(1) - f32(b1) ** t) * (s[1] + eps))
    if name == "Nadam":
        b1, b2, eps = f32(cfg.get("beta_1", 0.9)), f32(cfg.get("beta_2", 0.999)), f32(cfg.get("epsilon", 1e-7))
        u_t = b1 * (f32(1) - f32(0.5) * f32(0.96) ** t)
        u_t1 = b1 * (f32(1) - f32(0.5) * f32(0.96) ** f32(it + 2))
        u_prod = glob["u_product"]
        u_prod1 = u_prod * u_t1
        s[0] = s[0] + (g - s[0]) * f32(1 - b1)
        s[1] = s[1] + (g * g - s[1]) * f32(1 - b2)
        m_hat = (u_t1 * s[0]) / (f32(1) - u_prod1) + ((f32(1) - u_t) * g) / (f32(1) - u_prod)
        v_hat = s[1] / (f32(1) - b2**t)
        return p - (m_hat * lr) / (np.sqrt(v_hat) + eps)
    if name == "Lion":
        b1, b2 = f32(cfg.get("beta_1", 0.9)), f32(cfg.get("beta_2", 0.99))
        new = p - lr * np.sign(s[0] * b1 + g * (f32(1) - b1))
        s[0] = s[0] * b2 + g * (f32(1) - b2)
        return new
    raise AssertionError(name)


def np_clip(cfg: dict, grads: list[np.ndarray]) -> list[np.ndarray]:
    if cfg.get("clipnorm"):
        c = f32(cfg["clipnorm"])
        return [(g * c) / np.maximum(np.sqrt(np.sum(g * g)), c) for g in grads]
    if cfg.get("global_clipnorm"):
        c = f32(cfg["global_clipnorm"])
        norm = np.sqrt(np.sum([np.sum(g * g) for g in grads], dtype=np.float32))
        return [g * (c * np.minimum(f32(1) / norm, f32(1) / c)) for g in grads]
    if cfg.get("clipvalue"):
        c = f32(cfg["clipvalue"])
        return [np.clip(g, -c, c) for g in grads]
    return grads


def np_run(name: str, cfg: dict, params: list[np.ndarray], grad_steps: list[list[np.ndarray]]) -> list[np.ndarray]:
    lr = f32(cfg.get("learning_rate", 0.001 if name != "SGD" else 0.01))
    wd = cfg.get("weight_decay", 0.004 if name == "AdamW" else None)
    params = [p.copy() for p in params]
    slots = [np_slots(name, cfg, p) for p in params]
    glob = {"u_product": f32(1)}
    for it, grads in enumerate(grad_steps):
        grads = np_clip(cfg, grads)
        if wd is not None:
            params = [p - p * f32(wd) * lr for p in params]
        if name == "Nadam":
            glob["u_product"] = glob["u_product"] * f32(0.9) * (f32(1) - f32(0.5) * f32(0.96) ** f32(it + 1))
        params = [np_update(name, cfg, p, g, s, lr, it, glob) for p, g, s in zip(params, grads, slots, strict=True)]
    return params


CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "learning_rate": 0.05}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "learning_rate": 0.01}),
    ("Adam", {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}),
    ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.1, "learning_rate": 0.01, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5, "learning_rate": 0.01}),
    ("RMSprop", {"centered": True, "rho": 0.8}),
    ("RMSprop", {"centered": True, "momentum": 0.3}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 1.0}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {}),
    ("Lion", {"beta_1": 0.5, "beta_2": 0.9, "learning_rate": 0.01}),
    # clipping and weight decay on top of several rules
    ("SGD", {"clipnorm": 0.5, "momentum": 0.5}),
    ("Adam", {"clipvalue": 0.3}),
    ("Adam", {"global_clipnorm": 1.0, "weight_decay": 0.05}),
    ("RMSprop", {"weight_decay": 0.01, "clipnorm": 1.0}),
    ("SGD", {"weight_decay": 0.1, "learning_rate": 0.1}),
    ("Nadam", {"global_clipnorm": 0.5}),
    ("Lion", {"weight_decay": 0.5, "clipvalue": 0.1}),
]
SHAPES = [(), (3,), (2, 3), (4, 1, 2)]


def _data(seed: int, steps: int = 5) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(np.float32) * 2 for s in SHAPES] for _ in range(steps)]
    return params, grads


def _run_tapejax(name: str, cfg: dict, params: list[np.ndarray], grad_steps: list[list[np.ndarray]]):
    variables = [tf.Variable(p) for p in params]
    opt = getattr(opts, name)(**cfg)
    for grads in grad_steps:
        opt.apply_gradients(zip([tf.constant(g) for g in grads], variables, strict=True))
    return opt, variables


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=[f"{n}-{'-'.join(map(str, c.items()))}" for n, c in CASES])
def test_update_matches_numpy_transcription_of_keras(name, cfg):
    params, grad_steps = _data(hash(name) % 1000)
    opt, variables = _run_tapejax(name, cfg, params, grad_steps)
    expected = np_run(name, cfg, params, grad_steps)
    for v, e in zip(variables, expected, strict=True):
        assert v.dtype == tf.float32
        np.testing.assert_allclose(v.numpy(), e, rtol=2e-5, atol=2e-6)
    assert int(opt.iterations) == len(grad_steps)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TF's own numpy-2 __array__ warning
@pytest.mark.parametrize(("name", "cfg"), CASES, ids=[n for n, _ in CASES])
def test_update_matches_real_keras(name, cfg):
    keras = pytest.importorskip("keras")
    params, grad_steps = _data(7)
    _, variables = _run_tapejax(name, cfg, params, grad_steps)
    kvars = [keras.Variable(p) for p in params]
    kopt = getattr(keras.optimizers, name)(**cfg)
    for grads in grad_steps:
        kopt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], kvars, strict=True))
    for v, k in zip(variables, kvars, strict=True):
        np.testing.assert_allclose(v.numpy(), np.asarray(k.numpy()), rtol=2e-5, atol=2e-6)


def test_float64_variables_update_in_float64():
    v = tf.Variable(np.array([1.0, 2.0]))
    opt = opts.Adam(learning_rate=0.1)
    for _ in range(3):
        opt.apply_gradients([(tf.constant(np.array([0.5, -0.5])), v)])
    assert v.dtype == tf.as_dtype("float64")
    assert v.numpy().dtype == np.float64


def test_float64_gradient_is_cast_to_the_variable_dtype():
    v = tf.Variable([1.0, 2.0])
    opts.SGD(0.5).apply_gradients([(tf.constant(np.array([1.0, 1.0])), v)])
    assert v.dtype == tf.float32
    np.testing.assert_allclose(v.numpy(), [0.5, 1.5])


# -- convergence -------------------------------------------------------------------------------------
CONVERGENCE = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.05}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.001}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("Adagrad", {"learning_rate": 0.5}),
    ("Adadelta", {"learning_rate": 1.0, "epsilon": 1e-3}),
    ("Adamax", {"learning_rate": 0.1}),
    ("Nadam", {"learning_rate": 0.05}),
    ("Lion", {"learning_rate": 0.02}),
]


@pytest.mark.parametrize(("name", "cfg"), CONVERGENCE, ids=[n for n, _ in CONVERGENCE])
def test_converges_on_small_regression(name, cfg):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(64, 3)).astype(np.float32))
    y = tf.constant((np.asarray(x) @ np.array([[2.0], [-1.0], [0.5]]) + 0.5).astype(np.float32))
    w = tf.Variable(np.zeros((3, 1), np.float32))
    b = tf.Variable(np.zeros((1,), np.float32))
    opt = getattr(opts, name)(**cfg)
    mse = tf.keras.losses.MeanSquaredError()
    for _ in range(300):
        with tf.GradientTape() as tape:
            loss = mse(y, x @ w + b)
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b], strict=True))
    assert float(mse(y, x @ w + b)) < 1e-3, float(loss)


def test_optax_wrapper_converges_and_matches_raw_optax():
    params, grad_steps = _data(3)
    variables = [tf.Variable(p) for p in params]
    opt = opts.Optax(optax.adamw(1e-2))
    raw = optax.adamw(1e-2)
    state = raw.init(tuple(params))
    expected = tuple(params)

    @jax.jit
    def raw_step(grads, state, params):
        updates, state = raw.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    for grads in grad_steps:
        opt.apply_gradients(zip([tf.constant(g) for g in grads], variables, strict=True))
        expected, state = raw_step(tuple(grads), state, expected)
    for v, e in zip(variables, expected, strict=True):
        np.testing.assert_allclose(v.numpy(), np.asarray(e), rtol=1e-6, atol=1e-7)
    assert int(opt.iterations) == 5
    assert len(opt.variables) > 1


def test_optax_wrapper_accepts_keras_clipping_and_has_no_learning_rate():
    v = tf.Variable([3.0, 4.0])
    opt = tf.optimizers.Optax(optax.sgd(1.0), clipnorm=1.0)
    opt.apply_gradients([(tf.constant([3.0, 4.0]), v)])
    np.testing.assert_allclose(v.numpy(), [2.4, 3.2], rtol=1e-6)
    with pytest.raises(AttributeError, match="inject_hyperparams"):
        _ = opt.learning_rate


# -- apply_gradients semantics -------------------------------------------------------------------------
def test_none_gradient_is_skipped_with_warning():
    a, b = tf.Variable(1.0), tf.Variable(2.0, name="b")
    opt = opts.SGD(0.1)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b:0'\]"):
        opt.apply_gradients([(tf.constant(1.0), a), (None, b)])
    assert float(a) == pytest.approx(0.9)
    assert float(b) == 2.0
    assert int(opt.iterations) == 1


def test_all_none_gradients_raise():
    opt = opts.Adam()
    with pytest.raises(ValueError, match=r"No gradients provided for any variable\."):
        opt.apply_gradients([(None, tf.Variable(1.0)), (None, tf.Variable(2.0))])
    assert int(opt.iterations) == 0


@pytest.mark.parametrize(
    "bad_grad",
    [np.ones((3,), np.float32), np.ones((2, 2), np.float32), np.ones((2,), np.int32)],
    ids=["wrong-length", "wrong-rank", "int-dtype"],
)
def test_mismatch_raises_and_leaves_variables_and_slots_unchanged(bad_grad):
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([3.0, 4.0], name="b")
    opt = opts.Adam(0.1)
    for _ in range(2):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (tf.constant([1.0, -1.0]), b)])
    before = [v.numpy().copy() for v in (a, b, *opt.variables)]
    with pytest.raises(ValueError, match="Nothing was updated"):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (tf.constant(bad_grad), b)])
    after = [v.numpy() for v in (a, b, *opt.variables)]
    assert len(before) == len(after)
    for x, y in zip(before, after, strict=True):
        np.testing.assert_array_equal(x, y)
    assert int(opt.iterations) == 2


def test_bad_pairs_raise_type_error():
    opt = opts.SGD()
    with pytest.raises(TypeError, match=r"must be a tf\.Variable"):
        opt.apply_gradients([(tf.Variable(1.0), tf.constant(1.0))])
    with pytest.raises(TypeError, match="pairs"):
        opt.apply_gradients([tf.constant(1.0)])


def test_same_variable_twice_raises():
    v = tf.Variable(1.0)
    with pytest.raises(ValueError, match="more than once"):
        opts.SGD().apply_gradients([(tf.constant(1.0), v), (tf.constant(1.0), v)])


def test_integer_variable_cannot_be_trained():
    with pytest.raises(ValueError, match="only floating-point"):
        opts.SGD().apply_gradients([(tf.constant(1), tf.Variable(1))])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"])
def test_indexed_slices_gradient_without_duplicates_matches_its_dense_equivalent(name):
    values = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    indices = tf.constant([0, 2, 3])
    sparse = tf.IndexedSlices(values, indices, tf.constant([4, 2]))
    dense = sparse._to_dense()
    v_sparse, v_dense = tf.Variable(np.ones((4, 2), np.float32)), tf.Variable(np.ones((4, 2), np.float32))
    o1, o2 = getattr(opts, name)(0.1), getattr(opts, name)(0.1)
    for _ in range(3):
        o1.apply_gradients([(sparse, v_sparse)])
        o2.apply_gradients([(dense, v_dense)])
    np.testing.assert_allclose(v_sparse.numpy(), v_dense.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(v_sparse.numpy()[1], 1.0)  # a row not gathered is untouched


# v after two steps of y = sum(gather(v, [1, 1]) ** 2) from v = [1, 2, 3], lr 0.1: TF 2.21 (Keras 3)
# squares (or takes |.| of) each gathered row before rows of one index add up.
_KERAS_DUPLICATES = {"SGD": 0.72, "Adam": 1.7175, "RMSprop": 1.2696, "Adagrad": 1.7626}


@pytest.mark.parametrize("name", sorted(_KERAS_DUPLICATES))
def test_indexed_slices_with_duplicate_indices_give_keras_numbers(name):
    v = tf.Variable([1.0, 2.0, 3.0])
    opt = getattr(opts, name)(learning_rate=0.1)
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(v, [1, 1]) ** 2)
        opt.apply_gradients([(tape.gradient(y, v), v)])
    np.testing.assert_allclose(v.numpy(), [1.0, _KERAS_DUPLICATES[name], 3.0], atol=1e-4)


def test_indexed_slices_with_wrong_dense_shape_raises():
    v = tf.Variable(np.ones((4, 2), np.float32))
    bad = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([0]), tf.constant([5, 2]))
    with pytest.raises(ValueError, match="dense_shape"):
        opts.SGD().apply_gradients([(bad, v)])


def test_one_compiled_update_shared_by_calls_and_learning_rate_is_an_input():
    ws = [tf.Variable(np.ones(s, np.float32)) for s in [(3, 2), (2,), ()]]
    grads = [tf.constant(np.ones(s, np.float32)) for s in [(3, 2), (2,), ()]]
    opt = opts.SGD(learning_rate=0.1)
    opt.apply_gradients(zip(grads, ws, strict=True))
    ((_, jitted),) = opt._fns.values()  # (the pure update, its compilations by donated arguments)
    (fn,) = jitted.values()
    assert fn._cache_size() == 1
    opt.learning_rate = 0.5  # no recompilation: the rate is an input of the compiled update
    assert float(opt.learning_rate) == 0.5
    opt.apply_gradients(zip(grads, ws, strict=True))
    assert list(jitted.values()) == [fn] and fn._cache_size() == 1
    np.testing.assert_allclose(ws[0].numpy(), 1.0 - 0.1 - 0.5)


def test_learning_rate_variable_is_readable_settable_and_assignable():
    opt = opts.Adam(learning_rate=0.01)
    assert float(opt.learning_rate) == pytest.approx(0.01)
    assert opt.learning_rate in opt.variables
    opt.learning_rate = 0.2
    assert float(opt.learning_rate) == pytest.approx(0.2)
    opt.learning_rate.assign(0.3)
    assert float(opt.learning_rate) == pytest.approx(0.3)
    assert opt.get_config()["learning_rate"] == pytest.approx(0.3)


def test_schedule_learning_rate_is_traced_into_the_update():
    sched = opts.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    v = tf.Variable(0.0)
    opt = opts.SGD(learning_rate=sched)
    for _ in range(3):
        opt.apply_gradients([(tf.constant(-1.0), v)])
    assert float(v) == pytest.approx(0.1 + 0.05 + 0.025)
    assert float(opt.learning_rate) == pytest.approx(0.0125)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_callable_and_custom_schedule_learning_rates_run_on_the_host():
    class Halving(opts.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / 2.0 ** float(step)

    v = tf.Variable(0.0)
    opt = opts.SGD(learning_rate=Halving())
    for _ in range(3):
        opt.apply_gradients([(tf.constant(-1.0), v)])
    assert float(v) == pytest.approx(1.75)
    w = tf.Variable(0.0)
    rate = [0.5]
    opt2 = opts.SGD(learning_rate=lambda: rate[0])
    opt2.apply_gradients([(tf.constant(-1.0), w)])
    rate[0] = 0.25
    opt2.apply_gradients([(tf.constant(-1.0), w)])
    assert float(w) == pytest.approx(0.75)


def test_get_config_round_trip():
    sched = opts.schedules.PiecewiseConstantDecay([10], [0.1, 0.01])
    for opt in [
        opts.Adam(0.01, beta_1=0.8, amsgrad=True, clipnorm=1.0),
        opts.SGD(learning_rate=sched, momentum=0.9, nesterov=True),
        opts.RMSprop(centered=True, weight_decay=0.1),
        opts.Lion(beta_2=0.9, global_clipnorm=2.0),
    ]:
        config = opt.get_config()
        clone = type(opt).from_config(config)
        assert clone.get_config() == config
    assert opts.Adam().get_config()["epsilon"] == 1e-7
    assert opts.AdamW().get_config()["weight_decay"] == 0.004
    assert opts.Lion().get_config()["beta_2"] == 0.99


def test_constructor_validation_matches_keras():
    with pytest.raises(ValueError, match="Only one of"):
        opts.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="not recognized"):
        opts.Adam(bogus=1)
    with pytest.raises(ValueError, match="momentum"):
        opts.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        opts.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="beta_1"):
        opts.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate"):
        opts.SGD(learning_rate="fast")


def test_structural_hyperparameter_cannot_change_after_build():
    v = tf.Variable(1.0)
    opt = opts.Adam()
    opt.apply_gradients([(tf.constant(1.0), v)])
    opt.beta_1 = 0.5  # fine: recompiles
    opt.apply_gradients([(tf.constant(1.0), v)])
    with pytest.raises(ValueError, match="amsgrad"):
        opt.amsgrad = True


def test_variables_lists_iterations_learning_rate_and_slots_in_keras_order():
    a, b = tf.Variable([1.0], name="a"), tf.Variable([2.0], name="b")
    opt = opts.Adam()
    opt.apply_gradients([(tf.constant([1.0]), a), (tf.constant([1.0]), b)])
    names = [v.name for v in opt.variables]
    assert names == [  # per variable, as TF 2.21's Keras (3.15) lists them (checked on tensorflow-cpu 2.21)
        "adam/iteration:0",
        "adam/learning_rate:0",
        "adam/a_0_momentum:0",
        "adam/a_0_velocity:0",
        "adam/b_0_momentum:0",
        "adam/b_0_velocity:0",
    ]
    assert all(not v.trainable for v in opt.variables)
    nadam = opts.Nadam()
    nadam.apply_gradients([(tf.constant([1.0]), a)])
    assert "nadam/u_product:0" in [v.name for v in nadam.variables]


def test_new_variables_get_slots_and_dead_ones_are_forgotten():
    opt = opts.Adam()
    a = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), a)])
    b = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), a), (tf.constant(1.0), b)])
    assert len(opt.variables) == 2 + 4
    del b
    import gc

    gc.collect()
    assert len(opt.variables) == 2 + 2


def test_apply_and_build():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    opt = opts.SGD(0.5)
    opt.apply([tf.constant(1.0), tf.constant(1.0)], [a, b])
    opt.apply([tf.constant(1.0), tf.constant(1.0)])
    assert (float(a), float(b)) == (0.0, 1.0)
    with pytest.raises(ValueError, match="one-to-one"):
        opt.apply([tf.constant(1.0)])
    with pytest.raises(ValueError, match="must already be built"):
        opts.SGD().apply([tf.constant(1.0)])


def test_minimize_with_callable_and_with_tape():
    x = tf.Variable(10.0)
    opt = opts.RMSprop(learning_rate=0.1)
    opt.minimize(lambda: (x**2) / 2.0, [x])
    assert float(x) == pytest.approx(9.683772, rel=1e-6)  # Keras's documented value
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = y * y
    opts.SGD(0.1).minimize(loss, [y], tape=tape)
    assert float(y) == pytest.approx(2.4)
    with pytest.raises(ValueError, match="tape"):
        opts.SGD().minimize(loss, [y])


def test_ema_matches_keras_formula_and_finalize_overwrites():
    v = tf.Variable(1.0)
    opt = opts.SGD(0.1, use_ema=True, ema_momentum=0.5)
    values, avg = [], None
    for it in range(3):
        opt.apply_gradients([(tf.constant(1.0), v)])
        values.append(float(v))
        m = 0.0 if it == 0 else 0.5
        avg = values[-1] if avg is None else m * avg + (1 - m) * values[-1]
    assert values == pytest.approx([0.9, 0.8, 0.7])
    opt.finalize_variable_values([v])
    assert float(v) == pytest.approx(avg)


def test_exclude_from_weight_decay():
    w, bias = tf.Variable(1.0, name="kernel"), tf.Variable(1.0, name="bias")
    opt = opts.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant(0.0), w), (tf.constant(0.0), bias)])
    assert (float(w), float(bias)) == pytest.approx((0.95, 1.0))
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])


def test_loss_scale_factor_divides_gradients():
    v = tf.Variable(1.0)
    opts.SGD(0.1, loss_scale_factor=4.0).apply_gradients([(tf.constant(4.0), v)])
    assert float(v) == pytest.approx(0.9)


def test_public_namespaces():
    assert tf.optimizers.Adam is tf.keras.optimizers.Adam is opts.Adam
    assert tf.optimizers.schedules.CosineDecay is opts.schedules.CosineDecay
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "Optax"]:
        assert issubclass(getattr(opts, name), opts.Optimizer)


# -- schedules ----------------------------------------------------------------------------------------
def _cosine(initial, decay_steps, alpha, step):
    s = min(step, decay_steps)
    return initial * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * s / decay_steps)) + alpha)


def _cosine_warmup(step):
    s = min(step, 15)
    return 0.1 * s / 5 if s < 5 else _cosine(0.1, 10, 0.0, s - 5)


def _polynomial_cycle(step):
    decay = 10 * (1 if step == 0 else np.ceil(step / 10))
    return (0.1 - 0.01) * (1 - step / decay) ** 2 + 0.01


SCHEDULES = [
    (opts.schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (opts.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10)),
    (
        opts.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
        lambda s: 1.0 if s <= 10 else 0.5 if s <= 20 else 0.1,
    ),
    (opts.schedules.InverseTimeDecay(1.0, 5, 0.5), lambda s: 1 / (1 + 0.5 * s / 5)),
    (opts.schedules.InverseTimeDecay(1.0, 5, 0.5, staircase=True), lambda s: 1 / (1 + 0.5 * (s // 5))),
    (opts.schedules.PolynomialDecay(0.1, 10, 0.01, power=2.0), lambda s: 0.09 * (1 - min(s, 10) / 10) ** 2 + 0.01),
    (opts.schedules.PolynomialDecay(0.1, 10, 0.01, power=2.0, cycle=True), _polynomial_cycle),
    (opts.schedules.CosineDecay(0.1, 10, alpha=0.1), lambda s: _cosine(0.1, 10, 0.1, s)),
    (opts.schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=5), _cosine_warmup),
]


@pytest.mark.parametrize(("schedule", "reference"), SCHEDULES, ids=[type(s).__name__ for s, _ in SCHEDULES])
def test_schedules_follow_keras_formulas(schedule, reference):
    steps = [0, 1, 4, 5, 9, 10, 11, 15, 19, 20, 21, 30, 100]
    got = [float(schedule(s)) for s in steps]
    np.testing.assert_allclose(got, [reference(s) for s in steps], rtol=2e-6, atol=1e-8)
    assert float(schedule(tf.Variable(np.int64(10)))) == pytest.approx(reference(10), rel=2e-6)
    clone = opts.schedules.deserialize(opts.schedules.serialize(schedule))
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()


def test_schedule_validation():
    with pytest.raises(ValueError, match="decay_steps"):
        opts.schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="1 less than"):
        opts.schedules.PiecewiseConstantDecay([1, 2], [1.0, 2.0])


@pytest.mark.parametrize("make", [lambda: opts.Adam(0.1), lambda: opts.Optax(optax.adam(0.1))], ids=["Adam", "Optax"])
def test_apply_gradients_inside_tf_function_matches_eager(make):
    x = tf.constant([1.0, 1.0])

    def train(compiled: bool):
        w = tf.Variable([1.0, 2.0])
        opt = make()

        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * x * w)
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w], strict=True))
            return loss

        fn = tf.function(step) if compiled else step
        for i in range(4):
            if i == 2 and isinstance(opt, opts.Adam):
                opt.learning_rate = 0.05  # an input of the compiled function, not a constant
            fn()
        return w.numpy(), int(opt.iterations)

    eager_w, eager_it = train(False)
    fn_w, fn_it = train(True)
    np.testing.assert_allclose(fn_w, eager_w, rtol=1e-6, atol=1e-6)
    assert fn_it == eager_it == 4


def test_get_serialize_deserialize():
    assert isinstance(opts.get("Adam"), opts.Adam) and isinstance(opts.get("sgd"), opts.SGD)
    opt = opts.RMSprop(0.01, centered=True)
    assert opts.get(opt) is opt
    clone = opts.deserialize(opts.serialize(opt))
    assert isinstance(clone, opts.RMSprop) and clone.get_config() == opt.get_config()
    with pytest.raises(ValueError):
        opts.get("nope")


def test_float16_indexed_slices_rows_are_cast_to_the_variable_dtype_before_adding_up():
    # Keras casts to the variable's dtype first: float16 rows of 40000 overflowed when summed (-inf),
    # and Adam squared 300 in float16 (NaN). TF 2.21's values.
    g = tf.IndexedSlices(
        tf.constant(np.array([[40000.0] * 2, [40000.0] * 2, [1.0] * 2], "float16")),
        tf.constant([0, 0, 2]),
        tf.constant([4, 2]),
    )
    v = tf.Variable(np.ones((4, 2), "float32"))
    opt = opts.SGD(1e-4)
    for _ in range(2):
        opt.apply_gradients([(g, v)])
    np.testing.assert_allclose(v.numpy()[:, 0], [-15.0, 1.0, 0.9998, 1.0], rtol=1e-5)
    g = tf.IndexedSlices(
        tf.constant(np.array([[300.0] * 2, [300.0] * 2, [-3.0] * 2], "float16")),
        tf.constant([0, 0, 2]),
        tf.constant([4, 2]),
    )
    v = tf.Variable(np.ones((4, 2), "float32"))
    opt = opts.Adam(0.1)
    for _ in range(2):
        opt.apply_gradients([(g, v)])
    np.testing.assert_allclose(v.numpy()[:, 0], [0.7172, 1.0, 1.2, 1.0], atol=1e-4)


def test_sparse_gradient_applies_inside_tf_function():
    # The IndexedSlices' dense_shape is traced there: its check must not read it (it raised).
    v = tf.Variable([1.0, 2.0, 3.0])
    opt = opts.Adam(0.1)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(v, [1, 1, 2]) ** 2)
        opt.apply_gradients([(tape.gradient(y, v), v)])

    for _ in range(2):
        step()
    np.testing.assert_allclose(v.numpy(), [1.0, 1.7175, 2.8001], atol=1e-4)  # TF 2.21's values
