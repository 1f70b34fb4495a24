# expect: points=7 hint=-
# Correct in float64: w.grad = None between the losses, and w.sub_() under torch.no_grad().
import torch


def two_loss_grads(w0):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    loss_a = w * w
    loss_a.backward()
    da = float(w.grad)
    w.grad = None
    loss_b = 5.0 * w
    loss_b.backward()
    db = float(w.grad)
    return (da, db)


def sgd_square(w0, lr, steps):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    values = []
    for _ in range(steps):
        w.grad = None
        (w**2).backward()
        with torch.no_grad():
            w.sub_(lr * w.grad)
        values.append(float(w))
    return values
