"""Keras optimizers on float64 Variables: five steps agree with Keras 3.15 on TF 2.21 to float64 rounding.

Keras on TensorFlow casts a hyper-parameter with ``ops.cast(self.beta_1, variable.dtype)``, and
``tf.cast`` converts a Python float to a *float32* tensor before casting: a float64 variable sees
``float64(float32(0.9))`` there, but the exact double where Keras uses the Python float itself
(``1 - self.beta_1``, ``self.epsilon``). The reference numbers below were produced by
``_keras_result`` (the live test's own code) on tensorflow-cpu 2.21 with Keras 3.15; the live test
re-checks them, and more cases, where TensorFlow is installed.

What remains is float64 rounding: XLA fuses each update and contracts ``a * b + c`` into one fused
multiply-add, and sums a norm in another order than TF, so the results differ from Keras's by a few
float64 roundings, not bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapejax as tf
from tapejax._src.optimizers import transforms
from tapejax.keras import optimizers as opts

INIT = [np.array([0.25, -1.5, 0.75]), np.array([[1.25, -0.5], [0.125, 2.0]])]
GRADS = [
    [np.array([0.7, -0.2, 1.3]), np.array([[-0.9, 0.4], [0.05, -1.6]])],
    [np.array([0.35, -0.8, 0.6]), np.array([[0.2, -1.1], [0.75, 0.3]])],
    [np.array([-0.45, 0.15, 0.9]), np.array([[1.4, 0.6], [-0.25, -0.7]])],
    [np.array([1.1, -0.6, -0.3]), np.array([[-0.35, 0.85], [0.5, 1.2]])],
    [np.array([0.2, 0.95, -1.25]), np.array([[0.65, -0.15], [-1.05, 0.4]])],
]

# Every rule tapejax has, with its structural variants (Keras 3 has no Ftrl).
RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {}),
    "sgd_momentum": ("SGD", {"momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adam": ("Adam", {}),
    "adam_amsgrad": ("Adam", {"amsgrad": True}),
    "adamw": ("AdamW", {"weight_decay": 0.04}),
    "rmsprop": ("RMSprop", {}),
    "rmsprop_momentum": ("RMSprop", {"momentum": 0.9}),
    "rmsprop_centered": ("RMSprop", {"momentum": 0.5, "centered": True}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
    "adamax": ("Adamax", {}),
    "nadam": ("Nadam", {}),
    "lion": ("Lion", {}),
}

# Variants: extra keyword arguments and the learning rate (a float, a built-in schedule's name and
# arguments, "callable": a function returning a Python float, "float64_schedule": a custom schedule
# returning a float64 tensor, which Keras casts to the variable's dtype unrounded).
VARIANTS: dict[str, tuple[dict[str, Any], Any]] = {
    "": ({}, 0.1),
    "clipnorm": ({"clipnorm": 0.5}, 0.1),
    "clipvalue": ({"clipvalue": 0.3}, 0.1),
    "global_clipnorm": ({"global_clipnorm": 0.5}, 0.1),
    "exponential_decay": (
        {},
        ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7}),
    ),
    "staircase": (
        {},
        ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.7, "staircase": True}),
    ),
    "piecewise": ({}, ("PiecewiseConstantDecay", {"boundaries": [1, 3], "values": [0.1, 0.05, 0.01]})),
    "cosine": ({}, ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 7})),
    "inverse_time": ({}, ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.3})),
    "polynomial": (
        {},
        ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01, "power": 1.5}),
    ),
    "cosine_warmup": (
        {},
        (
            "CosineDecay",
            {"initial_learning_rate": 0.01, "decay_steps": 7, "warmup_target": 0.1, "warmup_steps": 2, "alpha": 0.1},
        ),
    ),
    "callable": ({}, "callable"),
    "float64_schedule": ({}, "float64_schedule"),
    "ema": ({"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3}, 0.1),
    "loss_scale": ({"loss_scale_factor": 3.0}, 0.1),
}

# Schedules whose float32 formula ends in ``a * b + c``: XLA's fused multiply-add can move the learning
# rate by one float32 rounding at some steps (here PolynomialDecay at step 2; InverseTimeDecay at steps 7,
# 9, 23; CosineDecay's warmup at step 6), which a float64 step then carries (~1e-8 relative). The
# schedule is float32 in Keras too, so this is not a float64 matter; the live test allows for it.
FMA_SCHEDULES = frozenset({"inverse_time", "polynomial", "cosine_warmup"})

# Hyper-parameters other than the defaults, so that more than one value goes through the float32 cast.
EXTRA_CASES: dict[str, tuple[str, dict[str, Any], Any]] = {
    "sgd+weight_decay": ("SGD", {"weight_decay": 0.03}, 0.1),
    "adagrad+initial_accumulator_value": ("Adagrad", {"initial_accumulator_value": 0.3, "epsilon": 1e-6}, 0.1),
    "adam+betas": ("Adam", {"beta_1": 0.7, "beta_2": 0.95, "epsilon": 1e-3}, 0.1),
    "adamax+betas": ("Adamax", {"beta_1": 0.7, "beta_2": 0.95}, 0.1),
    "nadam+betas": ("Nadam", {"beta_1": 0.85, "beta_2": 0.99, "epsilon": 1e-5}, 0.1),
    "lion+betas": ("Lion", {"beta_1": 0.7, "beta_2": 0.95}, 0.1),
}


def _case(name: str) -> tuple[str, dict[str, Any], Any]:
    if name in EXTRA_CASES:
        return EXTRA_CASES[name]
    rule, _, variant = name.partition("+")
    cls, kwargs = RULES[rule]
    extra, lr = VARIANTS[variant]
    return cls, {**kwargs, **extra}, lr


ALL_CASES = [f"{r}+{v}" if v else r for r in RULES for v in VARIANTS] + list(EXTRA_CASES)
# The cases whose Keras results are pasted at the end (the default test run has no TensorFlow).
FIXTURE_CASES = [
    f"{r}+{v}" if v else r
    for r in RULES
    for v in ("", "clipnorm", "clipvalue", "exponential_decay", "float64_schedule")
] + [
    "adam+global_clipnorm",
    "sgd_momentum+global_clipnorm",
    "adam+callable",
    "adam+ema",
    "nadam+loss_scale",
    *EXTRA_CASES,
]


def _make(optimizers: Any, cast_to_float64: Any, name: str) -> Any:
    """The optimizer of case ``name`` from a ``keras.optimizers`` namespace (tapejax's or Keras's)."""
    cls, kwargs, lr = _case(name)
    if lr == "callable":
        lr = lambda: 0.07  # noqa: E731
    elif lr == "float64_schedule":

        class Float64Schedule(optimizers.schedules.LearningRateSchedule):
            def __call__(self, step: Any) -> Any:
                return 0.1 / (1.0 + cast_to_float64(step))

        lr = Float64Schedule()
    elif isinstance(lr, tuple):
        lr = getattr(optimizers.schedules, lr[0])(**lr[1])
    return getattr(optimizers, cls)(learning_rate=lr, **kwargs)


def _tapejax_result(name: str, dtype: Any = np.float64) -> list[np.ndarray]:
    opt = _make(opts, lambda s: tf.cast(s, tf.float64), name)
    variables = [tf.Variable(x.astype(dtype)) for x in INIT]
    for grads in GRADS:
        opt.apply_gradients([(tf.constant(g.astype(dtype)), v) for g, v in zip(grads, variables, strict=True)])
    opt.finalize_variable_values(variables)
    return [v.numpy() for v in variables]


def _keras_result(keras: Any, name: str, dtype: Any = np.float64) -> list[np.ndarray]:
    """The same five steps with Keras 3 on TensorFlow (produced the pasted numbers)."""
    opt = _make(keras.optimizers, lambda s: keras.ops.cast(s, "float64"), name)
    variables = [keras.Variable(x.astype(dtype), dtype=np.dtype(dtype).name) for x in INIT]
    for grads in GRADS:
        opt.apply_gradients(
            [(keras.ops.convert_to_tensor(g.astype(dtype)), v) for g, v in zip(grads, variables, strict=True)]
        )
    opt.finalize_variable_values(variables)
    return [np.asarray(v.numpy()) for v in variables]


def _assert_float64_close(actual: list[np.ndarray], expected: list[Any], steps_tolerance: float = 1e-13) -> None:
    """Within a few float64 roundings: 8 eps of each value plus ``steps_tolerance`` of the largest
    distance the variable moved (a float32 rounding of a hyper-parameter is ~1e-8 of it)."""
    for a, e, x0 in zip(actual, expected, INIT, strict=True):
        e = np.asarray(e, np.float64)
        assert a.dtype == np.float64
        atol = steps_tolerance * np.max(np.abs(e - x0))
        np.testing.assert_allclose(a, e, rtol=8 * np.finfo(np.float64).eps, atol=atol)


def test_keras_cast_rounds_a_python_float_hyperparameter_through_float32_as_tf_cast_does():
    assert float(transforms.keras_cast(0.9, np.float64)) == float(np.float32(0.9))
    assert float(transforms.keras_cast(0.9, np.float32)) == float(np.float32(0.9))
    # A NumPy float64 converts to a float64 tensor in TF, and an int is exact either way.
    assert float(transforms.keras_cast(np.float64(0.9), np.float64)) == 0.9
    assert float(transforms.keras_cast(3, np.float64)) == 3.0


@pytest.mark.parametrize("name", FIXTURE_CASES)
def test_float64_steps_match_keras_to_float64_precision(name):
    _assert_float64_close(_tapejax_result(name), KERAS_FLOAT64[name])


def test_adam_float64_steps_match_keras_to_float64_precision():
    # Adam's bias corrections use ops.power(ops.cast(beta, dtype), t): float32-rounded betas.
    _assert_float64_close(_tapejax_result("adam"), KERAS_FLOAT64["adam"])


def test_float64_learning_rate_of_a_custom_schedule_reaches_float64_variables_unrounded():
    _assert_float64_close(_tapejax_result("sgd+float64_schedule"), KERAS_FLOAT64["sgd+float64_schedule"])


@pytest.mark.parametrize("name", ["nadam", "nadam+clipnorm"])
def test_nadam_float32_one_minus_beta_uses_the_cast_beta_as_keras_does(name):
    # Keras's Nadam computes ``1 - beta_1`` from ops.cast(beta_1): in float32, 1 - 0.9f, not the
    # rounded double 0.1 (a relative difference of 2e-7 in every momentum update).
    eps = np.finfo(np.float32).eps
    for a, e, x0 in zip(_tapejax_result(name, np.float32), KERAS_FLOAT32_NADAM[name], INIT, strict=True):
        e = np.asarray(e, np.float32)
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, e, rtol=2 * eps, atol=4 * eps * np.max(np.abs(e - x0)))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TF's own numpy-2 __array__ warning
@pytest.mark.parametrize("name", ALL_CASES)
def test_float64_steps_match_live_keras_to_float64_precision(name):
    pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    expected = _keras_result(keras, name)
    variant = name.partition("+")[2]
    # (a schedule whose float32 learning rate XLA's fused multiply-add moves by one rounding: see above)
    _assert_float64_close(_tapejax_result(name), expected, 1e-6 if variant in FMA_SCHEDULES else 1e-13)


# -- reference numbers ------------------------------------------------------------------------------
# Keras 3.15 on tensorflow-cpu 2.21: the variables after the five steps (produced by _keras_result).
KERAS_FLOAT64: dict[str, list[Any]] = {
    "sgd": [
        [0.059999997168779365, -1.4499999992549417, 0.6249999981373549],
        [[1.149999998509884, -0.5600000008940696], [0.125, 2.040000000596047]],
    ],
    "sgd+clipnorm": [
        [0.18310179010756347, -1.4696333278985871, 0.6849577772654394],
        [[1.2115106440755778, -0.5094204891001617], [0.12833295773561182, 1.9993504645543103]],
    ],
    "sgd+clipvalue": [
        [0.16999999880790712, -1.4649999994784593, 0.7199999995529651],
        [[1.2299999997019768, -0.5450000006705523], [0.11499999985098838, 1.969999999552965]],
    ],
    "sgd+exponential_decay": [
        [0.0949695128947496, -1.4378388974815608, 0.5944637350738049],
        [[1.1959699887782334, -0.5398099813610315], [0.10337748154997825, 2.0796877197921275]],
    ],
    "sgd+float64_schedule": [
        [0.146, -1.4489999999999998, 0.5924999999999999],
        [[1.2790833333333336, -0.52325], [0.09933333333333333, 2.1303333333333336]],
    ],
    "sgd_momentum": [
        [-0.26407199008238325, -1.16462800929147, -0.0506029739073966],
        [[1.1718789923618884, -0.5946140013254583], [-0.07565049314371498, 2.4737459779136484]],
    ],
    "sgd_momentum+clipnorm": [
        [0.0695096422865133, -1.3484277829118527, 0.4157117986643282],
        [[1.2071989159656573, -0.49939298464972365], [0.05638586853516388, 2.105965101947806]],
    ],
    "sgd_momentum+clipvalue": [
        [0.028277004975870185, -1.3285780047846136, 0.5296770075716525],
        [[1.249772997951463, -0.6429829973269552], [0.04210450252295285, 2.0139829968352165]],
    ],
    "sgd_momentum+exponential_decay": [
        [-0.20611805363505778, -1.1851108595164381, -0.04026580186569628],
        [[1.2645303927731293, -0.559835342989848], [-0.07231488222910147, 2.5287040772874576]],
    ],
    "sgd_momentum+float64_schedule": [
        [-0.11243948456847706, -1.2845880088958737, 0.07241703081273956],
        [[1.4613273200075632, -0.5662339972476961], [-0.004604661277890321, 2.601864303286792]],
    ],
    "sgd_nesterov": [
        [-0.4026647816489342, -1.1481652156131563, -0.09554265929143972],
        [[1.0796910934981336, -0.6451525998312085], [-0.05558543904546298, 2.4663713694233453]],
    ],
    "sgd_nesterov+clipnorm": [
        [0.020660472468650902, -1.3332183361330177, 0.38409840403338646],
        [[1.1729896694651267, -0.5088741752993853], [0.06658024105314764, 2.0947190537809317]],
    ],
    "sgd_nesterov+clipvalue": [
        [-0.029550691427521578, -1.310720207871631, 0.5217093116203619],
        [[1.229795697863706, -0.6736846948558315], [0.040394054098028626, 1.9825846963712797]],
    ],
    "sgd_nesterov+exponential_decay": [
        [-0.3155367245021005, -1.1544386785538971, -0.11677546776391683],
        [[1.2090473419276186, -0.593661788625309], [-0.07420590775185969, 2.555521376745552]],
    ],
    "sgd_nesterov+float64_schedule": [
        [-0.18019552747039866, -1.2551292131421083, -0.017324656113697573],
        [[1.4692779163017042, -0.5828605959437848], [-0.017310858726752035, 2.672011191941883]],
    ],
    "adam": [
        [-0.09314292452576789, -1.1776090595177784, 0.3850678553717893],
        [[1.3221544780377124, -0.5985929461225594], [-0.13965177325650147, 2.2219587461610715]],
    ],
    "adam+clipnorm": [
        [-0.07628691762081667, -1.178962351661998, 0.3612502640906371],
        [[1.3003300103968416, -0.5628259527862657], [-0.13950977563808936, 2.198379309738703]],
    ],
    "adam+clipvalue": [
        [-0.0793340212962475, -1.1705850926080978, 0.4009552487034701],
        [[1.3220490578402457, -0.7113296274388146], [-0.11265120573716408, 2.0946539780559075]],
    ],
    "adam+exponential_decay": [
        [-0.0358276624221188, -1.2233353873888708, 0.43993482476456225],
        [[1.3392930507545135, -0.5883610697474638], [-0.10904024937254228, 2.2008321873959926]],
    ],
    "adam+float64_schedule": [
        [0.06628729952928594, -1.3179993373896832, 0.5535496213171321],
        [[1.3541759524326527, -0.5866431381613336], [-0.039395500473127745, 2.148815422678099]],
    ],
    "adam_amsgrad": [
        [-0.09314292452576789, -1.1776090595177784, 0.3850678553717893],
        [[1.3221544780377124, -0.5985929461225594], [-0.13965177325650147, 2.2219587461610715]],
    ],
    "adam_amsgrad+clipnorm": [
        [-0.07628691762081667, -1.178962351661998, 0.3612502640906371],
        [[1.3003300103968416, -0.5628259527862657], [-0.13950977563808936, 2.198379309738703]],
    ],
    "adam_amsgrad+clipvalue": [
        [-0.0793340212962475, -1.1705850926080978, 0.4009552487034701],
        [[1.3220490578402457, -0.7113296274388146], [-0.11265120573716408, 2.0946539780559075]],
    ],
    "adam_amsgrad+exponential_decay": [
        [-0.0358276624221188, -1.2233353873888708, 0.43993482476456225],
        [[1.3392930507545135, -0.5883610697474638], [-0.10904024937254228, 2.2008321873959926]],
    ],
    "adam_amsgrad+float64_schedule": [
        [0.06628729952928594, -1.3179993373896832, 0.5535496213171321],
        [[1.3541759524326527, -0.5866431381613336], [-0.039395500473127745, 2.148815422678099]],
    ],
    "adamw": [
        [-0.0949110081527359, -1.1512252103587945, 0.3738934129455503],
        [[1.2954900320233038, -0.5875527271981994], [-0.139072839731187, 2.1795283040371616]],
    ],
    "adamw+clipnorm": [
        [-0.07810286873567976, -1.1524929281723328, 0.3501798904985569],
        [[1.2737992173852786, -0.5519964077652566], [-0.1389125973947617, 2.15606342477368]],
    ],
    "adamw+clipvalue": [
        [-0.08110878640593457, -1.1442288161819771, 0.389826119600798],
        [[1.2957067458525116, -0.6994021500395083], [-0.11228714485109641, 2.053198165790846]],
    ],
    "adamw+exponential_decay": [
        [-0.037676656714598335, -1.2017109044060563, 0.43040555335874336],
        [[1.3180283075853827, -0.5795361500807837], [-0.10898910489391783, 2.167192949378226]],
    ],
    "adamw+float64_schedule": [
        [0.06470023821352526, -1.3050427344270457, 0.5474481826221163],
        [[1.3422295352716909, -0.5816487549417041], [-0.03986396260093438, 2.1299754171076506]],
    ],
    "rmsprop": [
        [-0.34903419539762326, -0.9667300188063758, 0.38382965494107424],
        [[1.1665862113876586, -0.8179491787478936], [-0.3348589639501701, 2.130196664426512]],
    ],
    "rmsprop+clipnorm": [
        [-0.34126917421246633, -0.9500438499939718, 0.27345639254663184],
        [[1.111695327912603, -0.7748247945948007], [-0.3270360498676723, 2.083535042141619]],
    ],
    "rmsprop+clipvalue": [
        [-0.3861256932512573, -1.0182364208759604, 0.33905468133720407],
        [[1.189981665140892, -0.862978395113404], [-0.32157777963866774, 1.9521151856911652]],
    ],
    "rmsprop+exponential_decay": [
        [-0.27316675379254374, -0.961421634160554, 0.3407304478183074],
        [[1.25875256140626, -0.7772705529845635], [-0.3612796979109497, 2.191746655921326]],
    ],
    "rmsprop+float64_schedule": [
        [-0.15728998839488087, -1.046172844210694, 0.3613939898240383],
        [[1.431909231767851, -0.7562047575600344], [-0.30967666455081744, 2.269068893725616]],
    ],
    "rmsprop_momentum": [
        [-1.6287932891830081, 0.8376380050910632, -1.1841819162192015],
        [[1.567451685967294, -1.4910661861073473], [-2.067058884940905, 3.017434787028741]],
    ],
    "rmsprop_momentum+clipnorm": [
        [-1.6575361208975492, 0.8387222826907137, -1.4561918548426789],
        [[1.4496358142785526, -1.385447274267134], [-2.0742963766522102, 2.9224016274001388]],
    ],
    "rmsprop_momentum+clipvalue": [
        [-1.7494097180065002, 0.5776293708976481, -1.374250259609599],
        [[1.526152068811512, -1.7641382201431428], [-1.8892054536279126, 2.5463334323201607]],
    ],
    "rmsprop_momentum+exponential_decay": [
        [-1.5046695476081593, 0.7272492850310925, -1.1410923889346614],
        [[1.7588499258366062, -1.4278961496157823], [-1.996211890398745, 3.0989103197546526]],
    ],
    "rmsprop_momentum+float64_schedule": [
        [-1.2771274793876493, 0.318082723420024, -0.8746657861492371],
        [[2.1834773463454242, -1.4977902070200517], [-1.654170987477737, 3.2069564555012953]],
    ],
    "rmsprop_centered": [
        [-0.861059321194343, -0.24421646238959074, -0.23453925234754097],
        [[1.2519352543545177, -1.083218214797036], [-1.001145499970113, 2.4220970022326838]],
    ],
    "rmsprop_centered+clipnorm": [
        [-0.866849654538775, -0.24786876376287176, -0.4304759303817453],
        [[1.1703805076835407, -1.0069706488739507], [-0.9961833816762473, 2.35623895430218]],
    ],
    "rmsprop_centered+clipvalue": [
        [-0.9209507164347772, -0.3782038402997494, -0.3472129919164764],
        [[1.285498232003469, -1.2378691544935596], [-0.920287291767513, 2.1421653186428045]],
    ],
    "rmsprop_centered+exponential_decay": [
        [-0.7479522644052734, -0.3019202923130935, -0.2346504404162315],
        [[1.3864766265653694, -1.020527306199598], [-0.9780002684963455, 2.4945849594847043]],
    ],
    "rmsprop_centered+float64_schedule": [
        [-0.5604446202584102, -0.5436681737106626, -0.09215273401223911],
        [[1.6664081359120846, -1.0108649493144313], [-0.7946526253912838, 2.584752389772135]],
    ],
    "adagrad": [
        [0.07539517140205294, -1.3831707668935385, 0.6349828167933677],
        [[1.2268858041291542, -0.575928583230027], [0.06895448170800487, 2.0452486640470577]],
    ],
    "adagrad+clipnorm": [
        [0.12152467432986017, -1.4235518397631217, 0.6250597034302487],
        [[1.2005533719905788, -0.5217819068959547], [0.10474206243297318, 2.019677679932564]],
    ],
    "adagrad+clipvalue": [
        [0.10128347441159753, -1.4082002669713882, 0.6598455167556029],
        [[1.2285145478722082, -0.5840878434991106], [0.08492416336708472, 1.9767651602018077]],
    ],
    "adagrad+exponential_decay": [
        [0.09786961446445921, -1.3814554527737757, 0.6234590974847128],
        [[1.2537592320826445, -0.5642892143025628], [0.0606787440110851, 2.0625688683224577]],
    ],
    "adagrad+float64_schedule": [
        [0.1322334567260043, -1.4061478723634497, 0.6308714577203224],
        [[1.3047601357677723, -0.5592988466056432], [0.07508519395484546, 2.084516046682099]],
    ],
    "adadelta": [
        [0.24964346110365243, -1.4997713075542733, 0.749850235241109],
        [[1.2498820806769901, -0.5002129192204111], [0.12483948061622896, 2.000011706705441]],
    ],
    "adadelta+clipnorm": [
        [0.2496374437986598, -1.4997463392575707, 0.7497852361531211],
        [[1.249837113714253, -0.5001767755545758], [0.12484227717586875, 1.99997366893038]],
    ],
    "adadelta+clipvalue": [
        [0.2496104148501733, -1.4997941052871844, 0.7498624172147281],
        [[1.2498784929220719, -0.500208013892447], [0.12484202610895802, 1.9998511400548704]],
    ],
    "adadelta+exponential_decay": [
        [0.2497042598604543, -1.499748004632677, 0.7498143652388598],
        [[1.249944158077597, -0.5001699634279869], [0.12479613581629137, 2.0000546535163584]],
    ],
    "adadelta+float64_schedule": [
        [0.2497935592370103, -1.4997812942051822, 0.7498176922065578],
        [[1.250056139286922, -0.5001244766615609], [0.12479902197064696, 2.0001088792168082]],
    ],
    "adamax": [
        [-0.02015198363392428, -1.2511806780849153, 0.45433892208626886],
        [[1.3367288211152977, -0.5958215579772023], [-0.08422996533213166, 2.1826098557920175]],
    ],
    "adamax+clipnorm": [
        [-0.020375523597936804, -1.256409333109857, 0.4067626234189245],
        [[1.3232526844312342, -0.570830266211291], [-0.0821044617226823, 2.1682828681222768]],
    ],
    "adamax+clipvalue": [
        [-0.07621135987942584, -1.211239173977882, 0.40095045638577737],
        [[1.32347733205053, -0.7090044752492155], [-0.0788779494800954, 2.094655613584354]],
    ],
    "adamax+exponential_decay": [
        [0.017702785437420168, -1.2810937654353238, 0.4940313770696915],
        [[1.3468423889025216, -0.5892450567342653], [-0.06437684850044799, 2.168503732600384]],
    ],
    "adamax+float64_schedule": [
        [0.0888319962885365, -1.3440954365420206, 0.5777139308878396],
        [[1.3546351653938278, -0.589293825937128], [-0.018424412025428192, 2.1334234349479897]],
    ],
    "nadam": [
        [0.016475611629893423, -1.300264381028798, 0.5944121282369693],
        [[1.2280423473449518, -0.6120105478015425], [-0.04169422163208772, 2.066354514362633]],
    ],
    "nadam+clipnorm": [
        [0.02270018942079232, -1.2928341209696261, 0.5562365974214937],
        [[1.207250489780026, -0.5926726144992384], [-0.03840796567669612, 2.047495136030244]],
    ],
    "nadam+clipvalue": [
        [0.011654536616124929, -1.3122004719473206, 0.585117108127047],
        [[1.2399188106888563, -0.6423269905701336], [-0.03741751490134776, 1.993412862623752]],
    ],
    "nadam+exponential_decay": [
        [0.05096091766300145, -1.3045497308072496, 0.5893563618458475],
        [[1.2596051899426552, -0.5970516787738991], [-0.04705757966965198, 2.081936743571982]],
    ],
    "nadam+float64_schedule": [
        [0.10395368011815019, -1.3423285920188281, 0.6105337472232771],
        [[1.3155184839380243, -0.588275327853439], [-0.024012145429106922, 2.0983549339394503]],
    ],
    "lion": [
        [-0.05000000447034836, -1.3999999985098839, 0.6499999985098839],
        [[1.1499999985098839, -0.6000000014901161], [0.02499999850988388, 1.8999999985098839]],
    ],
    "lion+clipnorm": [
        [-0.05000000447034836, -1.3999999985098839, 0.6499999985098839],
        [[1.1499999985098839, -0.6000000014901161], [0.02499999850988388, 1.8999999985098839]],
    ],
    "lion+clipvalue": [
        [-0.05000000447034836, -1.3999999985098839, 0.6499999985098839],
        [[1.1499999985098839, -0.6000000014901161], [0.02499999850988388, 1.8999999985098839]],
    ],
    "lion+exponential_decay": [
        [0.007893674075603485, -1.3822002336382866, 0.6145255193114281],
        [[1.1902189627289772, -0.5978936776518822], [0.007200233638286591, 1.9578936770558357]],
    ],
    "lion+float64_schedule": [
        [0.08833333333333333, -1.3783333333333334, 0.6116666666666667],
        [[1.2716666666666665, -0.5883333333333333], [0.0033333333333333236, 2.0383333333333336]],
    ],
    "adam+global_clipnorm": [
        [-0.09467233771618322, -1.1816319357250147, 0.3748529099027086],
        [[1.2966852113562812, -0.5670633818040187], [-0.14331277676423096, 2.205184370979769]],
    ],
    "sgd_momentum+global_clipnorm": [
        [0.13059120378975816, -1.409430099788866, 0.562374156913779],
        [[1.211493378311621, -0.5022969207362198], [0.06610797737612986, 2.0895120890730228]],
    ],
    "adam+callable": [
        [0.009799955388576434, -1.2743263440644446, 0.4945475014792087],
        [[1.3005081340888058, -0.5690150615512171], [-0.0602562393077417, 2.1553711206590287]],
    ],
    "adam+ema": [
        [0.11182274102346874, -1.3634122616402369, 0.6092996353204463],
        [[1.3503765482136632, -0.5982657366689229], [-0.0036763853216254675, 2.1177518230031707]],
    ],
    "nadam+loss_scale": [
        [0.016475678284134987, -1.3002645237260442, 0.5944121538332601],
        [[1.2280423529457625, -0.6120104917265232], [-0.04169376718015273, 2.0663545083512433]],
    ],
    "sgd+weight_decay": [
        [0.0574831183059569, -1.428681494353916, 0.6163578616922092],
        [[1.1312002124799208, -0.5524395948041176], [0.12386914888446873, 2.008477905156628]],
    ],
    "adagrad+initial_accumulator_value": [
        [0.0920745113308655, -1.4115903728859032, 0.641698127309209],
        [[1.2228551030658432, -0.5581970572487113], [0.08468773087392632, 2.0427459036992635]],
    ],
    "adam+betas": [
        [-0.07411043959856115, -1.2044283895307883, 0.4391894989790355],
        [[1.2764422367015678, -0.6100072577932266], [-0.11023158913023826, 2.1650828109632276]],
    ],
    "adamax+betas": [
        [-0.013029734767376046, -1.2587782362613136, 0.47847213647547315],
        [[1.3043646659061292, -0.6093137566894493], [-0.07815260318725278, 2.1461124949435297]],
    ],
    "nadam+betas": [
        [-0.0006384634391168251, -1.2888795528613481, 0.5843439047559054],
        [[1.2211242104795654, -0.6181106671441811], [-0.04922092328063486, 2.0680062520040075]],
    ],
    "lion+betas": [
        [-0.05000000447034836, -1.3999999985098839, 0.44999999552965164],
        [[1.1499999985098839, -0.6000000014901161], [0.02499999850988388, 1.8999999985098839]],
    ],
}

# Float32 Nadam, whose ``1 - beta_1`` uses the cast beta_1 as in Keras (before: the exact Python value).
KERAS_FLOAT32_NADAM: dict[str, list[Any]] = {
    "nadam": [
        [0.016476305201649666, -1.300264835357666, 0.5944119691848755],
        [[1.2280420064926147, -0.6120108962059021], [-0.04169376939535141, 2.066354990005493]],
    ],
    "nadam+clipnorm": [
        [0.022700916975736618, -1.2928345203399658, 0.5562363862991333],
        [[1.2072505950927734, -0.5926728844642639], [-0.03840756416320801, 2.0474956035614014]],
    ],
}
