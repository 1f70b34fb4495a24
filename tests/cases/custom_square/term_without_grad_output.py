# expect: points=2 hint=does not scale with grad_output
# Wrong: backward adds 1 outside the product with grad_output (1 + 2i * grad_output). It does use grad_output,
# so "returns the same gradient whatever grad_output is" would be false; the cause is a term that does not scale.
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return 1 + 2 * i * grad_output
