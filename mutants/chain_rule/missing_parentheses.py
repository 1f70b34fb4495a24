"""Writes 2*sqrt(2) without parentheses: x / 2 * 2**0.5 is (x / 2) * sqrt(2)."""

import torch


def derivative_scaled_sin(x0: float) -> torch.Tensor:
    x = torch.tensor(float(x0), requires_grad=True)
    y = torch.sin(x / 2 * 2**0.5)
    y.backward()
    return x.grad
