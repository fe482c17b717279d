"""Input checks shared by every public entry point.

Each check raises before any work starts and names the parameter together
with its allowed range, so a caller sees at once what to change.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer{_range(minimum, maximum)}, got {value!r}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an integer{_range(minimum, maximum)}, got {value}")
    return value


def check_float(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    low = "" if minimum is None else (f"> {minimum}" if strict_min else f">= {minimum}")
    high = "" if maximum is None else f"<= {maximum}"
    allowed = " and ".join(s for s in (low, high) if s) or "finite"
    bad = not np.isfinite(value)
    bad |= minimum is not None and (value <= minimum if strict_min else value < minimum)
    bad |= maximum is not None and value > maximum
    if bad:
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_array(name: str, value, *, ndim: int, shape: tuple | None = None, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a real ndarray with ``ndim`` axes.

    ``shape`` may hold ``None`` for axes of any length.
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        want = "" if shape is None else f" {_shape_str(shape)}"
        raise ValueError(f"{name} must have {ndim} dimensions{want}, got shape {arr.shape}")
    if shape is not None:
        for got, want in zip(arr.shape, shape, strict=True):
            if want is not None and got != want:
                raise ValueError(f"{name} must have shape {_shape_str(shape)}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def _shape_str(shape) -> str:
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"


def _range(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def as_generator(name: str, seed_or_rng) -> np.random.Generator:
    """Accept an ``np.random.Generator`` or a non-negative integer seed."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    seed = check_int(name, seed_or_rng, minimum=0)
    return np.random.default_rng(seed)
