# expect: points=0 hint=2**1.5
# Wrong: only the outer derivative cos(x / 2**1.5), written by hand.
import torch


def derivative_scaled_sin(x0):
    return torch.cos(torch.tensor(x0 / 2**1.5))
