import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        local = 1.5 * (5 * input**2 - 1)
        return local


def fit_legendre(steps: int = 2000) -> dict[str, float]:
    """The tutorial's training loop (provided, complete): fit a + b * P3(c + d * x) to sin(x).

    Plain gradient descent on the summed squared error over 2000 points of
    [-pi, pi], float32, learning rate 5e-6, from a = 0, b = -1, c = 0, d = 0.3
    (the tutorial's starting point, chosen so that the fit converges).
    Returns the final coefficients and the loss of the last step as floats.
    """
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float32)
    y = torch.sin(x)

    a = torch.full((), 0.0, dtype=torch.float32, requires_grad=True)
    b = torch.full((), -1.0, dtype=torch.float32, requires_grad=True)
    c = torch.full((), 0.0, dtype=torch.float32, requires_grad=True)
    d = torch.full((), 0.3, dtype=torch.float32, requires_grad=True)

    learning_rate = 5e-6
    loss = torch.tensor(float("nan"))
    for _ in range(steps):
        P3 = LegendrePolynomial3.apply  # your Function, applied to the whole batch
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for parameter in (a, b, c, d):
                parameter -= learning_rate * parameter.grad
                parameter.grad = None
    return {"a": a.item(), "b": b.item(), "c": c.item(), "d": d.item(), "loss": loss.item()}
