# expect: points=4 hint=-
# Correct: one leaf vector w = (u, v); one backward fills both partials.
import torch


def partials(u0, v0):
    w = torch.tensor([float(u0), float(v0)], requires_grad=True)
    u, v = w[0], w[1]
    f = u * v + u**2 + v**3
    f.backward()
    return w.grad[0], w.grad[1]
