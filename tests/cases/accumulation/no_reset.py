# expect: points=4 hint=sum of both
# Wrong: two_loss_grads reads w.grad after each backward but never clears it (6, 11 at w0 = 3);
# sgd_square is right (1 + 2 + 1).
import torch


def two_loss_grads(w0):
    w = torch.tensor(float(w0), requires_grad=True)
    (w**2).backward()
    a = float(w.grad)
    (5 * w).backward()
    b = float(w.grad)
    return a, b


def sgd_square(w0, lr, steps):
    w = torch.tensor(float(w0), requires_grad=True)
    history = []
    for _ in range(steps):
        loss = w**2
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
        history.append(w.item())
    return history
