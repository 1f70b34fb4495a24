# expect: points=0 hint=denominator
# Wrong: x / 2 * sqrt(2) is (x / 2) * sqrt(2), not x / (2 * sqrt(2)).
import torch


def derivative_scaled_sin(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = torch.sin(x / 2 * torch.sqrt(torch.tensor(2.0)))
    y.backward()
    return x.grad
