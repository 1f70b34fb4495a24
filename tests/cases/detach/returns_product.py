# expect: points=0 hint=-
# Wrong: returns the products z themselves (x**3 both times) instead of their gradients. No declared mistake fits: no hint.


def detached_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    z = (leaf * leaf).detach() * leaf
    z.sum().backward()
    return z.detach()


def full_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    z = leaf * leaf * leaf
    z.sum().backward()
    return z.detach()
