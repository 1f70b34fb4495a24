# expect: points=10 hint=-
# Wrong: ignores the h it is given and always steps by 1e-5; only the step-size check notices (11 - 1).
# No declared mistake fits: no hint.
import torch

STEP = 1e-5


def numerical_gradient(f, x, h=1e-5):
    point = x.detach().to(torch.float64).clone()
    grad = torch.zeros_like(point)
    for idx in range(point.numel()):
        saved = point.view(-1)[idx].item()
        point.view(-1)[idx] = saved + STEP
        a = float(f(point))
        point.view(-1)[idx] = saved - STEP
        b = float(f(point))
        point.view(-1)[idx] = saved
        grad.view(-1)[idx] = (a - b) / (2 * STEP)
    return grad


def rel_error(a, b):
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return torch.max(torch.abs(a - b) / torch.clamp(torch.abs(a) + torch.abs(b), min=1e-8)).item()
