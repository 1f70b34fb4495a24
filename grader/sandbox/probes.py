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
from types import CodeType, FunctionType, ModuleType
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from grader.sandbox.sample_functions import SAMPLE_FUNCTIONS
from grader.sandbox.wire import decode_tensor, decode_value, encode, encode_tensor

Observation = dict[str, Any]
NONE: dict[str, Any] = {"type": "none"}


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


def _argument(record: dict[str, Any]) -> Any:
    """An input for student code; ``{"type": "function"}`` names a function of the fixed test library."""
    if record.get("type") == "function":
        return SAMPLE_FUNCTIONS[str(record.get("name"))]
    return decode_value(record)


def _argument_state(argument: Any, version_before: int | None, name: str | None) -> Observation:
    """A tensor argument after the call: its value, whether it was changed in place, its ``.grad``, ``requires_grad``
    and ``is_leaf`` (``x.requires_grad_()`` changes the caller's tensor without touching its values)."""
    named: Observation = {} if name is None else {"name": name}
    if type(argument) is not torch.Tensor or version_before is None:
        return {"tensor": False, **named}
    return {
        "tensor": True,
        **named,
        "value": encode_tensor(argument.detach()),
        "version_changed": argument._version != version_before,
        "grad": encode(argument.grad),
        "requires_grad": bool(argument.requires_grad),
        "is_leaf": bool(argument.is_leaf),
    }


def _parameter_names(function: Any, count: int) -> list[str | None]:
    """The names of a plain function's first ``count`` positional parameters, read from its code object without
    calling anything of the student's; ``None`` where there is no such name. The judge names arguments by the
    reference solution's names only."""
    code = function.__code__ if type(function) is FunctionType else None
    names: list[str | None] = [str(n)[:40] for n in code.co_varnames[: code.co_argcount]] if type(code) is CodeType else []
    return [*names, *[None] * count][:count]


def _one_call(module: ModuleType, request: dict[str, Any]) -> Observation:
    function = _entry(module, request["entry"])
    args = [_argument(a) for a in request.get("args", [])]
    kwargs = {k: _argument(v) for k, v in request.get("kwargs", {}).items()}
    observed = [*args, *kwargs.values()]
    versions = [a._version if type(a) is torch.Tensor else None for a in observed]
    result = function(*args, **kwargs)
    observation: Observation = {"value": encode(result)}
    if request.get("observe_args"):
        names = [*_parameter_names(function, len(args)), *kwargs]
        observation["args_after"] = [_argument_state(a, v, n) for a, v, n in zip(observed, versions, names, strict=True)]
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
    flags = request.get("requires_grad") or [True] * len(request["inputs"])
    return [decode_tensor(spec).requires_grad_(bool(flag)) for spec, flag in zip(request["inputs"], flags, strict=True)]


def _extra_args(request: dict[str, Any]) -> list[Any]:
    """The non-tensor arguments a Function takes after its inputs (a constant, ``None`` for a missing bias)."""
    return [decode_value(e) for e in request.get("extra", [])]


def _grad_record(tensor: torch.Tensor | None) -> dict[str, Any]:
    return NONE if tensor is None else encode_tensor(tensor.detach())


def _upstream_like(output: torch.Tensor, upstream: dict[str, Any]) -> torch.Tensor:
    if "fill" in upstream:
        return torch.full_like(output, float(upstream["fill"]))
    return decode_tensor(upstream).to(output.dtype)


class _OpCounter(TorchDispatchMode):
    """Counts the named aten operators that run inside it (e.g. matrix products in a backward)."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.names = names
        self.count = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if func.overloadpacket.__name__ in self.names:
            self.count += 1
        return func(*args, **(kwargs or {}))


def _apply_once(module: ModuleType, request: dict[str, Any], upstream: dict[str, Any] | None) -> Observation:
    cls = _entry(module, request["entry"])
    inputs = _fresh_inputs(request)
    extra = _extra_args(request)
    output = cls.apply(*inputs, *extra)
    observation: Observation = {"output": encode(output)}
    first = output[0] if type(output) is tuple else output
    if type(first) is torch.Tensor:
        observation["grad_fn"] = None if first.grad_fn is None else type(first.grad_fn).__name__
    if upstream is not None:
        if type(first) is not torch.Tensor:
            raise TypeError("forward must return a tensor")
        gradient = _upstream_like(first, upstream)
        if request.get("count_ops"):
            with _OpCounter(set(request["count_ops"])) as counter:
                torch.autograd.backward(first, grad_tensors=gradient)
            observation["op_count"] = counter.count
        else:
            torch.autograd.backward(first, grad_tensors=gradient)
        observation["grads"] = [_grad_record(x.grad) for x in inputs]
        if not all(x.requires_grad for x in inputs) and type(output) is torch.Tensor:
            observation["returned"] = _what_backward_returns(cls, request, extra, upstream)
    return observation


def _what_backward_returns(cls: Any, request: dict[str, Any], extra: list[Any], upstream: dict[str, Any]) -> list[bool]:
    """Which gradients backward itself returns as None, before autograd drops those nobody needs."""
    inputs = _fresh_inputs(request)
    output = cls.apply(*inputs, *extra)
    if type(output) is not torch.Tensor or output.grad_fn is None:
        raise TypeError("forward must return a tensor computed from the inputs")
    returned = output.grad_fn.apply(_upstream_like(output, upstream))  # type: ignore[attr-defined]
    items = list(returned) if type(returned) in (tuple, list) else [returned]
    return [item is None for item in items]


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
    extra = _extra_args(request)
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
        rows.append([_grad_record(x.grad) for x in inputs])
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
    zero_upstream = [_grad_record(x.grad) for x in inputs]
    return {"output": encode(output), "rows": rows, "shifted": shifted, "zero_upstream": zero_upstream}


def probe_second_order(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """First-order gradients with ``create_graph=True`` and the derivative of their sum, per upstream."""
    checked = _guarded(student_file, lambda: _function_class(module, request["entry"]))
    if "error" in checked:
        return checked
    runs = [_guarded(student_file, partial(_second_order_once, module, request, upstream)) for upstream in request["upstreams"]]
    return {"runs": runs}


def _second_order_once(module: ModuleType, request: dict[str, Any], upstream: dict[str, Any]) -> Observation:
    cls = _entry(module, request["entry"])
    inputs = _fresh_inputs(request)
    extra = _extra_args(request)
    output = cls.apply(*inputs, *extra)
    first = output[0] if type(output) is tuple else output
    if type(first) is not torch.Tensor:
        raise TypeError("forward must return a tensor")
    wanted = [x for x in inputs if x.requires_grad]
    grads = torch.autograd.grad(first, wanted, grad_outputs=_upstream_like(first, upstream), create_graph=True, allow_unused=True)
    differentiable = [g for g in grads if g is not None and g.requires_grad]
    second: tuple[torch.Tensor | None, ...] = (None,) * len(wanted)
    if differentiable:
        total = torch.stack([g.sum() for g in differentiable]).sum()
        second = torch.autograd.grad(total, wanted, allow_unused=True)
    return {
        "grads": [_grad_record(g) for g in grads],
        "has_graph": [g is not None and g.requires_grad for g in grads],
        "second": [_grad_record(s) for s in second],
    }


def probe_inplace(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """An in-place Function on a non-leaf (identity, version, grad_fn, gradient) and on a leaf (must raise)."""
    checked = _guarded(student_file, lambda: _function_class(module, request["entry"]))
    if "error" in checked:
        return checked
    on_copy = _guarded(student_file, lambda: _inplace_on_copy(module, request))
    on_leaf = _guarded(student_file, lambda: _inplace_on_leaf(module, request))
    return {"on_copy": on_copy, "on_leaf": on_leaf}


def _inplace_on_copy(module: ModuleType, request: dict[str, Any]) -> Observation:
    cls = _entry(module, request["entry"])
    extra = _extra_args(request)
    leaf = decode_tensor(request["inputs"][0]).requires_grad_(True)
    copy = leaf.clone()
    version = copy._version
    output = cls.apply(copy, *extra)
    observation: Observation = {
        "output": encode(output),
        "same_object": output is copy,
        "input_after": encode_tensor(copy.detach()),
        "version_bumped": copy._version > version,
        "grad_fn": None if copy.grad_fn is None else type(copy.grad_fn).__name__,
    }
    if type(output) is not torch.Tensor:
        raise TypeError("forward must return a tensor")
    torch.autograd.backward(output, grad_tensors=_upstream_like(output, request["upstreams"][0]))
    observation["grad"] = _grad_record(leaf.grad)
    return observation


def _inplace_on_leaf(module: ModuleType, request: dict[str, Any]) -> Observation:
    cls = _entry(module, request["entry"])
    extra = _extra_args(request)
    cls.apply(decode_tensor(request["inputs"][0]).requires_grad_(True), *extra)
    return {"raised": False}


def probe_transforms(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """``torch.func`` transforms of a plain function over the points of one input, each guarded alone."""
    point = decode_tensor(request["inputs"][0])
    entry = request["entry"]
    return {"transforms": {name: _guarded(student_file, partial(_transform, module, entry, name, point)) for name in request["transforms"]}}


def _transform(module: ModuleType, entry: str, name: str, point: torch.Tensor) -> Observation:
    from torch import func

    function = _entry(module, entry)
    points = point.reshape(-1)
    if name == "grad":
        value = torch.stack([func.grad(function)(x) for x in points])
    elif name == "grad_grad":
        value = torch.stack([func.grad(func.grad(function))(x) for x in points])
    elif name == "vmap":
        value = func.vmap(function)(points)
    else:
        value = func.vmap(func.grad(function))(points)
    if type(value) is torch.Tensor:
        value = value.reshape(point.shape)
    return {"value": encode(value)}


PROBES: dict[str, Callable[[ModuleType, str, dict[str, Any]], Observation]] = {
    "call": probe_call,
    "apply": probe_apply,
    "jacobian": probe_jacobian,
    "second_order": probe_second_order,
    "inplace": probe_inplace,
    "transforms": probe_transforms,
}
"""Probe operations by name: the only things a plan can ask a worker to do."""


__all__ = ["Observation", "PROBES", "describe_exception"]
