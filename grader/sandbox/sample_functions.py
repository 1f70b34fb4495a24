"""Functions a check can pass to student code, such as ``numerical_gradient(f, x)``.

A course names them in ``course.yaml`` (``{function: scaled_sin}``); the worker
rebuilds them from this fixed library, so no code travels with a probe. Each
takes a float tensor ``x`` and returns a 0-d tensor in ``x``'s dtype, which
lets a judge see a student who evaluates ``f`` in float32.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def scaled_sin(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(x / 2**1.5).sum()


def cube(x: torch.Tensor) -> torch.Tensor:
    return (x**3).sum()


def poly2(x: torch.Tensor) -> torch.Tensor:
    """``u*v + u**2 + v**3`` on ``x = [u, v]``."""
    u, v = x[0], x[1]
    return u * v + u**2 + v**3


def sum_of_squares(x: torch.Tensor) -> torch.Tensor:
    return (x**2).sum()


def exp_sum(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(x).sum()


def steep(x: torch.Tensor) -> torch.Tensor:
    """Large higher derivatives: a forward difference is visibly worse than a central one."""
    return (torch.exp(3 * x) * torch.sin(5 * x)).sum()


SAMPLE_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    function.__name__: function for function in (scaled_sin, cube, poly2, sum_of_squares, exp_sum, steep)
}
"""By the name ``course.yaml`` uses."""


__all__ = ["SAMPLE_FUNCTIONS", "cube", "exp_sum", "poly2", "scaled_sin", "steep", "sum_of_squares"]
