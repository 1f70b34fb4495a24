import torch


def two_loss_grads(w0):
    w = torch.tensor(float(w0), requires_grad=True)
    (g1,) = torch.autograd.grad(w**2, w)
    (g2,) = torch.autograd.grad(5 * w, w)
    return g1.item(), g2.item()


def sgd_square(w0, lr, steps):
    w = torch.tensor(float(w0), requires_grad=True)
    out = []
    for _ in range(steps):
        (g,) = torch.autograd.grad(w**2, w)
        w = (w - lr * g).detach().requires_grad_(True)
        out.append(w.item())
    return out
