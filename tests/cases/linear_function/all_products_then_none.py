# expect: points=10 hint=skip the work
# Wrong: computes all three gradients, then blanks the unneeded ones: right values and None, but two products with a frozen weight (frozen_weight, frozen_parameters fail).
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(input, weight, bias=None):
        out = input @ weight.t()
        return out if bias is None else out + bias

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grads = [grad_output @ weight, grad_output.t() @ input, None if bias is None else grad_output.sum(0)]
        return tuple(g if need else None for g, need in zip(grads, ctx.needs_input_grad))


def linear(input, weight, bias=None):
    return LinearFunction.apply(input, weight, bias)
