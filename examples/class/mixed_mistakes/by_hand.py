import torch


def manual_partials(u0, v0):
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u**2 + v**3
    f.backward()
    return u.grad.item(), v.grad.item()


def manual_scaled_sin_derivative(x0):
    x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    torch.sin(x / 2**1.5).backward()
    return x.grad.item()
