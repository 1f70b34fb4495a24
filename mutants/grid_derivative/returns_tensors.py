"""Returns detached torch tensors where numpy arrays are expected."""

import torch
from matplotlib.figure import Figure


def square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x = torch.linspace(float(start), float(end), int(steps), requires_grad=True)
    y = x**2
    torch.sum(y).backward()
    return x.detach(), y.detach(), x.grad


def plot_square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> Figure:
    x, y, dydx = square_and_derivative(start, end, steps)
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(x.numpy(), y.numpy(), label="function")
    ax.plot(x.numpy(), dydx.numpy(), label="derivative")
    ax.set_xlabel("x")
    ax.legend()
    return fig
