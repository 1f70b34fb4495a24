# expect: points=0 hint=times the expected one
# Wrong: backward of z.mean() divides every gradient by the number of elements (right only for the 0-d x).
# No declared mistake fits; the built-in constant-factor diagnosis names it.


def detached_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    z = (leaf * leaf).detach() * leaf
    z.mean().backward()
    return leaf.grad


def full_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    z = leaf * leaf * leaf
    z.mean().backward()
    return leaf.grad
