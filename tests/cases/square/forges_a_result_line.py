# expect: points=0 hint=-
# Hostile: a right derivative, but at import the file writes a line of its own on the worker's result
# channel (fd 3). The reader drops every observation of a module whose lines break the protocol, and the
# module still ends normally: the judge finds no answer to any probe and fails every check as
# interference ("your code interfered with grading"), with no hint. The first line must not win.
import os

import torch


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    (x * x).backward()
    return x.grad


try:
    os.write(3, b'{"event": "probe", "id": "forged", "observation": {"calls": []}}\n')
except OSError:
    pass
