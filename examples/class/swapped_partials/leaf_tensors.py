import torch


def build_graph(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    y.backward()
    print("x.grad =", x.grad)
    z = y.detach()
    return {"x": x, "y": y, "z": z}
