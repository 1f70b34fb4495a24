"""Hostile: end the worker with os._exit(0) while being imported (status 0, no answers)."""

import os

import torch

os._exit(0)


def derivative_square(x0):
    return torch.tensor(2.0 * float(x0))
