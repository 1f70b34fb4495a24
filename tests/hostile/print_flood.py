"""Hostile (bounded): print 300 MB, one MiB at a time."""

import sys


def derivative_square(x0):
    chunk = "x" * ((1 << 20) - 1)
    for _ in range(300):
        print(chunk)
        sys.stdout.flush()
    return None
