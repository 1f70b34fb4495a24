# expect: points=0 hint=old-style autograd Function
# Wrong: the legacy style (an __init__ keeping c, a forward that is not static), as in pre-1.0 tutorials.
# ScaledSin.apply(x, c) then fails with "forward() takes 2 positional arguments but 3 were given"; Exp is missing.
import torch


class ScaledSin(torch.autograd.Function):
    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        self.save_for_backward(x)
        return torch.sin(x / self.c)

    def backward(self, grad_output):
        (x,) = self.saved_tensors
        return grad_output * torch.cos(x / self.c) / self.c
