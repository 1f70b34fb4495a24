# expect: points=0 hint=-
# Wrong: df/dv = u + 3v (by hand, v**2 forgotten); right only where v = 0 or v = 1. No declared mistake fits: no hint.
import torch


def partials(u0, v0):
    u, v = float(u0), float(v0)
    return torch.tensor(v + 2 * u), torch.tensor(u + 3 * v)
