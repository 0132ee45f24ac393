"""User functions of a dataset (``map``, ``filter``, ``scan``, ...): traced once per element signature
and run compiled, as TF traces them (its ``StructuredFunctionWrapper``).

Its output structure and ``tf.TensorSpec`` come from an abstract trace on the input spec (nothing
runs), so that the dataset knows its ``element_spec`` when it is built, as in TF; a None dimension is
traced at two sizes and an output dimension that follows it becomes None. It then runs as one jitted
program per element signature: a pure function on the numpy components directly, one drawing random
numbers with the global generator's key threaded through, one touching Variables as a ``tf.function``
(which lifts them). A function XLA cannot compile (output shapes that depend on values, a Python
``if`` on a tensor) runs eagerly, op by op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from tapejax._src import errors
from tapejax._src.core import tape_state
from tapejax._src.data import structure
from tapejax._src.function import Function, _Discovery, lifted_states
from tapejax._src.ops.array_ops import convert_to_tensor
from tapejax._src.tensor import Tensor, TensorShape
from tapejax._src.tensor_spec import TensorSpec


def call_with_element(fn: Callable[..., Any], element: Any) -> Any:
    """``fn`` of one element: a tuple is spread over the arguments, anything else is one argument (TF's rule)."""
    return fn(*element) if type(element) is tuple else fn(element)


def _normalize_output(out: Any, what: str) -> Any:
    """TF's treatment of a function's return value: a top-level list is a tuple, components become Tensors."""
    if isinstance(out, list):
        out = tuple(out)
    if out is None:
        raise TypeError(f"{what}: the function returned None; a dataset function must return tensors.")

    def one(x: Any) -> Any:
        if x is None:
            raise TypeError(f"{what}: the function returned None in its result; a dataset element cannot hold None.")
        if isinstance(x, (str, bytes)):
            raise TypeError(f"{what}: tapejax has no string tensors, got {x!r}.")
        from tapejax._src.data.dataset import Dataset

        if isinstance(x, Dataset):
            raise TypeError(f"{what}: the function returned a Dataset; use flat_map or interleave for that.")
        return convert_to_tensor(x)

    return structure.map_structure(one, out)


class StructuredFunction:
    """A user function on dataset elements: ``output_spec`` (a nested TensorSpec) and ``__call__``
    on flat numpy components, returning flat numpy components.

    Args:
      fn: the user's function; it receives the element as TF passes it (a tuple spread over the arguments).
      input_spec: the element's nested TensorSpec (or a tuple of them for extra leading arguments, e.g. scan's state).
      what: the method's name, for error messages.
      spread: whether a tuple input is spread over the arguments (False: ``fn(*input_spec)`` always).
    """

    def __init__(self, fn: Callable[..., Any], input_spec: Any, what: str, spread: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"{what}: expected a callable function, got {fn!r}.")
        self.fn = fn
        self.input_spec = input_spec
        self.what = what
        self._out_structure: Any = None

        def flat_fn(*flat: Any) -> tuple[Any, ...]:
            element = structure.pack(input_spec, flat)
            out = call_with_element(fn, element) if spread else fn(*element)
            out = _normalize_output(out, what)
            self._out_structure = out
            return tuple(structure.flatten(out))

        flat_fn.__name__ = getattr(fn, "__name__", "dataset_fn")
        self._flat_fn = flat_fn
        self._function = Function(flat_fn)
        self._eager = False
        try:
            self.output_spec, state = self._trace_specs()
        except _VALUE_DEPENDENT as e:
            if isinstance(e, TypeError) and not isinstance(e, _TRACER_ERRORS) and "concrete" not in str(e):
                raise
            # Output shapes that depend on values (tf.fill([x], x)) or Python control flow on tensors:
            # XLA cannot compile it, so it runs eagerly, op by op, as TF's AutoGraph-converted graph would.
            self._eager = True
            self.output_spec, state = self._eager_specs(), "variables"
        # A pure function is one jitted program per input signature, called straight on the numpy
        # components (JAX's C++ dispatch moves them; tf.function's per-call bookkeeping would cost more
        # than the work); one that draws random numbers takes and returns the global generator's key
        # too. One that touches Variables runs as a tf.function (which lifts them). Calls that update
        # shared state take turns when parallel map threads make them.
        self._lock: threading.Lock | None = threading.Lock() if state != "pure" else None
        self._jitted = jax.jit(self._pure) if state == "pure" else None
        self._jitted_rng = jax.jit(self._pure_rng) if state == "random" else None
        # Its own random stream (TF gives a dataset function's random ops their own seeds): a prefetch
        # thread never touches the global generator, which a tf.function being traced on the main
        # thread swaps for a symbolic key. Seeded from tf.random.set_seed when set.
        self._rng = _own_stream() if state == "random" else None
        self._batched = (
            jax.jit(jax.vmap(self._pure))
            if state == "pure"
            else jax.jit(self._pure_rng_batch)
            if state == "random"
            else None
        )

    @property
    def pure(self) -> bool:
        """Whether the function is one compiled program whose calls touch no Variable (at most its own
        random stream): calls may run ahead of the consumer, and a batch of them be vectorised."""
        return self._jitted is not None or self._jitted_rng is not None

    def dispatch(self, flat: structure.Flat) -> Any:
        """Starts a compiled call without waiting for it (JAX dispatches asynchronously; a random
        stream's next key is itself a pending result); :meth:`result` waits. Other functions run to
        completion here."""
        if self._jitted is not None:
            return self._jitted(*flat)
        if self._jitted_rng is not None:
            rng = self._rng
            with self._lock:  # type: ignore[union-attr]
                rng._value, outs = self._jitted_rng(rng._value, *flat)  # type: ignore[union-attr]
            return outs
        return self(flat)

    @staticmethod
    def result(handle: Any) -> structure.Flat:
        """The numpy components of a :meth:`dispatch` call."""
        return tuple(np.asarray(o) for o in handle)

    def call_batch(self, stacked: structure.Flat) -> structure.Flat | None:
        """A pure function of every element of a stacked batch in ONE compiled call (``jax.vmap``),
        the outputs stacked as ``batch`` would stack them; None where it cannot be vectorised (then
        the caller maps element by element, and later batches do too)."""
        if self._batched is None:
            return None
        try:
            if self._rng is None:
                return tuple(np.asarray(o) for o in self._batched(*stacked))
            rng = self._rng
            with self._lock:  # type: ignore[union-attr]
                rng._value, outs = self._batched(rng._value, *stacked)
            return tuple(np.asarray(o) for o in outs)
        except Exception:  # an op without a batching rule: element by element, as before
            self._batched = None
            return None

    def _pure_rng_batch(self, key: Any, *stacked: Any) -> tuple[Any, tuple[Any, ...]]:
        """A batch of calls of a function drawing random numbers: each element its own key, split
        from the stream's (so the draws differ from the element-by-element ones, with the same law)."""
        key, sub = jax.random.split(key)
        keys = jax.random.split(sub, stacked[0].shape[0])
        return key, jax.vmap(lambda k, *xs: self._pure_rng(k, *xs)[1])(keys, *stacked)

    def _trace_specs(self) -> tuple[Any, bool]:
        specs = structure.flatten(self.input_spec)
        unknown = any(s.shape.rank is None or None in s.shape.as_list() for s in specs)
        probes = [_probe(specs, 0)] + ([_probe(specs, 1)] if unknown else [])
        results = []
        first_error: BaseException | None = None
        used_random = used_variables = False
        for probe in probes:
            try:
                out, random_, variables = _abstract_call(self._flat_fn, probe)
            except Exception as e:
                if first_error is None:
                    first_error = e
                continue
            used_random, used_variables = used_random or random_, used_variables or variables
            results.append((self._out_structure, out))
        if not results:
            assert first_error is not None
            raise first_error
        out_structure, out = results[0]
        flat_specs = [TensorSpec(o.shape, o.dtype) for o in out]
        for _, other in results[1:]:
            if len(other) != len(out):
                raise ValueError(f"{self.what}: the function's output structure depends on its input shapes.")
            flat_specs = [
                structure.relax(s, TensorSpec(o.shape, o.dtype)) or s for s, o in zip(flat_specs, other, strict=True)
            ]
        if unknown and len(results) < len(probes):  # only one size traced: its dims are not to be trusted
            flat_specs = [
                TensorSpec(None if s.shape.rank is None else [None] * s.shape.rank, s.dtype) for s in flat_specs
            ]
        state = "variables" if used_variables else "random" if used_random else "pure"
        return structure.pack(out_structure, flat_specs), state

    def _pure(self, *arrays: Any) -> tuple[Any, ...]:
        saved = tape_state.tapes
        tape_state.tapes = [_Discovery()]  # type: ignore[list-item]  # nested tf.functions run inline
        try:
            return tuple(t._value for t in self._flat_fn(*[Tensor(a) for a in arrays]))
        finally:
            tape_state.tapes = saved

    def _pure_rng(self, key: Any, *arrays: Any) -> tuple[Any, tuple[Any, ...]]:
        states = lifted_states()
        saved = states[0]._value
        states[0]._value = key
        try:
            outs = self._pure(*arrays)
            return states[0]._value, outs
        finally:
            states[0]._value = saved

    def _eager_specs(self) -> Any:
        """Specs from eager runs on zeros and on ones of the probe shapes: dims that differ are None
        (all dims None where the run on ones fails)."""
        specs = structure.flatten(self.input_spec)
        runs = []
        for fill in (0, 1):
            try:
                outs = self._run_eagerly([np.full(p.shape, fill, p.dtype) for p in _probe(specs, 0)])
            except Exception:
                if fill == 0:
                    raise
                break
            runs.append([TensorSpec(o.shape, o.dtype) for o in outs])
        flat_specs = runs[0]
        if len(runs) == 2 and len(runs[1]) == len(flat_specs):
            flat_specs = [structure.relax(a, b) or a for a, b in zip(flat_specs, runs[1], strict=True)]
        else:
            flat_specs = [
                TensorSpec(None if s.shape.rank is None else [None] * s.shape.rank, s.dtype) for s in flat_specs
            ]
        return structure.pack(self._out_structure, flat_specs)

    def _run_eagerly(self, flat: Any) -> tuple[Any, ...]:
        saved = tape_state.tapes
        tape_state.tapes = []
        try:
            return self._flat_fn(*[Tensor(_to_device(a)) for a in flat])
        finally:
            tape_state.tapes = saved

    def __call__(self, flat: structure.Flat) -> structure.Flat:
        """Runs the compiled function on one element's components (no tape records it, as in TF)."""
        if self._jitted is not None:
            return tuple(np.asarray(o) for o in self._jitted(*flat))
        if self._jitted_rng is not None:
            return self.result(self.dispatch(flat))
        if self._eager:
            return tuple(np.asarray(o.numpy()) for o in self._run_eagerly(flat))
        saved = tape_state.tapes
        tape_state.tapes = []
        try:
            args = [Tensor(_to_device(a)) for a in flat]
            if self._lock is not None:
                with self._lock:
                    outs = self._function(*args)
            else:
                outs = self._function(*args)
        finally:
            tape_state.tapes = saved
        return tuple(np.asarray(o.numpy()) for o in outs)

    def call_structured(self, flat: structure.Flat) -> Any:
        """The output packed in the output spec's structure, as numpy arrays."""
        return structure.pack(self.output_spec, self(flat))


def _own_stream() -> Any:
    from tapejax._src.data.shuffling import op_seeds
    from tapejax._src.random_state import RandomState

    seeds = op_seeds(None)
    return RandomState(None if seeds is None else (seeds[0] * 1_000_003 + seeds[1]) % 2**62)


_TRACER_ERRORS = (
    errors.OperatorNotAllowedInGraphError,
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
    jax.errors.TracerBoolConversionError,
)
_VALUE_DEPENDENT = (*_TRACER_ERRORS, TypeError)


def _to_device(a: np.ndarray) -> Any:
    from tapejax._src.tensor import convert_python

    return convert_python(a, None)


def _probe(specs: list[TensorSpec], which: int) -> list[Any]:
    """Abstract values standing in for ``specs`` (``structure.probe_dims``)."""
    return [jax.ShapeDtypeStruct(tuple(structure.probe_dims(s.shape, which)), s.dtype._np) for s in specs]


def _abstract_call(flat_fn: Callable[..., Any], probe: list[Any]) -> tuple[list[Any], bool, bool]:
    """Traces ``flat_fn`` on abstract values (nothing runs; JAX's ``eval_shape``), leaving every
    Variable and the global random state as they were; whether it drew random numbers, and whether it
    touched Variables.

    tf.data calls JAX directly only to trace and compile element functions (this module) and to move
    elements into arrays (``device.py``), as ``tf.function`` does.
    """
    states = lifted_states()
    saved_states = [s._value for s in states]
    discovery = _Discovery()
    saved_tapes = tape_state.tapes
    tape_state.tapes = [discovery]  # type: ignore[list-item]
    used_random = False
    try:
        out = jax.eval_shape(lambda *xs: tuple(t._value for t in flat_fn(*[Tensor(x) for x in xs])), *probe)
        used_random = any(s._value is not v for s, v in zip(states, saved_states, strict=True))
    finally:
        tape_state.tapes = saved_tapes
        for k, v in discovery.variables.items():
            v._value = discovery.originals[k]
        for s, v in zip(states, saved_states, strict=True):
            s._value = v
    return list(out), used_random, bool(discovery.variables)


def scalar_bool(spec: Any, what: str) -> None:
    """TF's ValueError unless a predicate's output spec is one scalar bool."""
    if not isinstance(spec, TensorSpec) or spec.dtype._np != np.bool_ or spec.shape != TensorShape([]):
        raise ValueError(
            f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but its return type is {spec}."
        )
