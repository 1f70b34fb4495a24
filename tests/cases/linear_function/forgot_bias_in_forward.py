# expect: points=7 hint=-
# Wrong: forward never adds the bias (backward is right): forward, wrapper and both gradchecks fail (1+1+1+1+1 lost). No declared mistake fits.
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(input, weight, bias=None):
        return input.mm(weight.t())

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        gi = grad_output.mm(weight) if ctx.needs_input_grad[0] else None
        gw = grad_output.t().mm(input) if ctx.needs_input_grad[1] else None
        gb = grad_output.sum(0) if bias is not None and ctx.needs_input_grad[2] else None
        return gi, gw, gb


def linear(input, weight, bias=None):
    return LinearFunction.apply(input, weight, bias)
