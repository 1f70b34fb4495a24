# expect: points=6 hint=-
# Correct: backward with an explicit all-ones gradient, and a fresh pyplot figure per call.
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402


def square_and_derivative(start=-10.0, end=10.0, steps=10):
    x = torch.linspace(start, end, steps, requires_grad=True)
    y = x.pow(2)
    y.backward(gradient=torch.ones_like(y))
    return x.detach().numpy(), y.detach().numpy(), x.grad.detach().numpy()


def plot_square_and_derivative(start=-10.0, end=10.0, steps=10):
    x, y, dydx = square_and_derivative(start, end, steps)
    fig = plt.figure()
    plt.plot(x, dydx, label="derivative")
    plt.plot(x, y, label="function")
    plt.xlabel("x")
    plt.legend()
    plt.close(fig)
    return fig
