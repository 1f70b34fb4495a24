"""Hostile: make builtins.isinstance and issubclass always answer True, then answer wrongly.

This also breaks code of the worker that runs after the student's import (json's pure
Python encoder asks isinstance): whatever the worker then reports, the student must get
no points and the rest of the class must still be graded.
"""

import builtins

import torch

builtins.isinstance = lambda obj, cls: True
builtins.issubclass = lambda cls, base: True


def derivative_square(x0):
    return torch.tensor(-12345.0)
