"""Explaining a student's exception: their own frames and, where known, a hint.

The catalogue matches stable substrings of torch 2.x error texts (see the
course's mistake catalogue); each entry says what to do next.
"""

from __future__ import annotations

import re
from typing import Any

ERROR_HINTS: tuple[tuple[str, str], ...] = (
    (
        r"floating point.*can require gradients",
        "Only floating point tensors can require gradients, and inputs such as 9 arrive as ints: "
        "create the tensor from float(x0), e.g. torch.tensor(float(x0), requires_grad=True).",
    ),
    (r"Can't call numpy\(\) on Tensor that requires grad", "Call .detach() before .numpy() on a tensor that requires grad."),
    (
        r"grad can be implicitly created only for scalar outputs",
        "backward() without arguments needs a scalar: reduce with torch.sum first, or pass gradient=... of the output's shape.",
    ),
    (
        r"does not require grad and does not have a grad_fn",
        "The value was computed outside autograd: start from a tensor with requires_grad=True and avoid .detach(), "
        "torch.no_grad() and math.* functions on the way to the result.",
    ),
    (
        r"backward through the graph a second time",
        "Each backward frees the graph it used: build a fresh graph for every backward, or pass retain_graph=True.",
    ),
    (
        r"leaf Variable that requires grad (is being|has been) used in an in-place operation",
        "A leaf that requires grad cannot be changed in place: work on a clone, or change it under torch.no_grad().",
    ),
    (
        r"modified by an inplace operation",
        "A tensor saved for backward was changed in place afterwards: use out-of-place operations (x = x * 2, not x *= 2).",
    ),
    (
        r"returned an incorrect number of gradients",
        "backward must return one gradient per input of forward, in the same order (None for inputs that are not tensors).",
    ),
    (
        r"returned a gradient different than None at position",
        "Return None as the gradient of an argument that is not a tensor (such as a Python float constant).",
    ),
    (r"can't allocate memory|MemoryError|Cannot allocate memory", "Your code used more memory than the limit allows."),
    (r"'NoneType' object has no attribute 'zero_'", ".grad is None until the first backward: zero it after use, or set x.grad = None."),
    (r"must override the setup_context staticmethod", "torch.func needs the forward(...) + setup_context(ctx, inputs, output) style."),
    (
        r"does not have vmap support|set generate_vmap_rule=True",
        "vmap needs a batching rule: set generate_vmap_rule = True on the Function (with the setup_context style).",
    ),
    (r"must implement the jvp function", "Forward-mode AD (torch.func.jvp) needs a jvp staticmethod on the Function."),
    (
        r"Mismatch in shape: grad_output",
        "The gradient passed to backward must have the output's shape: do not reshape or broadcast it to fit.",
    ),
    (
        r"appears to not have been used in the graph",
        "torch.autograd.grad was asked for a tensor the output does not depend on: differentiate with respect to "
        "the tensor you computed the output from.",
    ),
    (
        r"forward\(\) (takes [2-9] positional arguments but \d+ were given|missing \d+ required positional argument)"
        r"|__init__\(\) (takes|missing)|Legacy autograd function",
        "This looks like an old-style autograd Function (a forward that is not a @staticmethod, or an __init__): "
        "PyTorch no longer supports it. Write @staticmethod def forward(ctx, ...) and @staticmethod def backward(ctx, "
        "grad_output), keep constants on ctx instead of self, and call the class itself: MyFunction.apply(x).",
    ),
    (
        r"forward\(\) takes 1 positional argument but \d+ were given",
        "A forward without ctx is the forward + setup_context style: add @staticmethod def setup_context(ctx, inputs, "
        "output) to save what backward needs, or take ctx as forward's first argument.",
    ),
    (
        r"backward\(\) takes \d+ positional arguments? but \d+ were given",
        "backward receives one gradient per output of forward: backward(ctx, grad_a, grad_b) for two outputs, "
        "even when one of them is not differentiable.",
    ),
    (
        r"returned an invalid gradient at index",
        "Each gradient returned by backward must have the shape of its input: check transposes and reductions.",
    ),
    (
        r"expected Variable or None \(got",
        "backward must return tensors (or None), not Python numbers: build the gradient from grad_output.",
    ),
    (r"Network is unreachable|Connection refused|Name or service not known", "Grading runs without network access."),
    (r"Read-only file system|Permission denied", "Your code may only write files under /tmp while it is graded."),
)


def hint_for(error: dict[str, Any]) -> str | None:
    text = f"{error.get('type', '')}: {error.get('message', '')}"
    for pattern, hint in ERROR_HINTS:
        if re.search(pattern, text):
            return hint
    return None


def is_not_started(error: dict[str, Any]) -> bool:
    return error.get("type") == "NotImplementedError"


def describe_error(error: dict[str, Any], label: str) -> str:
    """``label raised TypeError: ... (line 7: x = ...)``, trimmed to the student's own file."""
    message = str(error.get("message", "")).strip().splitlines()
    first = message[0][:300] if message else ""
    text = f"{label} raised {error.get('type', 'an exception')}" + (f": {first}" if first else "")
    frames = error.get("frames") or []
    if frames:
        last = frames[-1]
        text += f" (your line {last.get('line')}: {str(last.get('code', '')).strip()})"
    return text


__all__ = ["describe_error", "hint_for", "is_not_started"]
