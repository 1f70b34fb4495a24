"""Hostile: KeyboardInterrupt inside the graded call (costs only the check)."""


def derivative_square(x0):
    raise KeyboardInterrupt("pretend Ctrl-C")
