"""Input checks shared by every public entry point.

Each check raises before any work starts and names the parameter together
with its allowed values, so a caller sees at once what to change.

The checks are declared, not hand-written: a public function lists its
parameters' constraints in :func:`validate_params`, a frozen config dataclass
lists its fields' constraints in :func:`validate_fields`. Each constraint also
knows a few values it must reject (:meth:`Constraint.invalid_examples`), and
both decorators record their tables (``__rnnmem_params__``) in
:data:`REGISTRY`, so a single parametrised test can feed every bad value to
every parameter of every public function.

The ``check_*`` functions and :func:`as_generator` are thin wrappers for
checks that depend on other arguments and so cannot be declared up front.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import numbers
from types import MappingProxyType

import numpy as np

#: Every function and dataclass decorated by :func:`validate_params` or
#: :func:`validate_fields`, in the order their modules defined them.
REGISTRY: list = []


def _show(value) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"ndarray of dtype {value.dtype} and shape {value.shape}"
    if value is None or isinstance(value, (str, bytes, numbers.Number, np.generic)):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return type(value).__name__


class Constraint:
    """What a parameter accepts.

    Subclasses implement :meth:`describe`, :meth:`_check` and
    :meth:`invalid_examples`.
    """

    def describe(self) -> str:
        """The allowed values, as a phrase that completes "x must be ..."."""
        raise NotImplementedError

    def check(self, name: str, value):
        """Return ``value`` normalised, or raise TypeError/ValueError naming ``name``."""
        return self._check(name, value, self.describe())

    def _check(self, name: str, value, allowed: str):
        # ``allowed`` is passed in so that Optional can widen the TypeError
        # message with "or None" without re-implementing the check.
        raise NotImplementedError

    def invalid_examples(self) -> list[tuple[object, type[Exception]]]:
        """Values this constraint rejects, each with the exception type it raises."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


class Integer(Constraint):
    """A Python or numpy integer (not a bool) in ``[minimum, maximum]``; returned as ``int``."""

    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum

    def describe(self) -> str:
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return f"an integer in [{lo}, {hi}]"
        if lo is not None:
            return f"an integer >= {lo}"
        if hi is not None:
            return f"an integer <= {hi}"
        return "an integer"

    def _check(self, name, value, allowed):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be {allowed}, got {_show(value)}")
        value = int(value)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"{name} must be {self.describe()}, got {value}")
        return value

    def invalid_examples(self):
        bad = [(1.5, TypeError), (True, TypeError), ("1", TypeError)]
        if self.minimum is not None:
            bad.append((self.minimum - 1, ValueError))
        if self.maximum is not None:
            bad.append((self.maximum + 1, ValueError))
        return bad


class Real(Constraint):
    """A finite real number (not a bool) within the bounds; returned as ``float``.

    ``strict_min`` excludes ``minimum`` itself.
    """

    def __init__(self, minimum: float | None = None, maximum: float | None = None, *, strict_min: bool = False):
        self.minimum, self.maximum, self.strict_min = minimum, maximum, strict_min

    def _bounds(self) -> str:
        low = "" if self.minimum is None else (f"> {self.minimum}" if self.strict_min else f">= {self.minimum}")
        high = "" if self.maximum is None else f"<= {self.maximum}"
        return " and ".join(s for s in (low, high) if s)

    def describe(self) -> str:
        bounds = self._bounds()
        return f"a finite real number {bounds}" if bounds else "a finite real number"

    def _check(self, name, value, allowed):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be {allowed}, got {_show(value)}")
        value = float(value)
        lo, hi = self.minimum, self.maximum
        bad = not math.isfinite(value)
        bad |= lo is not None and (value <= lo if self.strict_min else value < lo)
        bad |= hi is not None and value > hi
        if bad:
            raise ValueError(f"{name} must be {self._bounds() or 'finite'}, got {value}")
        # -0.0 and 0.0 are one setting; without this they would give two keys.
        return value + 0.0

    def invalid_examples(self):
        bad = [("1.0", TypeError), (True, TypeError), (float("nan"), ValueError), (float("inf"), ValueError)]
        if self.minimum is not None:
            bad.append((self.minimum if self.strict_min else self.minimum - 1.0, ValueError))
        if self.maximum is not None:
            bad.append((self.maximum + 1.0, ValueError))
        return bad


class Boolean(Constraint):
    """``True`` or ``False`` (Python or numpy); returned as ``bool``.

    Strings and integers are refused: ``"no"`` is truthy, so accepting it
    would silently mean the opposite of what the caller wrote.
    """

    def describe(self) -> str:
        return "True or False"

    def _check(self, name, value, allowed):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be {allowed}, got {_show(value)}")
        return bool(value)

    def invalid_examples(self):
        return [("no", TypeError), (1, TypeError), (None, TypeError)]


class OneOf(Constraint):
    """One of a fixed set of values; the matching member of ``choices`` is returned."""

    def __init__(self, choices):
        self.choices = tuple(choices)

    def describe(self) -> str:
        return f"one of {sorted(self.choices, key=str)}"

    def _check(self, name, value, allowed):
        for choice in self.choices:
            # The isinstance guard keeps arrays out of ``==`` and stops 1 matching True.
            if isinstance(value, type(choice)) and value == choice:
                return choice
        # ValueError even for a value of the wrong type: sweep configs read from
        # JSON rely on a bad choice of any kind being a ValueError.
        raise ValueError(f"{name} must be {self.describe()}, got {_show(value)}")

    def invalid_examples(self):
        return [("__not_a_choice__", ValueError), (None, ValueError), (1.5, ValueError)]


class InstanceOf(Constraint):
    """An instance of ``cls``, returned unchanged."""

    def __init__(self, cls: type):
        self.cls = cls

    def describe(self) -> str:
        return f"an instance of {self.cls.__name__}"

    def _check(self, name, value, allowed):
        if not isinstance(value, self.cls):
            raise TypeError(f"{name} must be {allowed}, got {_show(value)}")
        return value

    def invalid_examples(self):
        return [(None, TypeError), ({}, TypeError), (np.zeros(2), TypeError)]


class SequenceOf(Constraint):
    """A list or tuple whose items each satisfy ``item``; returned as a tuple of the normalised items.

    Parameters
    ----------
    item : Constraint
    what : str
        The items in words, completing "a list of ...".
    """

    def __init__(self, item: Constraint, what: str):
        self.item, self.what = item, what

    def describe(self) -> str:
        return f"a list of {self.what}"

    def _check(self, name, value, allowed):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(self.item.check(name, v))
            except (TypeError, ValueError) as exc:
                # The item's message starts with ``name``; the index tells which item.
                raise type(exc)(f"{name} must be {self.describe()}; item {i}: {_after_name(exc, name)}") from None
        return tuple(out)

    def invalid_examples(self):
        return [(None, TypeError), ("ab", TypeError), ({"a": 1}, TypeError), ([True], TypeError)]


def _after_name(exc: Exception, name: str) -> str:
    """The message of ``exc`` without its leading parameter name."""
    text = str(exc)
    return text[len(name) :].lstrip() if text.startswith(name) else text


class RNG(Constraint):
    """A non-negative integer seed or an ``np.random.Generator``; returned as a Generator."""

    def describe(self) -> str:
        return "a non-negative integer seed or an np.random.Generator"

    def _check(self, name, value, allowed):
        if isinstance(value, np.random.Generator):
            return value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be {allowed}, got {_show(value)}")
        if value < 0:
            raise ValueError(f"{name} must be {self.describe()}, got {value}")
        return np.random.default_rng(int(value))

    def invalid_examples(self):
        # None would make default_rng draw OS entropy: an irreproducible run.
        return [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("0", TypeError), (None, TypeError)]


class Optional(Constraint):
    """``None`` (passed through) or whatever ``inner`` accepts."""

    def __init__(self, inner: Constraint):
        self.inner = inner

    def describe(self) -> str:
        return f"{self.inner.describe()} or None"

    def _check(self, name, value, allowed):
        return None if value is None else self.inner._check(name, value, allowed)

    def invalid_examples(self):
        return [(v, exc) for v, exc in self.inner.invalid_examples() if v is not None]


class Array(Constraint):
    """An array_like of numbers, returned as an ndarray.

    Parameters
    ----------
    ndim : int or tuple of int, optional
        Allowed numbers of axes; any if omitted.
    shape : tuple, optional
        Required shape (with ``ndim`` an int); ``None`` entries allow any length.
    min_ndim : int
        Least number of axes, for shapes like ``(..., N)``.
    finite : bool
        Refuse NaN and inf.
    nonempty : bool
        Refuse arrays with an axis of length 0.
    kinds : str
        Allowed ``dtype.kind`` letters; the default is real numbers and bools.
    dtype : numpy dtype, optional
        Convert to this dtype (without copying if it already is).
    """

    def __init__(
        self,
        ndim: int | tuple[int, ...] | None = None,
        *,
        shape: tuple | None = None,
        min_ndim: int = 0,
        finite: bool = True,
        nonempty: bool = False,
        kinds: str = "fiub",
        dtype=None,
    ):
        if shape is not None and not isinstance(ndim, int):
            raise TypeError("Array(shape=...) needs an integer ndim")
        self.ndim, self.shape, self.min_ndim = ndim, shape, min_ndim
        self.finite, self.nonempty, self.kinds, self.dtype = finite, nonempty, kinds, dtype

    def describe(self) -> str:
        return "a real numeric array" if "c" not in self.kinds else "a numeric (real or complex) array"

    def _allowed_ndims(self) -> tuple[int, ...] | None:
        if self.ndim is None:
            return None
        return (self.ndim,) if isinstance(self.ndim, int) else tuple(self.ndim)

    def _check(self, name, value, allowed):
        try:
            arr = np.asarray(value)
        except ValueError as err:
            # numpy's own wording ("inhomogeneous shape after 1 dimensions") does not say which argument.
            raise ValueError(f"{name} must be a rectangular array, got a ragged nested sequence") from err
        if arr.dtype.kind not in self.kinds:
            raise TypeError(f"{name} must be {allowed}, got {_show(value)} (dtype {arr.dtype})")
        ndims = self._allowed_ndims()
        if ndims is not None and arr.ndim not in ndims:
            want = "" if self.shape is None else f" {_shape_str(self.shape)}"
            n = " or ".join(str(d) for d in ndims)
            raise ValueError(f"{name} must have {n} dimensions{want}, got shape {arr.shape}")
        if arr.ndim < self.min_ndim:
            raise ValueError(f"{name} must have at least {self.min_ndim} dimension(s), got shape {arr.shape}")
        if self.shape is not None:
            check_shape(name, arr, self.shape)
        if self.nonempty and arr.size == 0:
            raise ValueError(f"{name} must not be empty (every axis of length >= 1), got shape {arr.shape}")
        # Integer and bool arrays cannot hold NaN or inf: skip the pass over the data.
        if self.finite and arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
        return arr if self.dtype is None else arr.astype(self.dtype, copy=False)

    def _example_shape(self) -> tuple[int, ...]:
        ndims = self._allowed_ndims()
        ndim = max(self.min_ndim, 1) if ndims is None else min(ndims)
        if self.shape is not None:
            return tuple(1 if s is None else s for s in self.shape)
        return (1,) * ndim

    def invalid_examples(self):
        bad = [("abc", TypeError), ({"a": 1.0}, TypeError), ([[0.0], [0.0, 0.0]], ValueError)]
        ndims = self._allowed_ndims()
        if ndims is not None:
            bad.append((np.zeros((1,) * (max(ndims) + 1)), ValueError))
        if self.min_ndim > 0:
            bad.append((np.zeros((1,) * (self.min_ndim - 1)), ValueError))
        if self.finite:
            bad.append((np.full(self._example_shape(), np.nan), ValueError))
            bad.append((np.full(self._example_shape(), -np.inf), ValueError))
        if self.nonempty:
            bad.append((np.zeros((0,) * len(self._example_shape())), ValueError))
        return bad


def validate_params(constraints: dict[str, Constraint]):
    """Decorator: check and normalise a function's arguments before its body runs.

    Arguments the caller passed are checked in the order of ``constraints``
    and replaced by the normalised value (e.g. a seed becomes a Generator);
    defaults are trusted. The table is kept as ``fn.__rnnmem_params__`` and
    the function is added to :data:`REGISTRY`.

    Parameters
    ----------
    constraints : dict of str to Constraint
        Parameter name to what it accepts; checks that involve several
        parameters (shapes that must agree) stay in the function body.

    Returns
    -------
    callable
        A decorator; the wrapped function keeps its name, docstring and signature.
    """

    def decorate(fn):
        sig = inspect.signature(fn)
        unknown = sorted(set(constraints) - set(sig.parameters))
        if unknown:
            raise TypeError(f"validate_params: {fn.__qualname__} has no parameters {unknown}")
        table = MappingProxyType(dict(constraints))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            arguments = bound.arguments
            for name, constraint in table.items():
                if name in arguments:
                    arguments[name] = constraint.check(name, arguments[name])
            return fn(*bound.args, **bound.kwargs)

        wrapper.__rnnmem_params__ = table
        REGISTRY.append(wrapper)
        return wrapper

    return decorate


def validate_fields(constraints: dict[str, Constraint]):
    """Class decorator: check and normalise a dataclass's fields on construction.

    Apply it *below* ``@dataclass``: the dataclass machinery only makes
    ``__init__`` call ``__post_init__`` if one exists when it runs. Fields are
    checked in the order of ``constraints`` and set to their normalised value
    (plain ``int``/``float``, so ``dataclasses.asdict`` gives JSON-ready
    values); the class's own ``__post_init__``, if any, runs afterwards for
    checks across fields.

    Parameters
    ----------
    constraints : dict of str to Constraint
        Field name to what it accepts.

    Returns
    -------
    callable
        A class decorator that sets ``__post_init__`` and ``__rnnmem_params__``.
    """

    def decorate(cls):
        if dataclasses.is_dataclass(cls):
            raise TypeError(f"validate_fields must be applied below @dataclass on {cls.__qualname__}")
        unknown = sorted(set(constraints) - set(inspect.get_annotations(cls)))
        if unknown:
            raise TypeError(f"validate_fields: {cls.__qualname__} has no fields {unknown}")
        table = MappingProxyType(dict(constraints))
        own = cls.__dict__.get("__post_init__")

        def __post_init__(self):
            for name, constraint in table.items():
                # Frozen dataclasses forbid normal assignment, even in __post_init__.
                object.__setattr__(self, name, constraint.check(name, getattr(self, name)))
            if own is not None:
                own(self)

        cls.__post_init__ = __post_init__
        cls.__rnnmem_params__ = table
        REGISTRY.append(cls)
        return cls

    return decorate


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer within ``[minimum, maximum]``."""
    return Integer(minimum, maximum).check(name, value)


def check_float(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds."""
    return Real(minimum, maximum, strict_min=strict_min).check(name, value)


def check_array(name: str, value, *, ndim: int, shape: tuple | None = None, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a real ndarray with ``ndim`` axes.

    ``shape`` may hold ``None`` for axes of any length.
    """
    return Array(ndim, shape=shape, finite=finite).check(name, value)


def check_shape(name: str, arr: np.ndarray, shape: tuple) -> None:
    """Raise ValueError unless ``arr.shape`` matches ``shape`` (``None`` matches any length)."""
    if len(arr.shape) != len(shape) or any(w is not None and g != w for g, w in zip(arr.shape, shape, strict=True)):
        raise ValueError(f"{name} must have shape {_shape_str(shape)}, got {arr.shape}")


def _shape_str(shape) -> str:
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"


def as_generator(name: str, seed_or_rng) -> np.random.Generator:
    """Accept an ``np.random.Generator`` or a non-negative integer seed."""
    return RNG().check(name, seed_or_rng)
