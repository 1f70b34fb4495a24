import matplotlib.pyplot as plt
import torch


def square_and_derivative(start=-10.0, end=10.0, steps=10):
    x = torch.linspace(start, end, steps, requires_grad=True)
    y = x**2
    y.sum().backward()
    return x.detach().numpy(), y.detach().numpy(), x.grad.numpy()


def plot_square_and_derivative(start=-10.0, end=10.0, steps=10):
    x, y, dydx = square_and_derivative(start, end, steps)
    fig, ax = plt.subplots()
    ax.plot(x, y)
    ax.plot(x, dydx)
    ax.set_xlabel("x")
    return fig
