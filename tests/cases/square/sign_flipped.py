# expect: points=0 hint=opposite sign
# Wrong: differentiates -x**2 (no declared mistake; the built-in factor probe names the sign).
import torch


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    (-(x**2)).backward()
    return x.grad
