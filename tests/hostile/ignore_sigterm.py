"""Hostile: ignore every catchable termination signal, then loop forever."""

import signal

import torch

for _name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGXCPU", "SIGUSR1", "SIGUSR2", "SIGALRM"):
    signal.signal(getattr(signal, _name), signal.SIG_IGN)


def derivative_square(x0):
    while True:
        pass
    return torch.tensor(2.0 * x0)
