"""The shape of every probe's answer: what a worker returns, part by part, for what the plan asked.

An observation is untrusted data: student code runs in the process that
writes it, and can rebind the worker's probe table or write result lines
itself. The judge therefore reads an observation only after
:func:`check_envelope` has found in it exactly what the probe returns (see
:mod:`grader.sandbox.probes`): as many calls as ``repeat`` asked for, one
backward run per upstream gradient, one gradient per input, every key the
judges read and no other. Any other shape is :class:`Interference`, a failed
check with no points: a judge never compares fewer values than it was asked
to, and never passes on nothing.

The envelope is checked here (lists, keys, counts, flags), and every wire
record inside it is well formed (:func:`check_record`: the encoder never
writes a list without items or a tensor whose bytes do not fill its shape).
What the values are is the judges' to compare, and a student's mistake in
them (a wrong shape, a wrong number of items) keeps its own message. Wherever the probe guards a student call, an
exception record ``{"error": ...}`` stands for the whole part: raising is the
student's own doing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from grader.sandbox.wire import ARRAY_DTYPES, MAX_DEPTH, MAX_ELEMENTS, TENSOR_DTYPES

INTERFERENCE = "your code interfered with grading"
"""What a student reads when the worker's answer is not what the probe returns; no points, no hint."""


class Interference(Exception):
    """An observation with a part missing, extra or of the wrong shape (the detail names which, for the record)."""


CALLS = frozenset({"calls"})
VALUE = frozenset({"value"})
OTHER_ARGUMENT = frozenset({"tensor"})
NAMED_OTHER_ARGUMENT = frozenset({"tensor", "name"})
TENSOR_ARGUMENT = frozenset({"tensor", "value", "version_changed", "grad", "requires_grad", "is_leaf"})
NAMED_TENSOR_ARGUMENT = TENSOR_ARGUMENT | {"name"}

Shape = Callable[[dict[str, Any], Any], None]
"""Checks one part of an observation against the probe request (the first argument); raises :class:`Interference`."""


def check_envelope(probe: dict[str, Any], observation: object) -> None:
    """Raise :class:`Interference` unless ``observation`` has exactly the shape the probe ``probe`` returns."""
    shape = ENVELOPES.get(str(probe.get("op")))
    if shape is None:
        raise Interference(f"no judge reads the answers of a {probe.get('op')!r} probe")
    if _is_error(observation, at_import=True):
        return
    shape(probe, observation)


def _is_error(part: object, at_import: bool = False) -> bool:
    """An exception record where the probe guards a student call (``at_import``: the module itself failed)."""
    if type(part) is not dict or "error" not in part:
        return False
    allowed = {"error", "at_import"} if at_import else {"error"}
    if not set(part) <= allowed or type(part["error"]) is not dict:
        raise Interference("a malformed exception record")
    return True


def _keys(part: object, required: frozenset[str], allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """``part`` as a record holding every key of ``required`` and no key outside ``allowed`` (default: ``required``)."""
    if type(part) is not dict:
        raise Interference(f"{type(part).__name__} where a record with {sorted(required)} was expected")
    keys = part.keys()
    if not (required <= keys and keys <= (allowed or required)):
        raise Interference(f"a record with the keys {sorted(map(str, keys))[:10]}; expected {sorted(required)}")
    return part


def _items(value: object, count: int, what: str) -> list[Any]:
    if type(value) is not list or len(value) != count:
        found = f"{len(value)} {what}" if type(value) is list else type(value).__name__
        raise Interference(f"{found} where the probe makes {count}")
    return value


def _records(value: object, count: int, what: str) -> None:
    """``count`` well-formed wire records: what student code returned, judged by the judges."""
    for item in _items(value, count, what):
        if type(item) is not dict:
            raise Interference(f"{type(item).__name__} among the {what}")
        check_record(item)


TENSOR_ITEMSIZE = {name: torch.empty((), dtype=dtype).element_size() for name, dtype in TENSOR_DTYPES.items()}
ARRAY_ITEMSIZE = {name: np.dtype(name).itemsize for name in ARRAY_DTYPES}
MAX_RANK = 16
"""As many dimensions as the trusted side decodes (``grader.sandbox.wire``)."""
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
SCALARS: dict[str, tuple[type, ...]] = {"bool": (bool,), "int": (int,), "str": (str,), "float": (float, int, type(None))}


def check_record(record: object, depth: int = 0) -> None:
    """Raise :class:`Interference` unless ``record``, and every record inside it, is one :func:`~grader.sandbox.wire.encode` writes.

    Structure and sizes only (no bytes are decoded): a tensor's base64 text
    must be exactly as long as its dtype and shape make it, so the judges never
    meet a record they cannot read.
    """
    if type(record) is not dict or depth > MAX_DEPTH + 4:
        raise Interference("a value record nested too deeply or not a record")
    kind = record.get("type")
    if kind in SCALARS:
        if type(record.get("value")) not in SCALARS[kind] or (kind == "float" and type(record.get("special", "")) is not str):
            raise Interference(f"a malformed {kind} record")
    elif kind in ("tuple", "list", "dict"):
        items = record.get("items")
        if type(items) is not (dict if kind == "dict" else list):
            raise Interference(f"a {kind} record without its items")
        for item in items.values() if type(items) is dict else items:
            check_record(item, depth + 1)
    elif kind in ("tensor", "ndarray"):
        _check_bytes(record, (TENSOR_ITEMSIZE if kind == "tensor" else ARRAY_ITEMSIZE).get(str(record.get("dtype"))))
    elif kind == "numpy_scalar":
        check_record(record.get("array"), depth + 1)
    elif kind == "figure":
        _check_figure(record, depth)
    elif kind != "none" and kind != "unsupported":
        raise Interference(f"a value record of unknown type {str(kind)[:40]!r}")


def _check_bytes(record: dict[str, Any], itemsize: int | None) -> None:
    """A tensor or array record whose base64 data is exactly as long as its dtype and shape make it."""
    count = _numel(record)
    data = record.get("data")
    if itemsize is None or count is None or count > MAX_ELEMENTS or len(record["shape"]) > MAX_RANK or type(data) is not str:
        raise Interference("a tensor record with an unknown dtype, a malformed shape or no data")
    if len(data) != 4 * math.ceil(count * itemsize / 3) or not BASE64.fullmatch(data):
        raise Interference("a tensor record whose bytes do not match its shape")


def _check_figure(record: dict[str, Any], depth: int) -> None:
    """Axes with text labels and lines, each line a text label and two arrays (see ``grader.sandbox.wire``)."""
    axes = record.get("axes")
    if type(axes) is not list or any(type(a) is not dict or type(a.get("lines")) is not list for a in axes):
        raise Interference("a malformed figure record")
    for one in axes:
        if any(type(one.get(key, "")) is not str for key in ("xlabel", "ylabel", "title")):
            raise Interference("a figure label that is not text")
        for line in one["lines"]:
            if type(line) is not dict or type(line.get("label")) is not str:
                raise Interference("a malformed figure line")
            for key in ("x", "y"):
                if type(line.get(key)) is not dict or line[key].get("type") != "ndarray":
                    raise Interference("a figure line without its data")
                check_record(line[key], depth + 1)


def _flags(value: object, count: int, what: str) -> None:
    if any(type(item) is not bool for item in _items(value, count, what)):
        raise Interference(f"a {what} entry that is not a boolean")


def _grad_fn(part: dict[str, Any]) -> None:
    if type(part.get("grad_fn")) not in (str, type(None)):
        raise Interference("a grad_fn that is not a name")


def _guarded(part: object, shape: Callable[[Any], None]) -> None:
    if not _is_error(part):
        shape(part)


def _numel(record: object) -> int | None:
    if type(record) is not dict or type(shape := record.get("shape")) is not list or not all(type(s) is int and s >= 0 for s in shape):
        return None
    return math.prod(shape)


# ---------------------------------------------------------------- one shape per probe operation


def _call(probe: dict[str, Any], observation: Any) -> None:
    tensors = [type(a) is dict and a.get("type") == "tensor" for a in [*probe.get("args", []), *probe.get("kwargs", {}).values()]]
    required = frozenset({"value", *(["args_after"] if probe.get("observe_args") else []), *(["grad"] if probe.get("backward") else [])})

    def one(call: Any) -> None:
        _keys(call, required)
        _records([call["value"]] + ([call["grad"]] if "grad" in call else []), 1 + ("grad" in call), "values")
        if "args_after" in call:
            for argument, tensor in zip(_items(call["args_after"], len(tensors), "arguments"), tensors, strict=True):
                _argument(argument, tensor)

    for call in _items(_keys(observation, CALLS)["calls"], int(probe.get("repeat", 1)), "calls"):
        _guarded(call, one)


def _argument(argument: Any, tensor: bool) -> None:
    """A tensor argument after the call (value, version, .grad, requires_grad, is_leaf); a non-tensor is named only.

    Which arguments are tensors the probe says (it passes them), not the worker."""
    if type(argument) is not dict or argument.get("tensor") is not tensor:
        raise Interference("an argument record that does not say what the probe passed")
    if not tensor:
        _keys(argument, OTHER_ARGUMENT, NAMED_OTHER_ARGUMENT)
        return
    _keys(argument, TENSOR_ARGUMENT, NAMED_TENSOR_ARGUMENT)
    _records([argument["value"], argument["grad"]], 2, "argument values")
    _flags([argument["version_changed"], argument["requires_grad"], argument["is_leaf"]], 3, "argument flags")


def _apply(probe: dict[str, Any], observation: Any) -> None:
    inputs = len(probe["inputs"])
    _keys(observation, frozenset({"forward", "backwards"}))

    def forward(part: Any) -> None:
        _keys(part, frozenset({"output"}), frozenset({"output", "grad_fn"}))
        _records([part["output"]], 1, "outputs")
        _grad_fn(part)

    required = frozenset({"output", "grads", *(["op_count"] if probe.get("count_ops") else [])})

    def backward(part: Any) -> None:
        _keys(part, required, required | {"grad_fn", "returned"})
        _records(part["grads"], inputs, "gradients")
        _grad_fn(part)
        if "op_count" in part and type(part["op_count"]) is not int:
            raise Interference("an operator count that is not an integer")
        if "returned" in part and (type(part["returned"]) is not list or any(type(r) is not bool for r in part["returned"])):
            raise Interference("a list of returned gradients that is not booleans")

    _guarded(observation["forward"], forward)
    for run in _items(observation["backwards"], len(probe.get("upstreams", [])), "backward runs"):
        _guarded(run, backward)


def _jacobian(probe: dict[str, Any], observation: Any) -> None:
    inputs = probe["inputs"]
    _keys(observation, frozenset({"output", "rows", "shifted", "zero_upstream"}))
    _records([observation["output"]], 1, "outputs")
    rows = _numel(observation["output"])  # None: forward returned what the wire cannot carry, the judge says so
    if type(observation["rows"]) is not list:
        raise Interference("Jacobian rows that are not a list")
    for row in _items(observation["rows"], len(observation["rows"]) if rows is None else rows, "Jacobian rows"):
        _records(row, len(inputs), "gradients of a Jacobian row")
    for pair in _items(observation["shifted"], sum(_numel(spec) or 0 for spec in inputs), "shifted evaluations"):
        _records(pair, 2, "outputs of a shifted pair")
    _records(observation["zero_upstream"], len(inputs), "gradients at grad_output = 0")


def _second_order(probe: dict[str, Any], observation: Any) -> None:
    wanted = sum(1 for flag in probe.get("requires_grad", []) if flag)

    def run(part: Any) -> None:
        _keys(part, frozenset({"grads", "has_graph", "second"}))
        _records(part["grads"], wanted, "first-order gradients")
        _flags(part["has_graph"], wanted, "has_graph")
        _records(part["second"], wanted, "second-order gradients")

    for part in _items(_keys(observation, frozenset({"runs"}))["runs"], len(probe.get("upstreams", [])), "double backward runs"):
        _guarded(part, run)


def _inplace(probe: dict[str, Any], observation: Any) -> None:
    _keys(observation, frozenset({"on_copy", "on_leaf"}))

    def on_copy(part: Any) -> None:
        _keys(part, frozenset({"output", "same_object", "input_after", "version_bumped", "grad_fn", "grad"}))
        _records([part["output"], part["input_after"], part["grad"]], 3, "values")
        _flags([part["same_object"], part["version_bumped"]], 2, "flags")
        _grad_fn(part)

    def on_leaf(part: Any) -> None:
        if _keys(part, frozenset({"raised"}))["raised"] is not False:
            raise Interference("a leaf run that says it raised without an exception record")

    _guarded(observation["on_copy"], on_copy)
    _guarded(observation["on_leaf"], on_leaf)


def _transforms(probe: dict[str, Any], observation: Any) -> None:
    transforms = _keys(observation, frozenset({"transforms"}))["transforms"]
    asked = set(probe.get("transforms", []))
    if type(transforms) is not dict or set(transforms) != asked:
        found = sorted(transforms)[:10] if type(transforms) is dict else type(transforms).__name__
        raise Interference(f"transforms {found}; asked {sorted(asked)}")
    for part in transforms.values():
        _guarded(part, lambda value: _records([_keys(value, VALUE)["value"]], 1, "values"))


ENVELOPES: dict[str, Shape] = {
    "call": _call,
    "apply": _apply,
    "jacobian": _jacobian,
    "second_order": _second_order,
    "inplace": _inplace,
    "transforms": _transforms,
}
"""One shape per probe operation of :data:`grader.sandbox.probes.PROBES` (the plot probes feed no check)."""


__all__ = ["INTERFERENCE", "Interference", "check_envelope"]
