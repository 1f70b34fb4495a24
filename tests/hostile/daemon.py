"""Hostile (bounded): a daemon that outlives its parent (double fork, setsid, own stdio).

The daemon is `sleep {{SLEEP_LONG}}`, a finite duration with a unique argument that the test
looks for in /proc after the run. The module then answers correctly.
"""

import os

import torch

_pid = os.fork()
if _pid == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            _null = os.open("/dev/null", os.O_RDWR)
            for _fd in (0, 1, 2):
                os.dup2(_null, _fd)
            os.closerange(3, 1024)
            os.execvp("sleep", ["sleep", "{{SLEEP_LONG}}"])
    finally:
        os._exit(0)
os.waitpid(_pid, 0)
print("daemon started")


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    (x**2).backward()
    return x.grad
