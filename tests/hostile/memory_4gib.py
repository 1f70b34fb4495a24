"""Hostile: a fixed 4 GiB allocation, touched page by page."""

import torch


def derivative_square(x0):
    big = torch.empty(4 * 2**30, dtype=torch.uint8)
    big.fill_(1)
    return torch.tensor(2.0 * float(x0)) + big[0] * 0
