"""Hostile: end the worker at import with exit code 70, the code the fork server uses for "the sandbox failed"."""

import os

os._exit(70)


def derivative_square(x0):
    return None
