# expect: points=8 hint=-
# Correct: computes with plain float64 tensors (torch.cos), no autograd, and returns .item() floats.
import torch


def manual_partials(u0, v0):
    u = torch.tensor(u0, dtype=torch.float64)
    v = torch.tensor(v0, dtype=torch.float64)
    return (v + 2 * u).item(), (u + 3 * v**2).item()


def manual_scaled_sin_derivative(x0):
    x = torch.tensor(x0, dtype=torch.float64)
    return (torch.cos(x / 2**1.5) / 2**1.5).item()
