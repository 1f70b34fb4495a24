# expect: points=7 hint=private leaf
# Wrong: uses the caller's x as the leaf in both functions, so backward fills the caller's x.grad
# and x.requires_grad_() changes the caller's flag: fails backward_leaves_caller_x_alone,
# grad_vjp_fixed, grad_leaves_x_grad_alone and grad_vjp_random, which watches requires_grad (12 - 5).


def vjp_square(x, v):
    x.requires_grad_(True)
    y = x**2
    y.backward(gradient=v)
    return x.grad


def vjp_square_grad(x, v):
    return vjp_square(x, v)
