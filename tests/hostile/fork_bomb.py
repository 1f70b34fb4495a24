"""Hostile (bounded): start 200 processes at import; each one is `sleep {{SLEEP_SHORT}}`.

Every child exits by itself within seconds; the fork loop stops at the first refusal.
The module then answers correctly: spawning is not what is graded.
"""

import os

import torch

_started = 0
for _ in range(200):
    try:
        _pid = os.fork()
    except OSError as error:
        print(f"fork refused after {_started} children: {error}")
        break
    if _pid == 0:
        try:
            os.execvp("sleep", ["sleep", "{{SLEEP_SHORT}}"])
        finally:
            os._exit(0)
    _started += 1
print(f"started {_started} children")


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    (x**2).backward()
    return x.grad
