"""Differentiates the outer sin only: cos(x / 2**1.5), missing the factor 1 / 2**1.5."""

import torch


def derivative_scaled_sin(x0: float) -> torch.Tensor:
    x = torch.tensor(float(x0))
    return torch.cos(x / 2**1.5)
