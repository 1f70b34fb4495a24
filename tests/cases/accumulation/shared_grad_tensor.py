# expect: points=4 hint=.item()
# Wrong: two_loss_grads clones nothing: g1 is the same tensor as w.grad, so zeroing it and the second
# backward turn g1 into 5 too; sgd_square is right (1 + 2 + 1).
import torch


def two_loss_grads(w0):
    w = torch.tensor(float(w0), requires_grad=True)
    y1 = w**2
    y1.backward()
    g1 = w.grad
    w.grad.zero_()
    y2 = 5 * w
    y2.backward()
    g2 = w.grad
    return float(g1), float(g2)


def sgd_square(w0, lr, steps):
    w = torch.tensor(float(w0), requires_grad=True)
    values = []
    for _ in range(steps):
        (w**2).backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        values.append(w.item())
    return values
