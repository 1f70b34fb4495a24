"""Hostile: sys.exit inside the graded call (costs only the check)."""

import sys


def derivative_square(x0):
    sys.exit(3)
