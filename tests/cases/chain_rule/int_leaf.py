# expect: points=2 hint=float(x0)
# Wrong for ints: fails the visible x0 = 100 and the hidden integer points, passes the hidden real points (2 pts).
import torch


def derivative_scaled_sin(x0):
    x = torch.tensor(x0, requires_grad=True)
    torch.sin(x / 2**1.5).backward()
    return x.grad
