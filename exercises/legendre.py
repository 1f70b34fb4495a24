"""Exercise legendre: the LegendrePolynomial3 Function from "Learning PyTorch with Examples".

The tutorial fits y = a + b * P3(c + d * x) to y = sin(x) on [-pi, pi], where

    P3(x) = 0.5 * (5 x**3 - 3 x)          (the Legendre polynomial of degree 3)
    P3'(x) = 1.5 * (5 x**2 - 1)

with P3 written as a custom autograd Function. You write that Function; the
training loop ``fit_legendre`` below is complete and uses it.

Inside the loss, P3 is applied to c + d * x and multiplied by b, so the
upstream gradient grad_output that reaches your backward is never 1: it is
dLoss/dP3 for every one of the 2000 points. A backward that ignores it sends
the training loop to NaN.

Values to test with: P3(0.5) = -0.4375, P3'(0.5) = 0.375, P3(2) = 17, P3'(2) = 28.5.
After fit_legendre() (2000 SGD steps, lr 5e-6, float32) the tutorial reaches
loss ~ 8.9436 with a ~ 0, b ~ -2.208527, c ~ 0, d ~ 0.255486.

Docs: https://pytorch.org/tutorials/beginner/examples_autograd/polynomial_custom_function.html
and https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
"""

import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = 0.5 * (5 x**3 - 3 x), used as ``LegendrePolynomial3.apply(x)``."""

    @staticmethod
    def forward(ctx, input: torch.Tensor) -> torch.Tensor:
        """Return P3(input) = ½(5x³ - 3x) element by element, keeping what backward needs via ``ctx.save_for_backward``."""
        raise NotImplementedError("not started: LegendrePolynomial3.forward (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        """Return dL/dinput, given grad_output = dL/dP3.

        Chain rule: dL/dinput = dL/dP3 · P3'(input), with P3'(x) = 1.5(5x² - 1),
        element by element. P3' is a function of the INPUT: get it back from
        ``ctx.saved_tensors``, not from the output P3(input).
        Worked value: at input 0.5 with grad_output 2, dL/dinput = 2 · 0.375 = 0.75.
        """
        raise NotImplementedError("not started: LegendrePolynomial3.backward (see its docstring: the chain rule)")


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
