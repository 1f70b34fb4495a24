# expect: points=8 hint=nan
# Wrong: rel_error divides by |a| + |b| with no floor, so two zeros give nan; numerical_gradient is right (7),
# rel_error passes only the random check (1).
import torch


def numerical_gradient(f, x, h=1e-5):
    point = x.detach().to(torch.float64).clone()
    grad = torch.zeros_like(point)
    flat, gflat = point.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + h
        plus = f(point).item()
        flat[i] = old - h
        minus = f(point).item()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b):
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return ((a - b).abs() / (a.abs() + b.abs())).max().item()
