# expect: points=4 hint=-
# Correct in float64 (the reference is float32; the looser float32 tolerance applies).
import torch


def derivative_square(x0):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    torch.square(x).backward()
    return x.grad
