"""What the worker does with a student's module: call it and observe.

A probe never sees expected values, tolerances or check names; it receives
inputs and returns observations (plain data from :mod:`grader.sandbox.wire`).
Every student call is wrapped so that an exception becomes an ``error``
record with the traceback trimmed to the student's own file.

Imported by the worker: standard library, numpy and torch only.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import torch

from grader.sandbox.wire import decode_tensor, decode_value, encode, encode_tensor

Observation = dict[str, Any]


def describe_exception(error: BaseException, student_file: str) -> dict[str, Any]:
    """An exception as data: type, message and the student's own frames only."""
    frames = [
        {"line": frame.lineno, "code": (frame.line or "")[:300], "function": frame.name}
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == student_file
    ]
    if isinstance(error, SyntaxError) and error.filename == student_file:
        frames.append({"line": error.lineno, "code": (error.text or "").strip()[:300], "function": "<module>"})
    return {
        "type": type(error).__name__[:100],
        "message": _safe_str(error)[:2000],
        "frames": frames[-10:],
    }


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except BaseException:  # a hostile __str__
        return "<the exception's message could not be read>"


def _guarded(student_file: str, action: Callable[[], Observation]) -> Observation:
    try:
        return action()
    except BaseException as error:  # student code may raise anything, even SystemExit
        return {"error": describe_exception(error, student_file)}


def _entry(module: ModuleType, name: str) -> Any:
    if name not in vars(module):
        raise AttributeError(f"your file does not define `{name}`")
    return vars(module)[name]


def probe_call(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """Call a plain function ``repeat`` times; optionally run backward on its result."""
    calls = []
    for _ in range(int(request.get("repeat", 1))):
        calls.append(_guarded(student_file, lambda: _one_call(module, request)))
    return {"calls": calls}


def _one_call(module: ModuleType, request: dict[str, Any]) -> Observation:
    function = _entry(module, request["entry"])
    args = [decode_value(a) for a in request.get("args", [])]
    kwargs = {k: decode_value(v) for k, v in request.get("kwargs", {}).items()}
    result = function(*args, **kwargs)
    observation: Observation = {"value": encode(result)}
    backward = request.get("backward")
    if backward:
        if type(result) is not dict:
            raise TypeError(f"expected a dict with keys {backward['of']!r} and {backward['grad_of']!r}")
        result[backward["of"]].backward()
        grad = result[backward["grad_of"]].grad
        observation["grad"] = encode(grad)
    return observation


def probe_apply(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """``Entry.apply`` on fresh leaves, then backward once per upstream gradient."""
    checked = _guarded(student_file, lambda: _function_class(module, request["entry"]))
    if "error" in checked:
        return checked
    forward = _guarded(student_file, lambda: _apply_once(module, request, upstream=None))
    backwards = [_guarded(student_file, partial(_apply_once, module, request, upstream)) for upstream in request.get("upstreams", [])]
    return {"forward": forward, "backwards": backwards}


def _function_class(module: ModuleType, name: str) -> Observation:
    candidate = _entry(module, name)
    if not (isinstance(candidate, type) and issubclass(candidate, torch.autograd.Function)):
        raise TypeError(f"`{name}` must be a class derived from torch.autograd.Function, found {type(candidate).__name__}")
    return {}


def _fresh_inputs(request: dict[str, Any]) -> list[torch.Tensor]:
    return [decode_tensor(spec).requires_grad_(True) for spec in request["inputs"]]


def _apply_once(module: ModuleType, request: dict[str, Any], upstream: dict[str, Any] | None) -> Observation:
    cls = _entry(module, request["entry"])
    inputs = _fresh_inputs(request)
    extra = [decode_value(e) for e in request.get("extra", [])]
    output = cls.apply(*inputs, *extra)
    observation: Observation = {"output": encode(output)}
    first = output[0] if type(output) is tuple else output
    if type(first) is torch.Tensor:
        observation["grad_fn"] = None if first.grad_fn is None else type(first.grad_fn).__name__
    if upstream is not None:
        if type(first) is not torch.Tensor:
            raise TypeError("forward must return a tensor")
        gradient = torch.full_like(first, float(upstream["fill"])) if "fill" in upstream else decode_tensor(upstream)
        torch.autograd.backward(first, grad_tensors=gradient)
        observation["grads"] = [encode_tensor(x.grad) if x.grad is not None else {"type": "none"} for x in inputs]
    return observation


def probe_jacobian(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """Raw data for a gradcheck in the trusted process.

    Returns the student's analytical Jacobian rows (backward of each output
    element) and the student's forward outputs at ``x +- eps`` for every input
    element. The trusted process forms the finite differences and compares.
    """
    return _guarded(student_file, lambda: _jacobian(module, request))


def _jacobian(module: ModuleType, request: dict[str, Any]) -> Observation:
    _function_class(module, request["entry"])
    cls = _entry(module, request["entry"])
    extra = [decode_value(e) for e in request.get("extra", [])]
    eps = float(request["eps"])
    base = _fresh_inputs(request)
    output = cls.apply(*base, *extra)
    if type(output) is not torch.Tensor:
        raise TypeError("forward must return a tensor")
    rows = []
    for k in range(output.numel()):
        inputs = _fresh_inputs(request)
        out = cls.apply(*inputs, *extra)
        basis = torch.zeros_like(out).reshape(-1)
        basis[k] = 1.0
        torch.autograd.backward(out, grad_tensors=basis.reshape(out.shape))
        rows.append([encode_tensor(x.grad) if x.grad is not None else {"type": "none"} for x in inputs])
    shifted = []
    with torch.no_grad():
        for i, tensor in enumerate(base):
            for j in range(tensor.numel()):
                pair = []
                for sign in (1.0, -1.0):
                    inputs = [t.detach().clone() for t in base]
                    inputs[i].reshape(-1)[j] += sign * eps
                    pair.append(encode(cls.apply(*inputs, *extra)))
                shifted.append(pair)
    inputs = _fresh_inputs(request)
    out = cls.apply(*inputs, *extra)
    torch.autograd.backward(out, grad_tensors=torch.zeros_like(out))
    zero_upstream = [encode_tensor(x.grad) if x.grad is not None else {"type": "none"} for x in inputs]
    return {"output": encode(output), "rows": rows, "shifted": shifted, "zero_upstream": zero_upstream}


PROBES: dict[str, Callable[[ModuleType, str, dict[str, Any]], Observation]] = {
    "call": probe_call,
    "apply": probe_apply,
    "jacobian": probe_jacobian,
}
"""Probe operations by name: the only things a plan can ask a worker to do."""
