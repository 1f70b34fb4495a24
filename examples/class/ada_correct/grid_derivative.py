import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402


def square_and_derivative(start=-10.0, end=10.0, steps=10):
    x = torch.linspace(start, end, steps, requires_grad=True)
    y = x.pow(2)
    y.sum().backward()
    return tuple(t.detach().cpu().numpy() for t in (x, y, x.grad))


def plot_square_and_derivative(start=-10.0, end=10.0, steps=10):
    x, y, dydx = square_and_derivative(start, end, steps)
    fig, ax = plt.subplots()
    ax.plot(x, y, label="function")
    ax.plot(x, dydx, label="derivative")
    ax.set_xlabel("x")
    ax.legend()
    plt.close(fig)
    return fig
