# expect: points=3 hint=shares x's memory
# Wrong: "detaches" x and squares it in place with pow_, which squares the caller's tensor (version counter moves).
# The returned gradients are right, but every detached check sees x changed; full_product_grad is right (1 + 2).


def detached_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    u = x.detach()
    u.pow_(2)
    (u * leaf).sum().backward()
    return leaf.grad


def full_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    (leaf * leaf * leaf).sum().backward()
    return leaf.grad
