"""Exercise accumulation: .grad adds up over backward calls, so zero it between gradients.

``backward()`` does not overwrite a leaf's ``.grad``: it ADDS the new gradient
to whatever is there. That is what lets a leaf used twice in one graph receive
both contributions, and it is why a training loop must zero the gradients at
every step. Forget it and every gradient carries the previous ones.

Docs: https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html
(section "Optional Reading: Tensor Gradients and Jacobian Products") and
https://pytorch.org/docs/stable/generated/torch.Tensor.zero_.html
"""

import torch  # noqa: F401 (you will need it)


def two_loss_grads(w0: float) -> tuple[float, float]:
    """Return (d/dw w**2, d/dw 5*w) at w = w0 as a tuple of two Python floats.

    Use ONE leaf w holding w0 that requires grad, for both losses (w0 may
    arrive as an int: only floating point tensors can require grad). Call
    backward on the first loss and read ``w.grad``, then zero it
    (``Tensor.zero_``, or set it to None), backward the second loss and read
    ``w.grad`` again.
    At w0 = 3 the answer is (6.0, 5.0); without zeroing you get (6.0, 11.0).

    Read the numbers with ``.item()`` before zeroing: ``g = w.grad`` keeps a
    reference to the very tensor that ``zero_()`` and the next backward change.
    """
    raise NotImplementedError("not started: two_loss_grads (see its docstring)")


def sgd_square(w0: float, lr: float, steps: int) -> list[float]:
    """Run ``steps`` steps of gradient descent on L(w) = w**2 from w0; return w after each step.

    One step: compute the loss w², call backward on it, then move w by
    -lr · dL/dw IN PLACE inside a ``torch.no_grad()`` block (an in-place change
    of a leaf that requires grad is an error outside it, and the update must
    not be recorded; a new tensor ``w - ...`` would not be a leaf any more),
    then zero the gradient and record w as a Python float (``.item()``).
    The list has ``steps`` floats and does not include w0.

    From w0 = 3 with lr = 0.1, two steps give [2.4, 1.92] (each step multiplies
    w by 1 - 2 * lr). Without zeroing the second gradient is 6 + 4.8 and you
    get [2.4, 1.32].
    """
    raise NotImplementedError("not started: sgd_square (see its docstring)")
