# expect: points=9 hint=-
# Wrong: jac_hess differentiates f(u, v) with argnums=(0, 1): tuples of 0-d tensors instead of a (2,) and a (2, 2) tensor (1+2 lost). No declared mistake fits.
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
        ctx.save_for_backward(x, dx)

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        return grad_output * dx + grad_dx * 6 * x


def my_cube(x):
    result, _ = MyCube.apply(x)
    return result


def f(u, v):
    return u * v + u**2 + v**3


def jac_hess(u0, v0):
    u = torch.tensor(float(u0), dtype=torch.float64)
    v = torch.tensor(float(v0), dtype=torch.float64)
    return torch.func.jacrev(f, argnums=(0, 1))(u, v), torch.func.hessian(f, argnums=(0, 1))(u, v)
