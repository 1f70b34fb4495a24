# expect: points=3 hint=-
# Wrong: sgd_square also records the starting value w0 (steps + 1 values); two_loss_grads is right (1 + 2).
# No declared mistake fits: no hint.
import torch


def two_loss_grads(w0):
    w = torch.tensor(float(w0), requires_grad=True)
    (w**2).backward()
    a = w.grad.item()
    w.grad = None
    (5 * w).backward()
    return a, w.grad.item()


def sgd_square(w0, lr, steps):
    w = torch.tensor(float(w0), requires_grad=True)
    values = [w.item()]
    for _ in range(steps):
        (w**2).backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        values.append(w.item())
    return values
