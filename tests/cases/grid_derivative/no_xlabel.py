# expect: points=4 hint=-
# Wrong plot only: no x axis label (values right: 2 + 2). No declared mistake fits: no hint.
import torch
from matplotlib.figure import Figure


def square_and_derivative(start=-10.0, end=10.0, steps=10):
    x = torch.linspace(start, end, steps, requires_grad=True)
    y = x**2
    y.sum().backward()
    return x.detach().numpy(), y.detach().numpy(), x.grad.numpy()


def plot_square_and_derivative(start=-10.0, end=10.0, steps=10):
    x, y, dydx = square_and_derivative(start, end, steps)
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(x, y, label="function")
    ax.plot(x, dydx, label="derivative")
    ax.legend()
    return fig
