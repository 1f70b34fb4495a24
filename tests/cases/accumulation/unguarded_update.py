# expect: points=3 hint=under torch.no_grad()
# Wrong: the in-place update w -= lr * w.grad runs outside torch.no_grad() and raises; two_loss_grads is right (1 + 2).
import torch


def two_loss_grads(w0):
    w = torch.tensor(float(w0), requires_grad=True)
    (w**2).backward()
    a = w.grad.item()
    w.grad.zero_()
    (5 * w).backward()
    return a, w.grad.item()


def sgd_square(w0, lr, steps):
    w = torch.tensor(float(w0), requires_grad=True)
    values = []
    for _ in range(steps):
        (w**2).backward()
        w -= lr * w.grad
        w.grad.zero_()
        values.append(w.item())
    return values
