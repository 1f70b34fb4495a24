# expect: points=11 hint=-
# Correct, CS231n style: perturbs x in place (x.double() is x itself for a float64 x) and restores each element
# from its saved value; rel_error in numpy.
import numpy as np
import torch


def numerical_gradient(f, x, h=1e-5):
    xd = x.double()
    grad = torch.zeros_like(xd)
    it = np.nditer(np.zeros(tuple(xd.shape)), flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old = xd[ix].item()
        xd[ix] = old + h
        fxph = f(xd).item()
        xd[ix] = old - h
        fxmh = f(xd).item()
        xd[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def rel_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
