"""``tf.linalg``: matrix products, inverses, decompositions and norms."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.clip_ops import global_norm as global_norm
from tapejax._src.ops.creation_ops import eye as eye
from tapejax._src.ops.decomposition_ops import eig as eig
from tapejax._src.ops.decomposition_ops import eigh as eigh
from tapejax._src.ops.decomposition_ops import eigvals as eigvals
from tapejax._src.ops.decomposition_ops import eigvalsh as eigvalsh
from tapejax._src.ops.decomposition_ops import logdet as logdet
from tapejax._src.ops.decomposition_ops import lu as lu
from tapejax._src.ops.decomposition_ops import lu_matrix_inverse as lu_matrix_inverse
from tapejax._src.ops.decomposition_ops import lu_reconstruct as lu_reconstruct
from tapejax._src.ops.decomposition_ops import lu_solve as lu_solve
from tapejax._src.ops.decomposition_ops import matrix_rank as matrix_rank
from tapejax._src.ops.decomposition_ops import pinv as pinv
from tapejax._src.ops.decomposition_ops import qr as qr
from tapejax._src.ops.decomposition_ops import slogdet as slogdet
from tapejax._src.ops.decomposition_ops import svd as svd
from tapejax._src.ops.diag_ops import band_part as band_part
from tapejax._src.ops.diag_ops import diag as diag
from tapejax._src.ops.diag_ops import diag_part as diag_part
from tapejax._src.ops.diag_ops import set_diag as set_diag
from tapejax._src.ops.diag_ops import tensor_diag as tensor_diag
from tapejax._src.ops.diag_ops import tensor_diag_part as tensor_diag_part
from tapejax._src.ops.diag_ops import trace as trace
from tapejax._src.ops.linalg_more_ops import eigh_tridiagonal as eigh_tridiagonal
from tapejax._src.ops.linalg_more_ops import logm as logm
from tapejax._src.ops.linalg_more_ops import sqrtm as sqrtm
from tapejax._src.ops.linalg_ops import adjoint as adjoint
from tapejax._src.ops.linalg_ops import banded_triangular_solve as banded_triangular_solve
from tapejax._src.ops.linalg_ops import cholesky as cholesky
from tapejax._src.ops.linalg_ops import cholesky_solve as cholesky_solve
from tapejax._src.ops.linalg_ops import cross as cross
from tapejax._src.ops.linalg_ops import det as det
from tapejax._src.ops.linalg_ops import einsum as einsum
from tapejax._src.ops.linalg_ops import expm as expm
from tapejax._src.ops.linalg_ops import inv as inv
from tapejax._src.ops.linalg_ops import lstsq as lstsq
from tapejax._src.ops.linalg_ops import matmul as matmul
from tapejax._src.ops.linalg_ops import matrix_transpose as matrix_transpose
from tapejax._src.ops.linalg_ops import matrix_transpose as transpose  # noqa: F401 - TF alias
from tapejax._src.ops.linalg_ops import matvec as matvec
from tapejax._src.ops.linalg_ops import norm as norm
from tapejax._src.ops.linalg_ops import normalize as normalize
from tapejax._src.ops.linalg_ops import solve as solve
from tapejax._src.ops.linalg_ops import tensordot as tensordot
from tapejax._src.ops.linalg_ops import triangular_solve as triangular_solve
from tapejax._src.ops.linalg_ops import tridiagonal_matmul as tridiagonal_matmul
from tapejax._src.ops.linalg_ops import tridiagonal_solve as tridiagonal_solve
from tapejax._src.ops.segment_ops import l2_normalize as l2_normalize


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.linalg", name)
