"""Hostile: a segmentation fault inside the graded call."""

import ctypes


def derivative_square(x0):
    ctypes.string_at(0)
    return None
