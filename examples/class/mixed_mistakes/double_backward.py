import torch


class MyCube(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        result = x**3
        dx = 3 * x**2
        return result, dx

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        result, dx = output
        ctx.save_for_backward(x.detach(), dx.detach())

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        return grad_output * dx + grad_dx * 6 * x


def my_cube(x):
    result, _ = MyCube.apply(x)
    return result


def f(p):
    u, v = p
    return u * v + u**2 + v**3


def jac_hess(u0, v0):
    p = torch.tensor([u0, v0], dtype=torch.float64)
    return torch.func.jacrev(f)(p), torch.func.hessian(f)(p)
