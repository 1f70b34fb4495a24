"""Hostile: an object whose comparisons, conversions and pickling lie.

Each special method writes a marker into the test's own tmp folder if it ever runs in a
process that can see that folder (the trusted grader): the test asserts none exists.
__reduce__ would run `touch` through os.system when unpickled.
"""

import os

import torch

OUTSIDE = "{{TMP}}"


def _mark(what):
    try:
        with open(os.path.join(OUTSIDE, f"marker_{what}.txt"), "w") as handle:
            handle.write(what)
    except OSError:
        pass


class Liar:
    __class__ = property(lambda self: torch.Tensor)

    def __eq__(self, other):
        _mark("eq")
        return True

    def __ne__(self, other):
        _mark("ne")
        return False

    def __hash__(self):
        return 0

    def __float__(self):
        _mark("float")
        return 18.0

    def __int__(self):
        _mark("int")
        return 18

    def __index__(self):
        _mark("index")
        return 18

    def __bool__(self):
        _mark("bool")
        return True

    def __len__(self):
        _mark("len")
        return 0

    def __repr__(self):
        _mark("repr")
        return "tensor(18.)"

    def __str__(self):
        _mark("str")
        return "tensor(18.)"

    def __reduce__(self):
        _mark("reduce")
        return (os.system, ("touch " + os.path.join(OUTSIDE, "marker_unpickled.txt"),))

    def __getattr__(self, name):
        _mark("getattr")
        raise AttributeError(name)


def derivative_square(x0):
    return Liar()
