# expect: points=4 hint=did not put them back
# Wrong: nudges the caller's x up and down in place and leaves every element at x - h; rel_error is right (1 + 2 + 1).
import torch


def numerical_gradient(f, x, h=1e-5):
    flat = x.view(-1)
    grad = torch.zeros(x.shape, dtype=torch.float64).view(-1)
    for i in range(flat.numel()):
        flat[i] += h
        up = f(x).item()
        flat[i] -= 2 * h
        down = f(x).item()
        grad[i] = (up - down) / (2 * h)
    return grad.view(x.shape)


def rel_error(a, b):
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return torch.max(torch.abs(a - b) / torch.clamp(torch.abs(a) + torch.abs(b), min=1e-8)).item()
