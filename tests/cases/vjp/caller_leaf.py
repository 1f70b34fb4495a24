# expect: points=9 hint=private leaf
# Wrong: uses the caller's x as the leaf in both functions, so backward fills the caller's x.grad:
# fails backward_leaves_caller_x_alone, grad_vjp_fixed and grad_leaves_x_grad_alone (12 - 3).


def vjp_square(x, v):
    x.requires_grad_(True)
    y = x**2
    y.backward(gradient=v)
    return x.grad


def vjp_square_grad(x, v):
    return vjp_square(x, v)
