# expect: points=2 hint=squares its input
# Wrong: forward 2*i with its own consistent backward: forwards and backwards fail, gradcheck passes (1 + 1).
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        return i + i

    @staticmethod
    def backward(ctx, grad_output):
        return 2 * grad_output
