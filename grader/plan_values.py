"""``course.yaml`` value specs -> Python values and tensors, drawing random ones from a generator.

The specs were checked when the course was loaded (:mod:`grader.course.value_specs`),
so nothing here judges a spec: it builds what the spec says. The plan encodes the
result for a worker (:mod:`grader.sandbox.wire`) and shows it in feedback labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.course.value_specs import RANDOM_KEYS
from grader.sandbox.wire import encode, encode_tensor


@dataclass(frozen=True)
class SampleFunction:
    """``{function: name}`` in course.yaml: a function from the worker's fixed library, passed by name."""

    name: str

    def __repr__(self) -> str:
        return self.name


def encode_argument(value: Any) -> dict[str, Any]:
    """A resolved argument as the worker receives it; a sample function travels by name."""
    if isinstance(value, SampleFunction):
        return {"type": "function", "name": value.name}
    return encode(value)


def resolve(value: Any, generator: np.random.Generator | None, tensor: bool) -> Any:
    """A YAML value spec -> a Python value or tensor (random specs only come with a ``generator``)."""
    if isinstance(value, dict):
        if "function" in value:
            return SampleFunction(str(value["function"]))
        if "tensor" in value:
            result = torch.tensor(value["tensor"], dtype=_dtype(value.get("dtype", "float64")))
            return result.requires_grad_(True) if value.get("requires_grad") else result
        if generator is None or not set(value) & set(RANDOM_KEYS):  # unreachable for a loaded course: fail closed
            raise ValueError(f"cannot read the value spec {value}")
        return _draw(value, generator, tensor)
    if isinstance(value, list):
        return [resolve(item, generator, tensor) for item in value]
    return value


def _draw(spec: dict[str, Any], generator: np.random.Generator, tensor: bool) -> Any:
    shape = spec.get("shape")
    size = tuple(shape) if shape is not None else None
    if "uniform" in spec:
        low, high = spec["uniform"]
        drawn: Any = generator.uniform(low, high, size=size)
    elif "normal" in spec:
        mean, std = spec["normal"]
        drawn = generator.normal(mean, std, size=size)
    elif "randint" in spec:
        low, high = spec["randint"]
        drawn = generator.integers(low, high, size=size, endpoint=True)
    else:
        options = spec["choice"]
        return options[int(generator.integers(0, len(options)))]
    if size is not None or tensor:
        dtype = _dtype(spec.get("dtype", "float64" if "randint" not in spec else "int64"))
        return torch.tensor(np.asarray(drawn), dtype=dtype)
    return float(drawn) if "randint" not in spec else int(drawn)


def _dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, str(name), None)
    if not isinstance(dtype, torch.dtype):  # unreachable for a loaded course: fail closed
        raise ValueError(f"unknown dtype `{name}`")
    return dtype


def tensor_input(value: Any, generator: np.random.Generator | None) -> torch.Tensor:
    """An ``inputs`` entry: always a tensor, float64 unless the spec made it floating already."""
    resolved = resolve(value, generator, tensor=True)
    if isinstance(resolved, torch.Tensor):
        return resolved.detach().to(torch.float64) if not resolved.is_floating_point() else resolved.detach()
    return torch.tensor(resolved, dtype=torch.float64)


def upstream(value: Any, generator: np.random.Generator | None) -> dict[str, Any]:
    """An upstream gradient for the worker: a constant to fill the output's shape with, or a float64 tensor."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"fill": float(value)}
    resolved = resolve(value, generator, tensor=False)
    if isinstance(resolved, (int, float)):
        return {"fill": float(resolved)}
    tensor = resolved if isinstance(resolved, torch.Tensor) else torch.tensor(resolved, dtype=torch.float64)
    return encode_tensor(tensor.to(torch.float64))


def show(value: Any) -> str:
    """A resolved value as feedback shows a visible input."""
    if isinstance(value, torch.Tensor):
        return f"tensor({value.tolist()}, dtype={str(value.dtype).removeprefix('torch.')})"
    return repr(value)


def show_upstream(value: Any) -> str:
    return repr(value) if not isinstance(value, dict) else "a tensor"


__all__ = ["SampleFunction", "encode_argument", "resolve", "show", "show_upstream", "tensor_input", "upstream"]
