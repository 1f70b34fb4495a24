import torch


class SortF(torch.autograd.Function):
    @staticmethod
    def forward(x):
        order = torch.argsort(x)
        return x[order], order

    @staticmethod
    def setup_context(ctx, inputs, output):
        values, order = output
        ctx.mark_non_differentiable(order)
        ctx.save_for_backward(order)

    @staticmethod
    def backward(ctx, grad_values, grad_order):
        (order,) = ctx.saved_tensors
        grad = torch.empty_like(grad_values)
        grad[order] = grad_values
        return grad


class RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x.round()

    @staticmethod
    def setup_context(ctx, inputs, output):
        return None

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.clone()


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(x, lambd):
        return x.view_as(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, lambd = inputs
        ctx.lambd = float(lambd)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.neg() * ctx.lambd, None
