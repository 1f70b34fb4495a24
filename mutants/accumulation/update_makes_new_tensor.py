"""sgd_square updates with w = w - lr * w.grad: w becomes a non-leaf whose .grad is None."""

import torch


def two_loss_grads(w0: float) -> tuple[float, float]:
    """d/dw of w**2 and of 5*w at w0, as Python floats, from ONE leaf w used for both losses."""
    w = torch.tensor(float(w0), requires_grad=True)
    (w**2).backward()
    first = w.grad.item()  # .item() copies the number out; w.grad itself is about to change
    w.grad.zero_()  # without this, the next backward ADDS onto 2 * w0
    (5 * w).backward()
    second = w.grad.item()
    return first, second


def sgd_square(w0: float, lr: float, steps: int) -> list[float]:
    """Gradient descent on L(w) = w**2 from w0: w <- w - lr * dL/dw; the value of w after each step."""
    w = torch.tensor(float(w0), requires_grad=True)
    trajectory = []
    for _ in range(steps):
        loss = w**2
        loss.backward()
        w = w - lr * w.grad
        w.grad.zero_()  # the next step needs this step's gradient only
        trajectory.append(w.item())
    return trajectory
