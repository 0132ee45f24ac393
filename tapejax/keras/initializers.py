"""``tf.keras.initializers``: Keras 3.15's initializers, ``get``, ``serialize`` and ``deserialize``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.initializers import STFT as STFT
from tapejax._src.keras.initializers import Constant as Constant
from tapejax._src.keras.initializers import GlorotNormal as GlorotNormal
from tapejax._src.keras.initializers import GlorotUniform as GlorotUniform
from tapejax._src.keras.initializers import HeNormal as HeNormal
from tapejax._src.keras.initializers import HeUniform as HeUniform
from tapejax._src.keras.initializers import Identity as Identity
from tapejax._src.keras.initializers import Initializer as Initializer
from tapejax._src.keras.initializers import LecunNormal as LecunNormal
from tapejax._src.keras.initializers import LecunUniform as LecunUniform
from tapejax._src.keras.initializers import Ones as Ones
from tapejax._src.keras.initializers import Orthogonal as Orthogonal
from tapejax._src.keras.initializers import RandomNormal as RandomNormal
from tapejax._src.keras.initializers import RandomUniform as RandomUniform
from tapejax._src.keras.initializers import TruncatedNormal as TruncatedNormal
from tapejax._src.keras.initializers import VarianceScaling as VarianceScaling
from tapejax._src.keras.initializers import Zeros as Zeros
from tapejax._src.keras.initializers import deserialize as deserialize
from tapejax._src.keras.initializers import get as get
from tapejax._src.keras.initializers import serialize as serialize

# Keras exports each class under its snake_case name too (the same class), and three old names.
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
STFTInitializer = STFT
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
stft = STFT
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.initializers", name)
