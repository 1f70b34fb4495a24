"""Exercise grid_derivative: x**2 and its derivative at many points, and a plot."""

import numpy as np
import torch  # noqa: F401 (you will need it)
from matplotlib.figure import Figure


def square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x, y, dydx) as numpy arrays, with y = x² and dydx = 2x.

    Take ``x = torch.linspace(start, end, steps, requires_grad=True)``.
    ``backward()`` needs a scalar, so backpropagate ``torch.sum(x**2)``:
    since d/dx[i] of sum_j x[j]**2 is 2 * x[i], ``x.grad`` then holds the
    derivative at every grid point. (``mean`` would divide it by ``steps``.)

    ``.numpy()`` refuses tensors that require grad: use
    ``tensor.detach().numpy()``.

    Docs: https://pytorch.org/docs/stable/generated/torch.linspace.html
    and https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html
    """
    raise NotImplementedError("not started: square_and_derivative (see its docstring)")


def plot_square_and_derivative(start: float = -10.0, end: float = 10.0, steps: int = 10) -> Figure:
    """Plot y = x² and its derivative against x and return the figure.

    Draw two lines on one axes, labelled ``"function"`` and ``"derivative"``,
    label the x axis ``"x"`` and add a legend. Create the figure with
    ``matplotlib.figure.Figure()`` and ``fig.add_subplot()`` (or with pyplot,
    starting a new figure on every call) and return it instead of calling
    ``plt.show()``.

    Docs: https://matplotlib.org/stable/api/_as_gen/matplotlib.figure.Figure.html
    """
    raise NotImplementedError("not started: plot_square_and_derivative (see its docstring)")
