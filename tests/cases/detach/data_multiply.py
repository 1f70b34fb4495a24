# expect: points=4 hint=invisible to autograd
# Wrong: full_product_grad multiplies the third factor in through .data, which autograd never records (gradient 2x);
# detached_product_grad is right (1 + 2 + 1).


def detached_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    u = (leaf**2).detach()
    (u * leaf).sum().backward()
    return leaf.grad


def full_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    y = leaf**2
    y.data *= leaf.data
    y.sum().backward()
    return leaf.grad
