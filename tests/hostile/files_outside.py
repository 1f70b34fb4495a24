"""Hostile (confined to the test's own tmp folder): delete, overwrite and create files outside /tmp.

{{TMP}} is the test's "outside" folder; it holds victim.txt. Everything is attempted at
import and in the call; failures are printed, then the module answers correctly.
"""

import os

import torch

OUTSIDE = "{{TMP}}"


def _attack(tag):
    for what, action in (
        ("remove victim", lambda: os.remove(os.path.join(OUTSIDE, "victim.txt"))),
        ("overwrite victim", lambda: open(os.path.join(OUTSIDE, "victim.txt"), "w").write("pwned " + tag)),
        ("write pwned", lambda: open(os.path.join(OUTSIDE, "pwned.txt"), "w").write("pwned " + tag)),
        ("symlink pwned", lambda: os.symlink("/etc/passwd", os.path.join(OUTSIDE, "pwned_link"))),
        ("chmod outside", lambda: os.chmod(OUTSIDE, 0o777)),
    ):
        try:
            action()
            print(f"[{tag}] {what}: done")
        except OSError as error:
            print(f"[{tag}] {what}: {type(error).__name__}: {error}")


_attack("import")


def derivative_square(x0):
    _attack("call")
    x = torch.tensor(float(x0), requires_grad=True)
    (x**2).backward()
    return x.grad
