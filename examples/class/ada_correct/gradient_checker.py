import torch


def numerical_gradient(f, x, h=1e-5):
    base = x.detach().double()
    grad = torch.empty(base.numel(), dtype=torch.float64)
    for i in range(base.numel()):
        e = torch.zeros(base.numel(), dtype=torch.float64)
        e[i] = h
        e = e.reshape(base.shape)
        grad[i] = (f(base + e) - f(base - e)) / (2 * h)
    return grad.reshape(base.shape)


def rel_error(a, b):
    a = torch.as_tensor(a, dtype=torch.double)
    b = torch.as_tensor(b, dtype=torch.double)
    denominator = torch.maximum(a.abs() + b.abs(), torch.tensor(1e-8, dtype=torch.float64))
    return float(((a - b).abs() / denominator).max())
