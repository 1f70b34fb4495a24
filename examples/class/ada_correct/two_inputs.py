import torch


class Poly2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, v):
        ctx.save_for_backward(u, v)
        return u * v + u**2 + v**3

    @staticmethod
    def backward(ctx, grad_output):
        u, v = ctx.saved_tensors
        results = [None, None]
        if ctx.needs_input_grad[0]:
            from_product = v
            from_square = 2 * u
            results[0] = grad_output * (from_product + from_square)
        if ctx.needs_input_grad[1]:
            from_product = u
            from_cube = 3 * v**2
            results[1] = grad_output * (from_product + from_cube)
        return tuple(results)
