"""Reference: y = input @ weight.T + bias as a custom autograd Function (setup_context style)."""

import torch


class LinearFunction(torch.autograd.Function):
    """The docs' LinearFunction: forward computes, setup_context saves, backward applies the chain rule."""

    @staticmethod
    def forward(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        output = input.mm(weight.t())
        if bias is not None:
            output = output + bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        # Only compute what is asked for: with a frozen weight, backward runs ONE matrix product.
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)  # (N, out) @ (out, in) -> (N, in)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)  # (out, N) @ (N, in) -> (out, in)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)  # the bias was broadcast over the N rows: sum them
        return grad_input, grad_weight, grad_bias


def linear(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Like torch.nn.functional.linear, through LinearFunction."""
    return LinearFunction.apply(input, weight, bias)
