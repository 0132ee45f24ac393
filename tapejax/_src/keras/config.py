"""``tf.keras.config``: Keras 3.15's global switches (backend name, dtype policy, safe deserialization,
interactive logging, traceback filtering); floatx, epsilon and the image data format live in ``backend``."""

from __future__ import annotations

from typing import Any

from tapejax._src.keras import backend as backend_lib


def backend() -> str:
    """The name of the Keras backend: ``"tensorflow"``, what ``tf.keras`` reports.

    >>> import tapejax as tf
    >>> tf.keras.config.backend()
    'tensorflow'

    Differences from TensorFlow: tapejax computes with JAX, but it reports ``"tensorflow"``: it implements
    ``tf.keras``'s semantics (the TF backend's), which is what scripts testing the backend name expect.
    """
    return "tensorflow"


def set_dtype_policy(policy: Any) -> None:
    """Sets the dtype policy of the layers created afterwards without a ``dtype`` (a name or ``DTypePolicy``).

    Raises:
      ValueError: for a value neither a string nor a ``DTypePolicy`` (Keras' message), an unknown name,
        or a mixed-precision policy (``"mixed_float16"``, ``"mixed_bfloat16"``), which tapejax lacks.

    Differences from Keras: the mixed-precision and quantized policies are not supported (ValueError).
    """
    from tapejax._src.keras.layers.layer import DTypePolicy

    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError(
                "Invalid `policy` argument. Expected the string name of a policy (such as 'mixed_float16') or a "
                f"`DTypePolicy` instance. Received: policy={policy} (of type {type(policy)})"
            )
        if not policy.startswith("mixed_"):
            try:
                backend_lib.standardize_dtype(policy)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Cannot convert '{policy}' to a mixed precision DTypePolicy. Valid policies include "
                    "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'."
                ) from None
        policy = DTypePolicy(policy)
    backend_lib._settings.dtype_policy = policy


def dtype_policy() -> Any:
    """The default dtype policy: the one ``set_dtype_policy`` set, else ``DTypePolicy(floatx())``.

    Differences from Keras: Keras fixes ``DTypePolicy(floatx())`` as the global policy the first time it is
    read (when the first layer is created), so a later ``set_floatx`` no longer changes new layers' weights
    until ``clear_session()``; in tapejax, without ``set_dtype_policy``, new layers follow the current
    ``floatx()``.
    """
    from tapejax._src.keras.layers.layer import DTypePolicy

    policy = backend_lib._settings.dtype_policy
    return DTypePolicy(backend_lib.floatx()) if policy is None else policy


def enable_unsafe_deserialization() -> None:
    """Lets ``Lambda`` layers load serialized Python lambdas (bytecode) when no ``safe_mode`` is passed."""
    backend_lib._settings.safe_mode = False


def in_safe_mode() -> bool | None:
    """The session's safe mode: False after ``enable_unsafe_deserialization()``, else None (unset)."""
    return backend_lib._settings.safe_mode


def enable_interactive_logging() -> None:
    """Keras' messages (progress bars, callbacks' messages) go to stdout (the default)."""
    backend_lib._settings.interactive_logging = True


def disable_interactive_logging() -> None:
    """Keras' messages go to ``absl.logging`` (INFO) instead of stdout."""
    backend_lib._settings.interactive_logging = False


def is_interactive_logging_enabled() -> bool:
    """Whether Keras' messages go to stdout (True, the default) or to ``absl.logging``."""
    value = backend_lib._settings.interactive_logging
    return True if value is None else value


def enable_traceback_filtering() -> None:
    """Turns traceback filtering on (the default).

    Differences from Keras: accepted and recorded, but tapejax does not filter tracebacks.
    """
    backend_lib._settings.traceback_filtering = True


def disable_traceback_filtering() -> None:
    """Turns traceback filtering off (tapejax's tracebacks are never filtered)."""
    backend_lib._settings.traceback_filtering = False


def is_traceback_filtering_enabled() -> bool:
    """Whether traceback filtering is on (True by default; tapejax records it, filtering nothing)."""
    value = backend_lib._settings.traceback_filtering
    return True if value is None else value


def set_max_epochs(max_epochs: int | None) -> None:
    """Caps the epochs of every ``fit`` (a debugging aid; None: no cap; also ``KERAS_MAX_EPOCHS``)."""
    backend_lib._globals["max_epochs"] = max_epochs


def max_epochs() -> int | None:
    """The cap ``set_max_epochs`` or ``KERAS_MAX_EPOCHS`` set, or None."""
    return backend_lib._globals["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Caps the steps of each epoch of ``fit``, ``evaluate`` and ``predict`` (None: no cap; also
    ``KERAS_MAX_STEPS_PER_EPOCH``)."""
    backend_lib._globals["max_steps_per_epoch"] = max_steps_per_epoch


def max_steps_per_epoch() -> int | None:
    """The cap ``set_max_steps_per_epoch`` or ``KERAS_MAX_STEPS_PER_EPOCH`` set, or None."""
    return backend_lib._globals["max_steps_per_epoch"]


def enable_flash_attention() -> None:
    """Lets attention layers use flash attention (the default; Keras records None, "not disabled").

    Differences from Keras: recorded only; tapejax's attention layers compute plain attention.
    """
    backend_lib._settings.flash_attention = None


def disable_flash_attention() -> None:
    """Keeps attention layers from using flash attention (tapejax's never do)."""
    backend_lib._settings.flash_attention = False


def is_flash_attention_enabled() -> bool | None:
    """False after ``disable_flash_attention()``, else None (enabled where supported), as Keras."""
    return backend_lib._settings.flash_attention


def is_nnx_enabled() -> bool:
    """False: Flax NNX integration is a feature of Keras' JAX backend, which ``tf.keras`` is not."""
    return False
