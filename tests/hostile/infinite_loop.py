"""Hostile: an endless loop inside the graded function."""

import torch


def derivative_square(x0):
    n = 0
    while True:
        n += 1
    return torch.tensor(2.0 * x0)
