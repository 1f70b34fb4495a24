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

import base64
import binascii
import contextlib
import math
from array import array as number_array
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
    for index, (a, e) in enumerate(zip(actual["items"], expected["items"], strict=True)):
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
    small = small_floats(record)
    if small is not None:
        return np.array(small[1], dtype=np.float64).reshape(small[0])
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


FLOATING_PRECISION = {**{name: name for name in PRECISION}, "complex64": "float32", "complex128": "float64"}
"""The row of the tolerance table for each floating reference dtype (a complex dtype is judged as its parts)."""
UNIT_ROUNDOFF = {name: float(torch.finfo(getattr(torch, name)).eps) / 2 for name in PRECISION}
"""The relative rounding error of each floating dtype: a result stored in it cannot be closer than this."""
EXACT = Tolerance(rtol=0, atol=0)


def reference_tolerance(expected_dtype: str, tolerances: dict[str, Tolerance]) -> Tolerance:
    """The tolerance for a value the reference returned in ``expected_dtype``: its row of the table, exact for
    integers and booleans. Never the student's dtype: a student cannot widen the tolerance by returning bfloat16."""
    row = FLOATING_PRECISION.get(expected_dtype)
    return EXACT if row is None else tolerances[row]


_dtype_notes: ContextVar[list[str] | None] = ContextVar("grader_dtype_notes", default=None)
"""Inside :func:`noting_dtypes`: the notes of values accepted in a dtype other than the reference's."""


@contextlib.contextmanager
def noting_dtypes() -> Iterator[list[str]]:
    """Within this block, a value accepted in another dtype than the reference's leaves a note in the list yielded
    ("your result is float32 where float64 was expected; its values match"), for the check's message."""
    notes: list[str] = []
    token = _dtype_notes.set(notes)
    try:
        yield notes
    finally:
        _dtype_notes.reset(token)


def _dtype_phrase(actual_dtype: str, expected_dtype: str) -> str:
    return f"your result is {actual_dtype} where {expected_dtype} was expected"


def _note_accepted_dtype(actual_dtype: str, expected_dtype: str, where: str) -> None:
    notes = _dtype_notes.get()
    if notes is not None and actual_dtype != expected_dtype:
        prefix = f"{where}: " if where else ""
        notes.append(f"{prefix}{_dtype_phrase(actual_dtype, expected_dtype)}; its values match")


def _explain_dtype(mismatch: Mismatch | None, actual_dtype: str, expected_dtype: str, tolerance: Tolerance) -> Mismatch | None:
    """A value mismatch in another dtype than the reference's says so, and whether that dtype could ever have passed."""
    if mismatch is None or actual_dtype == expected_dtype:
        return mismatch
    detail = _dtype_phrase(actual_dtype, expected_dtype)
    if UNIT_ROUNDOFF.get(actual_dtype, 0.0) > tolerance.rtol:
        detail += f"; {actual_dtype} has too few digits for this tolerance"
    return Mismatch(mismatch.where, mismatch.kind, f"{mismatch.message} ({detail})", mismatch.revealing)


QUICK_FORMATS = {"float32": "f", "float64": "d"}
"""Dtypes whose small arrays are read as Python floats (exactly the float64 values numpy's decoding gives)."""
QUICK_LIMIT = 64
"""Above this many elements numpy's vector operations beat Python floats."""


def small_floats(record: dict[str, Any]) -> tuple[list[int], list[float]] | None:
    """A small, well-formed float32/float64 tensor or array record as (shape, numbers); None for anything else.

    None sends the record down the general path (:func:`as_float64`), which
    reads, rejects and explains it as before; only its cost is saved here:
    numpy's per-call overhead is most of the time spent on a handful of numbers.
    """
    if record.get("type") not in ("tensor", "ndarray"):
        return None
    dtype, shape = record.get("dtype"), record.get("shape")
    code = QUICK_FORMATS.get(dtype) if type(dtype) is str else None
    if code is None or type(shape) is not list or len(shape) > 16 or any(type(s) is not int or s < 0 for s in shape):
        return None
    size = math.prod(shape)
    if size > QUICK_LIMIT:
        return None
    try:
        raw = base64.b64decode(str(record.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != size * (4 if code == "f" else 8):
        return None
    numbers = (number_array("f", raw) if code == "f" else number_array("d", raw)).tolist()  # native byte order, as numpy's
    return shape, numbers


def _quickly_within(actual: dict[str, Any], expected: dict[str, Any], tolerance: Tolerance) -> bool:
    """True when every element is within tolerance, decided in Python floats; False: let :func:`_within` decide.

    The test is :func:`_within`'s own first one, ``|got - want| <= atol + rtol * |want|``
    in IEEE float64, so True here implies None there; a NaN or an infinity anywhere
    gives False, and the full comparison decides and explains, exactly as before.
    """
    got, want = small_floats(actual), small_floats(expected)
    if got is None or want is None or got[0] != want[0]:
        return False
    atol, rtol = tolerance.atol, tolerance.rtol
    return all(abs(g - w) <= atol + rtol * abs(w) for g, w in zip(got[1], want[1], strict=True))


def _compare_arrays(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str) -> Mismatch | None:
    a_dtype, e_dtype = str(actual.get("dtype")), str(expected.get("dtype"))
    tolerance = reference_tolerance(e_dtype, tolerances)
    if _quickly_within(actual, expected, tolerance):
        _note_accepted_dtype(a_dtype, e_dtype, where)
        return None
    try:
        got = as_float64(actual)
        want = as_float64(expected)
    except WireError as error:
        return Mismatch(where, "unreadable", f"the returned value could not be read: {error}")
    if got.shape != want.shape:
        return Mismatch(where, "shape", f"has shape {tuple(got.shape)}; expected shape {tuple(want.shape)}")
    if e_dtype in FLOATING_PRECISION and a_dtype not in FLOATING_PRECISION:
        return Mismatch(where, "dtype", f"has dtype {a_dtype}; expected a floating point dtype like {e_dtype}")
    mismatch = _explain_dtype(_within(got, want, tolerance, where), a_dtype, e_dtype, tolerance)
    if mismatch is None:
        _note_accepted_dtype(a_dtype, e_dtype, where)
    return mismatch


def _compare_number(actual: dict[str, Any], expected: dict[str, Any], tolerances: dict[str, Tolerance], where: str) -> Mismatch | None:
    kind = actual.get("type")
    if kind not in ("float", "int", "numpy_scalar"):
        return Mismatch(where, "type", f"returned {type_phrase(actual)}; expected a number")
    got_number, want_number = _number(actual), _number(expected)
    exact = expected.get("type") == "int" and kind == "int"
    tolerance = Tolerance(rtol=0, atol=0) if exact else tolerances["float32"]
    if abs(got_number - want_number) <= tolerance.atol + tolerance.rtol * abs(want_number):
        return None  # _within's own first test, on the same float64 numbers, without numpy's per-call cost
    return _within(np.asarray(got_number, dtype=np.float64), np.asarray(want_number, dtype=np.float64), tolerance, where)


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
        parts: list[np.ndarray | list[float] | None] = []
        for item in record["items"]:
            small = small_floats(item)  # a list of small tensors (a Jacobian's rows): numbers without an array each
            parts.append(small[1] if small is not None else flat_numbers(item))
        if not parts or any(p is None for p in parts):
            return None
        if all(type(p) is list for p in parts):
            return np.array([number for p in parts for number in p], dtype=np.float64)  # type: ignore[union-attr]
        return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])
    return None


__all__ = ["Mismatch", "as_float64", "compare", "decoding_once", "flat_numbers", "noting_dtypes", "ratio", "small_floats", "type_phrase"]
