"""Values as plain data between the worker and the trusted process.

The worker turns whatever the student returned into JSON-able dicts: tensors
become ``dtype``, ``shape`` and base64 bytes (plus their autograd facts),
arrays the same, scalars stay scalars. Anything else becomes an
``unsupported`` record naming its type, which the judge reports as a student
error. Nothing is pickled, and the trusted side rebuilds tensors with
``torch.frombuffer`` from bytes it has size-checked, so an object whose
``__eq__``, ``__float__`` or ``__reduce__`` lies never reaches the judge.

This module is imported by the worker: it may import only the standard
library, numpy and torch.
"""

from __future__ import annotations

import base64
import math
import sys
from typing import Any

import numpy as np
import torch

MAX_ELEMENTS = 10_000_000
"""Largest tensor the wire carries; a bigger one is reported, not copied."""

MAX_DEPTH = 8
MAX_ITEMS = 1000

TENSOR_DTYPES: dict[str, torch.dtype] = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
}
ARRAY_DTYPES = frozenset({"float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32", "int64", "uint8", "bool"})


def _type_name(obj: object) -> str:
    cls = type(obj)
    module = type.__dict__["__module__"].__get__(cls)
    qualname = type.__dict__["__qualname__"].__get__(cls)
    return f"{module}.{qualname}" if module != "builtins" else str(qualname)


def encode(value: object, depth: int = 0) -> dict[str, Any]:
    """Describe ``value`` as plain data, never calling its own methods.

    Exact type checks (``type(x) is ...``) keep subclasses out: a subclass of
    ``torch.Tensor`` or ``float`` can override comparisons and conversions.
    """
    if depth > MAX_DEPTH:
        return {"type": "unsupported", "reason": "nested too deeply"}
    kind = type(value)
    if value is None:
        return {"type": "none"}
    if kind is bool:
        return {"type": "bool", "value": bool(value)}
    if kind is int:
        number = int.__int__(value)  # type: ignore[arg-type]
        if abs(number) > 2**63:
            return {"type": "unsupported", "reason": "integer too large"}
        return {"type": "int", "value": number}
    if kind is float:
        return _encode_float(float.__float__(value))  # type: ignore[arg-type]
    if kind is str:
        return {"type": "str", "value": str.__str__(value)[:10_000]}  # type: ignore[arg-type]
    if kind is torch.Tensor:
        return encode_tensor(value)  # type: ignore[arg-type]
    if kind is np.ndarray:
        return _encode_array(value)  # type: ignore[arg-type]
    if kind in (np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_):
        return {"type": "numpy_scalar", "array": _encode_array(np.asarray(value))}
    if kind in (tuple, list):
        items: Any = tuple.__iter__(value) if kind is tuple else list.__iter__(value)  # type: ignore[arg-type]
        encoded = []
        for index, item in enumerate(items):
            if index >= MAX_ITEMS:
                return {"type": "unsupported", "reason": f"more than {MAX_ITEMS} items"}
            encoded.append(encode(item, depth + 1))
        return {"type": kind.__name__, "items": encoded}
    if kind is dict:
        entries: dict[str, Any] = {}
        key: Any
        for key, item in dict.items(value):  # type: ignore[arg-type]
            if type(key) is not str:
                return {"type": "unsupported", "reason": "dict keys must be strings"}
            if len(entries) >= MAX_ITEMS:
                return {"type": "unsupported", "reason": f"more than {MAX_ITEMS} entries"}
            entries[key] = encode(item, depth + 1)
        return {"type": "dict", "items": entries}
    figure = _encode_figure(value)
    if figure is not None:
        return figure
    return {"type": "unsupported", "type_name": _type_name(value)[:200]}


def _encode_float(number: float) -> dict[str, Any]:
    if math.isfinite(number):
        return {"type": "float", "value": number}
    return {"type": "float", "value": None, "special": repr(number)}


def encode_tensor(tensor: torch.Tensor) -> dict[str, Any]:
    """A plain tensor's value and the autograd facts a check may look at."""
    dtype_name = str(tensor.dtype).removeprefix("torch.")
    if dtype_name not in TENSOR_DTYPES:
        return {"type": "unsupported", "type_name": f"torch.Tensor of dtype {dtype_name}"}
    if tensor.layout != torch.strided or tensor.device.type != "cpu":
        return {"type": "unsupported", "type_name": f"torch.Tensor on {tensor.device} with layout {tensor.layout}"}
    if tensor.numel() > MAX_ELEMENTS:
        return {"type": "unsupported", "reason": f"tensor with {tensor.numel()} elements (limit {MAX_ELEMENTS})"}
    grad_fn = tensor.grad_fn
    data = b"" if tensor.numel() == 0 else tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    return {
        "type": "tensor",
        "dtype": dtype_name,
        "shape": list(tensor.shape),
        "data": base64.b64encode(data).decode("ascii"),
        "requires_grad": bool(tensor.requires_grad),
        "is_leaf": bool(tensor.is_leaf),
        "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
    }


def _encode_array(array: np.ndarray) -> dict[str, Any]:
    dtype_name = array.dtype.name
    if dtype_name not in ARRAY_DTYPES:
        return {"type": "unsupported", "type_name": f"numpy.ndarray of dtype {dtype_name}"}
    if array.size > MAX_ELEMENTS:
        return {"type": "unsupported", "reason": f"array with {array.size} elements (limit {MAX_ELEMENTS})"}
    data = np.ascontiguousarray(array).tobytes()
    return {"type": "ndarray", "dtype": dtype_name, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def _encode_figure(value: object) -> dict[str, Any] | None:
    """A matplotlib Figure as its axes, labels and line data (no pixels).

    matplotlib is looked up in ``sys.modules`` rather than imported: if the
    student never imported it, the value cannot be a Figure.
    """
    figure_module = sys.modules.get("matplotlib.figure")
    if figure_module is None or type(value) is not figure_module.Figure:
        return None
    axes_records = []
    for axes in value.get_axes():  # type: ignore[attr-defined]
        lines = []
        for line in axes.get_lines()[:MAX_ITEMS]:
            xdata = np.asarray(line.get_xdata(), dtype=np.float64)
            ydata = np.asarray(line.get_ydata(), dtype=np.float64)
            lines.append({"label": str(line.get_label())[:200], "x": _encode_array(xdata), "y": _encode_array(ydata)})
        axes_records.append(
            {
                "xlabel": str(axes.get_xlabel())[:200],
                "ylabel": str(axes.get_ylabel())[:200],
                "title": str(axes.get_title())[:200],
                "lines": lines,
            }
        )
    return {"type": "figure", "axes": axes_records}


class WireError(ValueError):
    """A record from the worker that is not well-formed (a forged or corrupt frame)."""


def decode_tensor(record: dict[str, Any]) -> torch.Tensor:
    """Rebuild a tensor in the trusted process from a size-checked record."""
    dtype = TENSOR_DTYPES.get(str(record.get("dtype")))
    if dtype is None:
        raise WireError(f"unknown tensor dtype {record.get('dtype')!r}")
    shape = _checked_shape(record.get("shape"))
    raw = base64.b64decode(str(record.get("data", "")), validate=True)
    element_size = torch.empty((), dtype=dtype).element_size()
    if len(raw) != math.prod(shape) * element_size:
        raise WireError("tensor byte count does not match its shape")
    if not raw:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape).clone()


NUMPY_READABLE: dict[str, np.dtype[Any]] = {
    name: np.dtype(name)
    for name in ("float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32", "int64", "uint8")
}
"""Tensor dtypes whose bytes numpy reads exactly as torch does. Not bfloat16 (numpy has no such dtype) and not
bool (a forged byte other than 0 or 1 is read by torch's rules, as before)."""


def decode_tensor_values(record: dict[str, Any]) -> np.ndarray:
    """A tensor record of a :data:`NUMPY_READABLE` dtype as a read-only ndarray of that dtype, for the judge.

    The same checks and errors as :func:`decode_tensor`, without building a
    tensor: the judge decodes tens of thousands of small tensors per class, and
    the five torch calls of :func:`decode_tensor` cost more than the comparison.
    """
    readable = NUMPY_READABLE.get(str(record.get("dtype")))
    if readable is None:
        raise WireError(f"numpy does not read tensor dtype {record.get('dtype')!r}; use decode_tensor")
    shape = _checked_shape(record.get("shape"))
    raw = base64.b64decode(str(record.get("data", "")), validate=True)
    if len(raw) != math.prod(shape) * readable.itemsize:
        raise WireError("tensor byte count does not match its shape")
    return np.frombuffer(raw, dtype=readable).reshape(shape)


def decode_array(record: dict[str, Any]) -> np.ndarray:
    """Rebuild an ndarray (never with ``allow_pickle``) from a size-checked record."""
    dtype_name = str(record.get("dtype"))
    if dtype_name not in ARRAY_DTYPES:
        raise WireError(f"unknown array dtype {dtype_name!r}")
    shape = _checked_shape(record.get("shape"))
    raw = base64.b64decode(str(record.get("data", "")), validate=True)
    dtype = np.dtype(dtype_name)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("array byte count does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _checked_shape(shape: object) -> list[int]:
    if type(shape) is not list or len(shape) > 16 or any(type(s) is not int or s < 0 for s in shape):
        raise WireError(f"malformed shape {shape!r}")
    if math.prod(shape) > MAX_ELEMENTS:
        raise WireError("tensor larger than the wire allows")
    return shape


def decode_value(record: dict[str, Any]) -> Any:
    """Rebuild a plain Python value (inputs in the worker, values in the judge).

    Figures and unsupported records stay as their dicts: the judge reads them as data.
    """
    kind = record.get("type")
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        return record["value"]
    if kind == "float":
        value = record.get("value")
        return float(record.get("special", "nan")) if value is None else float(value)
    if kind == "tensor":
        tensor = decode_tensor(record)
        return tensor.requires_grad_(True) if record.get("requires_grad") and tensor.is_floating_point() else tensor
    if kind == "ndarray":
        return decode_array(record)
    if kind == "numpy_scalar":
        return decode_array(record["array"])[()]
    if kind == "tuple":
        return tuple(decode_value(item) for item in record["items"])
    if kind == "list":
        return [decode_value(item) for item in record["items"]]
    if kind == "dict":
        return {key: decode_value(item) for key, item in record["items"].items()}
    return record


__all__ = ["WireError", "decode_array", "decode_tensor", "decode_tensor_values", "decode_value", "encode", "encode_tensor"]
