import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(input, weight, bias=None):
        if bias is None:
            return input @ weight.T
        return torch.addmm(bias, input, weight.T)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, w, b = inputs
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = torch.einsum("no,oi->ni", grad_output, w) if need_x else None
        gw = torch.einsum("no,ni->oi", grad_output, x) if need_w else None
        gb = grad_output.sum(dim=0) if (ctx.has_bias and need_b) else None
        return gx, gw, gb


def linear(input, weight, bias=None):
    return LinearFunction.apply(input, weight, bias)
