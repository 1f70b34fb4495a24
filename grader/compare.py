"""Compare a student's value with the reference, as data.

Semantics follow ``torch.testing.assert_close``: exact shapes (no
broadcasting), ``|actual - expected| <= atol + rtol * |expected|`` with
dtype-aware tolerances, NaN equal only to NaN. The difference is a
:class:`Mismatch` that explains itself (greatest difference, where, against
which tolerance) instead of an assertion error.

Both sides are wire records (:mod:`grader.sandbox.wire`); nothing the student
produced is ever called.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.course.schema import Tolerance
from grader.sandbox.wire import NUMPY_READABLE, WireError, decode_array, decode_tensor, decode_tensor_values

PRECISION = ["float16", "bfloat16", "float32", "float64"]


@dataclass(frozen=True)
class Mismatch:
    """Why a value differs from the reference."""

    where: str
    """Path into the value: ``""`` for the value itself, ``"[1]"``, ``"['y']"``..."""
    kind: str
    """``type``, ``length``, ``keys``, ``shape``, ``dtype``, ``value`` or ``unreadable``."""
    message: str
    revealing: str = ""
    """Extra detail with the expected numbers; shown for visible checks only."""

    def describe(self, reveal: bool) -> str:
        prefix = f"{self.where}: " if self.where else ""
        detail = f" {self.revealing}" if reveal and self.revealing else ""
        return f"{prefix}{self.message}{detail}"


def type_phrase(record: dict[str, Any]) -> str:
    """How a student reads the type of what they returned."""
    kind = record.get("type")
    if kind == "tensor":
        return f"a torch.Tensor of shape {tuple(record['shape'])} and dtype {record['dtype']}"
    if kind == "ndarray":
        return f"a numpy.ndarray of shape {tuple(record['shape'])}"
    if kind in ("tuple", "list"):
        return f"a {kind} of {len(record['items'])} items"
    if kind == "dict":
        return f"a dict with keys {sorted(record['items'])}"
    if kind == "none":
        return "None"
    if kind == "figure":
        return "a matplotlib Figure"
    if kind == "unsupported":
        return f"an object the grader cannot read ({record.get('type_name') or record.get('reason')})"
    if kind == "numpy_scalar":
        return "a numpy scalar"
    return f"a {kind}"


def compare(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str = "") -> Mismatch | None:
    """The first difference between two wire records, or None when they agree."""
    kind, expected_kind = actual.get("type"), expected.get("type")
    if kind == "unsupported":
        return Mismatch(where, "type", f"returned {type_phrase(actual)}; expected {type_phrase(expected)}")
    if expected_kind in ("tuple", "list"):
        return _compare_sequence(actual, expected, tolerances, where)
    if expected_kind == "dict":
        return _compare_dict(actual, expected, tolerances, where)
    if expected_kind in ("tensor", "ndarray"):
        if kind != expected_kind:
            return Mismatch(where, "type", f"returned {type_phrase(actual)}; expected {type_phrase(expected)}")
        return _compare_arrays(actual, expected, tolerances, where)
    if expected_kind in ("float", "int", "numpy_scalar"):
        return _compare_number(actual, expected, tolerances, where)
    if expected_kind in ("bool", "str", "none"):
        if kind != expected_kind or actual.get("value") != expected.get("value"):
            return Mismatch(where, "value", f"returned {_short(actual)}", f"expected {_short(expected)}")
        return None
    return Mismatch(where, "type", f"the reference returned {type_phrase(expected)}, which this check cannot compare")


def _compare_sequence(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str) -> Mismatch | None:
    if actual.get("type") not in ("tuple", "list"):
        return Mismatch(where, "type", f"returned {type_phrase(actual)}; expected {type_phrase(expected)}")
    if len(actual["items"]) != len(expected["items"]):
        return Mismatch(where, "length", f"returned {len(actual['items'])} items; expected {len(expected['items'])}")
    for index, (a, e) in enumerate(zip(actual["items"], expected["items"], strict=False)):
        mismatch = compare(a, e, tolerances, f"{where}[{index}]")
        if mismatch:
            return mismatch
    return None


def _compare_dict(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str) -> Mismatch | None:
    if actual.get("type") != "dict":
        return Mismatch(where, "type", f"returned {type_phrase(actual)}; expected {type_phrase(expected)}")
    missing = sorted(set(expected["items"]) - set(actual["items"]))
    if missing:
        return Mismatch(where, "keys", f"the dict lacks the keys {missing}")
    for key, e in expected["items"].items():
        mismatch = compare(actual["items"][key], e, tolerances, f"{where}[{key!r}]")
        if mismatch:
            return mismatch
    return None


_decoded: ContextVar[dict[int, tuple[dict[str, Any], np.ndarray]] | None] = ContextVar("grader_decoded", default=None)
"""Inside :func:`decoding_once`: record id -> (the record, kept alive so its id is not reused; its read-only numbers)."""


@contextlib.contextmanager
def decoding_once() -> Iterator[None]:
    """Within this block (one judging session) each wire record is decoded at most once.

    The reference's and the mutants' records are the same objects for every
    submission of a session, and a student's failing record is read again by the
    hints and by every mutant it is matched against. The arrays handed out are
    read-only; the memo is dropped at the end of the block, and belongs to the
    current thread (or task) only.
    """
    token = _decoded.set({})
    try:
        yield
    finally:
        _decoded.reset(token)


def as_float64(record: dict[str, Any]) -> np.ndarray:
    """A tensor or array record as float64 numbers (complex kept complex)."""
    memo = _decoded.get()
    if memo is None:
        return _as_float64(record)
    known = memo.get(id(record))
    if known is not None and known[0] is record:
        return known[1]
    array = _as_float64(record)
    array.flags.writeable = False
    memo[id(record)] = (record, array)
    return array


def _as_float64(record: dict[str, Any]) -> np.ndarray:
    if record["type"] == "tensor":
        if str(record.get("dtype")) in NUMPY_READABLE:  # the same numbers as through torch, a tenth of the time
            values = decode_tensor_values(record)
            return values.astype(np.complex128 if np.iscomplexobj(values) else np.float64)
        tensor = decode_tensor(record)
        return tensor.to(torch.complex128 if tensor.is_complex() else torch.float64).numpy()
    if record["type"] == "numpy_scalar":
        return decode_array(record["array"]).astype(np.float64)
    array = decode_array(record)
    return array if np.iscomplexobj(array) else array.astype(np.float64)


def _looser(dtype_a: str, dtype_b: str) -> str:
    ranks = [PRECISION.index(d) for d in (dtype_a, dtype_b) if d in PRECISION]
    return PRECISION[min(ranks)] if ranks else "float64"


def _compare_arrays(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str) -> Mismatch | None:
    try:
        got = as_float64(actual)
        want = as_float64(expected)
    except WireError as error:
        return Mismatch(where, "unreadable", f"the returned value could not be read: {error}")
    if got.shape != want.shape:
        return Mismatch(where, "shape", f"has shape {tuple(got.shape)}; expected shape {tuple(want.shape)}")
    a_dtype, e_dtype = str(actual["dtype"]), str(expected["dtype"])
    floating_expected = e_dtype in PRECISION or e_dtype.startswith("complex")
    if floating_expected and not (a_dtype in PRECISION or a_dtype.startswith("complex")):
        return Mismatch(where, "dtype", f"has dtype {a_dtype}; expected a floating point dtype like {e_dtype}")
    return _within(got, want, tolerances[_looser(a_dtype, e_dtype)] if floating_expected else Tolerance(rtol=0, atol=0), where)


def _compare_number(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str) -> Mismatch | None:
    kind = actual.get("type")
    if kind not in ("float", "int", "numpy_scalar"):
        return Mismatch(where, "type", f"returned {type_phrase(actual)}; expected a number")
    got = np.asarray(_number(actual), dtype=np.float64)
    want = np.asarray(_number(expected), dtype=np.float64)
    exact = expected.get("type") == "int" and kind == "int"
    return _within(got, want, Tolerance(rtol=0, atol=0) if exact else tolerances["float32"], where)


def _number(record: dict[str, Any]) -> float:
    if record["type"] == "numpy_scalar":
        return float(as_float64(record).reshape(-1)[0])
    value = record.get("value")
    return float(record.get("special", "nan")) if value is None else float(value)


def _within(got: np.ndarray, want: np.ndarray, tolerance: Tolerance, where: str) -> Mismatch | None:
    with np.errstate(invalid="ignore", over="ignore"):
        if (np.abs(got - want) <= tolerance.atol + tolerance.rtol * np.abs(want)).all():
            return None  # the common case, in half the operations: a NaN anywhere takes the long way below
        both_nan = np.isnan(got) & np.isnan(want)
        difference = np.where(both_nan, 0.0, np.abs(got - want))
        allowed = tolerance.atol + tolerance.rtol * np.abs(want)
        bad = ~(difference <= allowed) & ~both_nan
    if not bad.any():
        return None
    flat_index = int(np.argmax(np.where(bad, np.nan_to_num(difference, nan=np.inf), -1.0)))
    index = np.unravel_index(flat_index, got.shape) if got.shape else ()
    got_value, want_value = got[index], want[index]
    count = int(bad.sum())
    position = f" at index {tuple(int(i) for i in index)}" if got.shape else ""
    total = f"{count} of {got.size} elements differ; " if got.size > 1 else ""
    message = f"{total}got {_format(got_value)}{position}"
    revealing = (
        f"but expected {_format(want_value)} (difference {_format(abs(got_value - want_value))}, "
        f"allowed {tolerance.atol:g} + {tolerance.rtol:g} * |expected|)"
    )
    return Mismatch(where, "value", message, revealing)


def _format(value: Any) -> str:
    number = complex(value) if np.iscomplexobj(value) else float(value)
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        return str(number)
    return f"{number:.10g}" if isinstance(number, float) else str(number)


def _short(record: dict[str, Any]) -> str:
    return repr(record.get("value")) if record.get("type") in ("bool", "str", "int", "float") else type_phrase(record)


def ratio(actual: dict[str, Any], expected: dict[str, Any]) -> float | None:
    """The constant factor between two numeric values, if there is one (for hints such as 'off by 2**1.5')."""
    try:
        got, want = flat_numbers(actual), flat_numbers(expected)
    except (KeyError, ValueError, WireError):
        return None
    if got is None or want is None or got.shape != want.shape or got.size == 0:
        return None
    mask = np.abs(want) > 1e-12
    if not mask.any() or np.any(np.abs(got[~mask]) > 1e-9):
        return None
    ratios = got[mask] / want[mask]
    if np.allclose(ratios, ratios.flat[0], rtol=1e-4, atol=0):
        return float(ratios.flat[0])
    return None


def flat_numbers(record: dict[str, Any]) -> np.ndarray | None:
    """Every number in a (nested) numeric record, flattened to float64; None if any part is not numeric."""
    kind = record.get("type")
    if kind in ("tensor", "ndarray", "numpy_scalar"):
        return np.asarray(as_float64(record), dtype=np.float64).reshape(-1)
    if kind in ("float", "int"):
        return np.asarray([_number(record)], dtype=np.float64)
    if kind in ("tuple", "list"):
        parts = [flat_numbers(item) for item in record["items"]]
        if any(p is None for p in parts):
            return None
        return np.concatenate([p for p in parts if p is not None]) if parts else None
    return None
