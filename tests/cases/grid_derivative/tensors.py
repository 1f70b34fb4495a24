# expect: points=2 hint=numpy arrays
# Wrong values type: tensors instead of numpy arrays (the plot is right: 1 + 1).
import torch
from matplotlib.figure import Figure


def square_and_derivative(start=-10.0, end=10.0, steps=10):
    x = torch.linspace(start, end, steps, requires_grad=True)
    y = x**2
    y.sum().backward()
    return x.detach(), y.detach(), x.grad


def plot_square_and_derivative(start=-10.0, end=10.0, steps=10):
    x, y, dydx = square_and_derivative(start, end, steps)
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(x.numpy(), y.numpy(), label="function")
    ax.plot(x.numpy(), dydx.numpy(), label="derivative")
    ax.set_xlabel("x")
    ax.legend()
    return fig
