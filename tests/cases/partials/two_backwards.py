# expect: points=0 hint=twice
# Wrong: a second backward "for v" doubles both .grad buffers.
import torch


def partials(u0, v0):
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u**2 + v**3
    f.backward(retain_graph=True)
    f.backward()
    return u.grad, v.grad
