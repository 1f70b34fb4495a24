import torch


def numerical_gradient(f, x, h=1e-5):
    x = x.detach().to(torch.float64).clone()
    fx = f(x).item()
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        shifted = x.clone()
        shifted.view(-1)[i] += h
        grad.view(-1)[i] = (f(shifted).item() - fx) / h
    return grad


def rel_error(a, b):
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return torch.max(torch.abs(a - b) / torch.clamp(torch.abs(a) + torch.abs(b), min=1e-8)).item()
