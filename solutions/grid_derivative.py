"""Reference: x**2 and its derivative on a grid, and a plot of both."""

import numpy as np
import torch
from matplotlib.figure import Figure


def square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x, x**2, d/dx x**2) on ``torch.linspace(start, end, steps)`` as numpy arrays.

    Summing before ``backward()`` gives a scalar whose gradient with respect
    to each x[i] is exactly the derivative of x[i]**2, because the terms of
    the sum do not interact.
    """
    x = torch.linspace(float(start), float(end), int(steps), requires_grad=True)
    y = x**2
    torch.sum(y).backward()
    return x.detach().numpy(), y.detach().numpy(), x.grad.numpy()


def plot_square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> Figure:
    """Plot the function and its derivative on one axes and return the figure.

    A bare ``Figure`` needs no GUI backend and is not registered with pyplot,
    so repeated calls neither pile up lines nor leak open figures.
    """
    x, y, dydx = square_and_derivative(start, end, steps)
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(x, y, label="function")
    ax.plot(x, dydx, label="derivative")
    ax.set_xlabel("x")
    ax.legend()
    return fig
