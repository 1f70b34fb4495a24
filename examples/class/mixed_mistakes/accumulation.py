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
