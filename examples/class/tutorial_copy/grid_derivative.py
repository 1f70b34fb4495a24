import matplotlib.pyplot as plt
import torch


def square_and_derivative(start=-10.0, end=10.0, steps=10):
    # Calculate the derivative with multiple values
    x = torch.linspace(start, end, steps, requires_grad=True)
    Y = x**2
    y = torch.sum(x**2)
    y.backward()
    return x.detach().numpy(), Y.detach().numpy(), x.grad.detach().numpy()


def plot_square_and_derivative(start=-10.0, end=10.0, steps=10):
    # Take the derivative with respect to multiple value. Plot out the function and its derivative
    x, Y, dYdx = square_and_derivative(start, end, steps)
    fig = plt.figure()
    plt.plot(x, Y, label="function")
    plt.plot(x, dYdx, label="derivative")
    plt.xlabel("x")
    plt.legend()
    return fig
