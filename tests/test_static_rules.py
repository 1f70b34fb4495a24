"""The forbid_autograd rule: each way a beginner reaches for autograd is named with its line."""

from __future__ import annotations

import pytest

from grader.static_rules import autograd_use

BY_HAND = """\
import math


def manual_scaled_sin_derivative(x0):
    return math.cos(x0 / 2**1.5) / 2**1.5
"""


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("    x.backward()", "backward()"),
        ("    import torch.autograd", "import torch.autograd"),
        ("    from torch.func import grad", "from torch.func import ..."),
        ("    from torch import autograd", "from torch import autograd/func"),
        ("    import functorch", "import functorch"),
        ("    t = torch.tensor(1.0, requires_grad=True)", "requires_grad=..."),
        ("    t.requires_grad_()", "requires_grad_()"),
        ("    g = torch.autograd.grad(y, x)", "torch.autograd"),
        ("    return x.grad", ".grad"),
    ],
)
def test_each_autograd_use_is_named_with_its_line(line: str, named: str) -> None:
    source = BY_HAND.replace("    return math.cos", f"{line}\n    return math.cos")
    problem = autograd_use("by_hand.py", source)
    assert problem is not None
    assert problem.startswith(f"by_hand.py line 5: `{line.strip()}` uses {named};")


def test_plain_arithmetic_passes() -> None:
    assert autograd_use("by_hand.py", BY_HAND) is None


def test_the_first_use_in_the_file_is_reported() -> None:
    source = "import torch\n\ndef f(x):\n    x.requires_grad_(True)\n    x.backward()\n"
    assert autograd_use("by_hand.py", source) == (
        "by_hand.py line 4: `x.requires_grad_(True)` uses requires_grad_(); this exercise is solved without "
        "autograd: work the derivative out by hand and compute it with plain arithmetic"
    )
