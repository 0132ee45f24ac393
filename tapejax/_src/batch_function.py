"""``tf.nondifferentiable_batch_function``: a decorator that runs a function as TF's batching op
would, one call at a time."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def nondifferentiable_batch_function(
    num_batch_threads: int,
    max_batch_size: int,
    batch_timeout_micros: int,
    allowed_batch_sizes: Any = None,
    max_enqueued_batches: int = 10,
    autograph: bool = True,
    enable_large_batch_splitting: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorates a function of Tensors so that its calls run compiled and without gradients
    (``tf.nondifferentiable_batch_function``).

    TF queues concurrent calls and runs them as one batch (concatenated along the first
    dimension); the results are the same as running each call alone, which is what tapejax does.
    The batching arguments are checked as TF checks them and otherwise only accepted.

    Raises:
      ValueError: an argument of the decorated function that is not a Tensor (TF's rule; a
        Variable must be read first), or ``allowed_batch_sizes`` not increasing up to
        ``max_batch_size``.

    Differences from TensorFlow: calls from several threads are not merged into one batch (a
    throughput optimisation of serving); TF has no gradient for it (``LookupError``), here the
    gradient through it is ``None``.

    >>> import tapejax as tf
    >>> @tf.nondifferentiable_batch_function(1, 4, 100000)
    ... def square(a):
    ...     return a * a
    >>> print(square(tf.constant([2.0])))
    tf.Tensor([4.], shape=(1,), dtype=float32)
    """
    if allowed_batch_sizes:
        sizes = list(allowed_batch_sizes)
        if sizes != sorted(set(sizes)) or sizes[-1] != max_batch_size:
            raise ValueError(
                "allowed_batch_sizes entries must be monotonically increasing and the final entry must equal "
                f"max_batch_size, got {sizes} and {max_batch_size}."
            )

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        from tapejax._src import nest
        from tapejax._src.custom_gradient import stop_gradient
        from tapejax._src.function import function
        from tapejax._src.tensor import Tensor

        compiled = function(fn)

        @functools.wraps(fn)
        def decorated(*args: Any) -> Any:
            for a in args:
                if not isinstance(a, Tensor):
                    raise ValueError(
                        f"All arguments to functions decorated with `batch_function`  are supposed to be Tensors; found {a!r}."
                    )
            return nest.map_structure(stop_gradient, compiled(*args))

        return decorated

    return decorator
