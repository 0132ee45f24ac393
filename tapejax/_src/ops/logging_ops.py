"""``tf.print``: prints tensors' values when the program runs, eagerly, in ``tf.function`` and in gradients.

The text is TF's (``tf.strings.format``'s template over the inputs, each tensor summarized by TF's
``Tensor::SummarizeValue``). The writing goes through ``jax.debug.callback(..., ordered=True)``:
eagerly JAX calls it at once; under a JAX trace (``tf.function``, a custom gradient's backward
function, ``jax.jit``) it becomes part of the compiled program and runs, in program order, every
time that program runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pprint
import random
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from tapejax._src import lazy
from tapejax._src.core import TensorBase, VariableBase

_FILE_PREFIX = "file://"

# The logging levels TF's tf.print takes (its tf.logging ones are the standard library's).
_LOG_LEVELS: dict[Any, int] = {
    logging.INFO: logging.INFO,
    logging.info: logging.INFO,
    logging.WARNING: logging.WARNING,
    logging.warning: logging.WARNING,
    logging.ERROR: logging.ERROR,
    logging.error: logging.ERROR,
}
if hasattr(logging, "warn"):  # (deprecated alias, still accepted by TF)
    _LOG_LEVELS[logging.warn] = logging.WARNING

# What prints at a logging level: the Python logger of this name.
_logger = logging.getLogger("tapejax")


def print(  # noqa: A001 - TF's name
    *inputs: Any,
    output_stream: Any = None,
    summarize: int | None = 3,
    sep: str = " ",
    end: str = os.linesep,
    name: str | None = None,
    **kwargs: Any,
) -> None:
    """Prints ``inputs`` when the program runs (``tf.print``), in TF's format.

    Tensors (and Variables) print their values, Python values their ``pprint`` text, a top-level
    string as it is; nested lists, tuples and dicts print as Python prints them, with each tensor's
    values in place. Eagerly the values print at once. Inside ``tf.function`` and inside a custom
    gradient's backward function (any JAX trace) they print every time the compiled program runs,
    in program order, not while it is traced (Python's ``print`` of a tensor there shows its
    symbolic form, ``Tensor("traced:0", shape=(), dtype=float32)``, once, while it is traced).

    Args:
      *inputs: Tensors, Variables, Python values, and nests (lists, tuples, namedtuples, dicts) of them.
      output_stream: ``sys.stderr`` (the default, also what ``None`` means), ``sys.stdout``, a logging
        level of the standard library (``logging.INFO``, ``logging.WARNING``, ``logging.ERROR``, or
        ``logging.info``, ``logging.warning``, ``logging.error``) or ``"file://<path>"`` (appended to).
      summarize: how many elements to print at each end of every dimension of a tensor, with
        ``...`` between; ``-1`` (or any negative) prints every element; ``None`` means 3.
      sep: the text between inputs.
      end: the text after the last input.
      name: ignored (TF's op name).

    Returns:
      None.

    Raises:
      ValueError: for an output stream not listed above, or an unknown keyword argument.

    >>> import sys
    >>> import tapejax as tf
    >>> tf.print("x:", tf.constant([[1.5, 2.0], [3.0, 4.0]]), output_stream=sys.stdout)
    x: [[1.5 2]
     [3 4]]
    >>> tf.print(tf.range(10), {"n": 3, "w": tf.constant([1.0, 0.5])}, output_stream=sys.stdout)
    [0 1 2 ... 7 8 9] {'n': 3, 'w': [1 0.5]}
    >>> @tf.function
    ... def double(x):
    ...     tf.print("double of", x, output_stream=sys.stdout)
    ...     return x * 2
    >>> _ = double(tf.constant(2.0))
    double of 2
    >>> _ = double(tf.constant(3.0))
    double of 3

    Differences from TensorFlow:
      * ``sys.stdout`` and ``sys.stderr`` mean Python's stream objects as they are when the print
        runs (so ``contextlib.redirect_stdout``, pytest's ``capsys`` and notebooks see the text);
        TF's C++ kernel writes to the process's file descriptors.
      * Returns ``None`` inside ``tf.function`` too (TF returns the print Operation, used only in
        TF1 graphs for control dependencies).
      * A logging level prints through the Python logger ``"tapejax"`` (TF's C++ logging writes to
        stderr directly); TF's ``tf.compat.v1.logging`` and absl's levels do not exist in tapejax.
      * An ``OrderedDict`` or ``defaultdict`` prints each tensor under its own key (TF takes the
        tensors in sorted key order but prints the keys in insertion order, so values can land under
        the wrong keys).
      * Strings inside tensors do not exist in tapejax, so there is no quoted string element.
      * Under ``jax.vmap`` (``jacobian``'s vectorised backward pass) JAX calls the print once per
        batch element.
      * Not yet as TF (expected failures in ``tests/test_print.py``): the first call of a
        ``tf.function`` that discovers Variables runs its program twice, and the gradient of a
        ``tf.function`` runs its forward program again, and their prints with them.
    """
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    write = _writer(output_stream, end)
    n = 3 if summarize is None else int(summarize)
    parts, tensors = _template(inputs, sep)

    def emit(*values: Any) -> None:
        pieces = [parts[0]]
        for v, part in zip(values, parts[1:], strict=True):
            pieces.append(_summarize(np.asarray(v), n))
            pieces.append(part)
        write("".join(pieces))

    # Eagerly: queued ops (lazy.py) run first, so that what they print comes before this, in program order.
    lazy.flush()
    jax.debug.callback(emit, *[t._value for t in tensors], ordered=True)


# -- the template: TF's pformat of each input, tensors replaced by a placeholder ------------------------
def _template(inputs: tuple[Any, ...], sep: str) -> tuple[list[str], list[Any]]:
    """The text around the tensors (``len(tensors) + 1`` pieces) and the tensors, in text order."""
    tensor_free = " ".join(pprint.pformat(_replace(x, lambda _: "", []), sort_dicts=False) for x in inputs)
    placeholder = _placeholder_not_in(tensor_free)
    templates = []
    tensors: list[Any] = []
    for x in inputs:
        if isinstance(x, str):
            templates.append(x)  # a top-level string is its own template, as TF's
        else:
            templates.append(pprint.pformat(_replace(x, lambda _: placeholder, tensors), sort_dicts=False))
    # A placeholder pformat put inside a list or dict is quoted; the tensor's text is not.
    template = sep.join(templates).replace(repr(placeholder), placeholder)
    parts = template.split(placeholder)
    if len(parts) != len(tensors) + 1:  # (a string split across pformat's lines by chance)
        raise ValueError(
            f"tf.print: could not place {len(tensors)} tensors in the printed text {template!r}. "
            "Fix: print the tensors and the long strings in separate arguments."
        )
    return parts, tensors


def _placeholder_not_in(text: str) -> str:
    """TF's placeholder: ``{}``, with pseudo-random digits (seed 5) appended until ``text`` lacks it."""
    placeholder = "{}"
    rng = random.Random(5)
    while placeholder in text:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def _replace(x: Any, mark: Callable[[Any], str], tensors: list[Any]) -> Any:
    """``x`` with each tensor replaced by ``mark(tensor)`` and appended to ``tensors``.

    Dict keys are put in pprint's (sorted) order here and pprint is told not to sort, so that the
    tensors are listed in the order their texts appear in.
    """
    if isinstance(x, (TensorBase, VariableBase)):
        tensors.append(x)
        return mark(x)
    if type(x) in (list, tuple):
        return type(x)(_replace(e, mark, tensors) for e in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple
        return type(x)(*[_replace(e, mark, tensors) for e in x])
    if isinstance(x, dict):
        keys = list(x)
        if type(x).__repr__ is dict.__repr__:  # pprint sorts these (an OrderedDict's repr keeps its order)
            with contextlib.suppress(TypeError):  # (keys of several types: kept in insertion order)
                keys = sorted(keys)
        items = [(k, _replace(x[k], mark, tensors)) for k in keys]
        if isinstance(x, defaultdict):
            return type(x)(x.default_factory, items)
        return type(x)(items)
    return x


# -- one tensor's text: TF's Tensor::SummarizeValue(summarize, print_v2=true) -----------------------------
def _summarize(a: np.ndarray, summarize: int) -> str:
    """TF's text of one tensor's values: at most ``summarize`` elements at each end of each dimension."""
    num = a.size
    limit = num if summarize < 0 else min(summarize, num)
    truncated = 0 <= summarize < num
    kind = a.dtype.kind
    if kind == "c":  # TF has no element printer for complex numbers
        text = " ".join(["?"] * limit) + ("..." if truncated else "")
        return f"[{text}]" if a.ndim else text
    if kind == "b" and limit == 0:
        return ""  # (TF reads no bool data then, and prints nothing)
    element = _element_printer(a.dtype)
    flat = a.reshape(-1)
    if a.ndim == 0:
        return (element(flat[0]) if limit else "") + ("..." if truncated else "")
    out: list[str] = []
    _dim(out, a.shape, 0, limit, flat, 0, element)
    return "".join(out)


def _dim(out: list[str], shape: tuple[int, ...], d: int, ends: int, flat: np.ndarray, start: int, element: Any) -> None:
    """Appends dimension ``d`` (from element ``start``): its first and last ``ends`` entries, ``...`` between."""
    if d == len(shape):
        out.append(element(flat[start]))
        return
    out.append("[")
    count = shape[d]
    stride = int(np.prod(shape[d + 1 :], dtype=np.int64))
    spacing = " " if d == len(shape) - 1 else "\n" * (len(shape) - d - 1) + " " * (d + 1)
    for i in range(min(ends, count)):
        if i > 0:
            out.append(spacing)
        _dim(out, shape, d + 1, ends, flat, start + stride * i, element)
    if count > 2 * ends:
        out.append(spacing + "...")
    for i in range(max(ends, count - ends), count):
        out.append(spacing)
        _dim(out, shape, d + 1, ends, flat, start + stride * i, element)
    out.append("]")


def _element_printer(dtype: np.dtype) -> Callable[[Any], str]:
    if dtype.kind in "iu":
        return lambda v: str(int(v))
    if dtype.kind == "b":
        return lambda v: "1" if v else "0"
    if dtype == np.float64:
        return _double_text
    return _float_text  # float32, and float16 / bfloat16, which TF prints as float32


def _float_text(v: Any) -> str:
    """TF's ``FloatToBuffer``: 6 significant digits if they read back as the same float32, else 9."""
    f = np.float32(v)
    if np.isnan(f):
        return "-nan" if np.signbit(f) else "nan"
    text = f"{float(f):.6g}"
    return text if np.float32(float(text)) == f else f"{float(f):.9g}"


def _double_text(v: Any) -> str:
    """TF's ``DoubleToBuffer``: 15 significant digits if they read back as the same double, else 17."""
    f = float(v)
    if np.isnan(f):
        return "-nan" if np.signbit(f) else "nan"
    text = f"{f:.15g}"
    return text if float(text) == f else f"{f:.17g}"


# -- where the text goes --------------------------------------------------------------------------------
def _writer(output_stream: Any, end: str) -> Callable[[str], None]:
    """The function that writes one printed text (plus ``end``), checked now, as TF checks it."""
    if output_stream is None or output_stream is sys.stderr:
        return lambda text: _write_stream(sys.stderr, text + end)  # the stream of when it runs
    if output_stream is sys.stdout:
        return lambda text: _write_stream(sys.stdout, text + end)
    if isinstance(output_stream, str) and output_stream.startswith(_FILE_PREFIX):
        path = output_stream[len(_FILE_PREFIX) :]
        return lambda text: _append(path, text + end)
    try:
        level = _LOG_LEVELS.get(output_stream)
    except TypeError:  # unhashable
        level = None
    if level is not None:
        return lambda text: _logger.log(level, (text + end).removesuffix(os.linesep))
    raise ValueError(
        f"tf.print: Unsupported output stream, logging level, or file: {output_stream!r}. Supported are "
        "sys.stdout, sys.stderr, logging.INFO / logging.WARNING / logging.ERROR (or logging.info, "
        "logging.warning, logging.error), and a file as 'file://<filepath>'."
    )


def _write_stream(stream: Any, text: str) -> None:
    stream.write(text)
    stream.flush()


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
