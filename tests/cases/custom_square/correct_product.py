# expect: points=8 hint=-
# Correct: forward i * i, backward (i + i) * grad_output.
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i * i

    @staticmethod
    def backward(ctx, grad_output):
        (saved,) = ctx.saved_tensors
        return (saved + saved) * grad_output
