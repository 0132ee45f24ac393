"""``tf.linalg``: matrix products, inverses, decompositions and norms."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.clip_ops import global_norm as global_norm
from tapejax._src.ops.creation_ops import eye as eye
from tapejax._src.ops.linalg_ops import cholesky as cholesky
from tapejax._src.ops.linalg_ops import det as det
from tapejax._src.ops.linalg_ops import einsum as einsum
from tapejax._src.ops.linalg_ops import inv as inv
from tapejax._src.ops.linalg_ops import matmul as matmul
from tapejax._src.ops.linalg_ops import matrix_transpose as matrix_transpose
from tapejax._src.ops.linalg_ops import matrix_transpose as transpose  # noqa: F401 - TF alias
from tapejax._src.ops.linalg_ops import matvec as matvec
from tapejax._src.ops.linalg_ops import norm as norm
from tapejax._src.ops.linalg_ops import solve as solve
from tapejax._src.ops.linalg_ops import tensordot as tensordot


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.linalg", name)
