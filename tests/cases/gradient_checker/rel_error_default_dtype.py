# expect: points=9 hint=only to float32 precision
# Wrong: rel_error converts with torch.as_tensor(a) and .float(), i.e. float32, where 1.0 and 1.000000001 are equal;
# numerical_gradient is right (7), rel_error passes the visible and random checks (1 + 1). No declared mistake fits;
# the built-in diagnosis notes the zero result.
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
    a = torch.as_tensor(a).float()
    b = torch.as_tensor(b).float()
    return torch.max(torch.abs(a - b) / torch.clamp(torch.abs(a) + torch.abs(b), min=1e-8)).item()
