# expect: points=2 hint=where it needs the input
# Wrong: saves the output and differentiates with it (forwards pass: 1 + 1).
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        out = i**2
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return 2 * out * grad_output
