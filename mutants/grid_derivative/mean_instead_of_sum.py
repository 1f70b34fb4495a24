"""Backpropagates the mean of x**2: every derivative comes out divided by steps."""

import numpy as np
import torch
from matplotlib.figure import Figure


def square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = torch.linspace(float(start), float(end), int(steps), requires_grad=True)
    y = x**2
    torch.mean(y).backward()
    return x.detach().numpy(), y.detach().numpy(), x.grad.numpy()


def plot_square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> Figure:
    x, y, dydx = square_and_derivative(start, end, steps)
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(x, y, label="function")
    ax.plot(x, dydx, label="derivative")
    ax.set_xlabel("x")
    ax.legend()
    return fig
