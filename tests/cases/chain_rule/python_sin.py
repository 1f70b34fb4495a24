# expect: points=0 hint=math.sin
# Wrong: math.sin leaves the graph, so backward() fails on a Python float.
import math

import torch


def derivative_scaled_sin(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = math.sin(x / 2**1.5)
    y.backward()
    return x.grad
