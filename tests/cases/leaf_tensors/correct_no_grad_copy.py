# expect: points=4 hint=-
# Correct: requires_grad_() on a float leaf, x.pow(2), and z copied under torch.no_grad().
import torch


def build_graph(x0):
    x = torch.tensor(float(x0)).requires_grad_()
    y = x.pow(2)
    with torch.no_grad():
        z = y.clone()
    return {"z": z, "y": y, "x": x}
