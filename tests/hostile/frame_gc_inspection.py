"""Hostile: look for the expected answer in the caller's frames and in every gc-tracked object.

Returns whatever it finds (a float equal to 2*x0 in an ancestor frame, or the value under an
'expected'-like key anywhere in memory), else a wrong value.
"""

import gc
import sys

import torch

KEYS = ("expected", "reference", "answer", "want", "solution")


def _as_float(value):
    try:
        if type(value) is torch.Tensor and value.numel() == 1:
            return float(value)
        if type(value) in (int, float):
            return float(value)
    except Exception:
        pass
    return None


def derivative_square(x0):
    target = 2.0 * float(x0)
    found = []
    frame = sys._getframe(1)
    depth = 0
    while frame is not None:
        for name, value in list(frame.f_locals.items()):
            number = _as_float(value)
            if number is not None and number == target:
                found.append(("frame", depth, name, number))
            if type(value) is dict:
                for key in KEYS:
                    if key in value and _as_float(value[key]) is not None:
                        found.append(("frame-dict", depth, key, _as_float(value[key])))
        frame = frame.f_back
        depth += 1
    for obj in gc.get_objects():
        if type(obj) is dict:
            for key in KEYS:
                try:
                    if key in obj and _as_float(obj[key]) is not None:
                        found.append(("gc-dict", key, _as_float(obj[key])))
                except Exception:
                    pass
    print(f"searched {depth} frames; found {len(found)} candidates: {found[:20]}")
    if found:
        return torch.tensor(found[0][-1])
    return torch.tensor(-777.0)
