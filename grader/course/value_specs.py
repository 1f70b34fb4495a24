"""The values ``course.yaml`` passes to student code, checked where the course is loaded.

A value is a YAML number, string, boolean or list (kept as it is: ints stay ints),
``{tensor: ..., dtype: ..., requires_grad: ...}``, ``{function: NAME}`` (a function of
the worker's fixed library), or, under a hidden check's ``random:`` only, a random
spec such as ``{uniform: [lo, hi], shape: [3]}``. The plan turns them into tensors
later (:mod:`grader.plan_values`) and trusts what passed here; a broken spec is a
course error with its ``course.yaml:LINE:COL`` like any other.

Torch-free on purpose: the course is loaded while the fork server imports torch,
so the names torch knows are listed here and tests pin them to torch's own.
"""

from __future__ import annotations

import json
from typing import Any

SAMPLE_FUNCTION_NAMES: tuple[str, ...] = ("cube", "exp_sum", "poly2", "scaled_sin", "steep", "sum_of_squares")
"""The functions a course may pass by name: :data:`grader.sandbox.sample_functions.SAMPLE_FUNCTIONS` (a test keeps them equal)."""

DTYPE_NAMES: frozenset[str] = frozenset(
    {
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "half",
        "float",
        "double",
        "complex64",
        "complex128",
        "cfloat",
        "cdouble",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "short",
        "int",
        "long",
        "bool",
    }
)
"""The dtypes a tensor or random spec may name: ``torch.<name>`` for each, all of which make a tensor from YAML numbers."""

RANDOM_KEYS: tuple[str, ...] = ("uniform", "normal", "randint", "choice")
"""The draws a random spec can make; it makes exactly one."""

_TENSOR_KEYS = ("tensor", "dtype", "requires_grad")
_RANDOM_SPEC_KEYS = (*RANDOM_KEYS, "shape", "dtype")
_EXPECTED = "a number, a list, {tensor: ...}, {function: NAME} or, under `random:`, a random spec"


def fixed_value(value: Any) -> Any:
    """A value of a fixed case (no random spec); raises ValueError naming what was expected."""
    _check(value, random_allowed=False)
    return value


def random_value(value: Any) -> Any:
    """A value of a hidden check's ``random:`` cases."""
    _check(value, random_allowed=True)
    return value


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(value: Any, random_allowed: bool) -> None:
    if isinstance(value, list):
        for item in value:
            _check(item, random_allowed)
    elif isinstance(value, dict):
        if "function" in value:
            _check_function(value)
        elif "tensor" in value:
            _check_keys(value, _TENSOR_KEYS, "a tensor spec")
            _check_dtype(value)
            if not isinstance(value.get("requires_grad", False), bool):
                raise ValueError(f"expected `requires_grad: true` or `false` in a tensor spec, found {_shown(value['requires_grad'])}")
        elif set(value) & set(RANDOM_KEYS):
            if not random_allowed:
                raise ValueError(
                    "expected a fixed value (a number, a list, {tensor: ...} or {function: NAME}), found the random spec "
                    f"{_shown(value)}: random specs are only allowed under `random:` in a hidden check"
                )
            _check_random(value)
        else:
            raise ValueError(f"expected {_EXPECTED} ({', '.join(RANDOM_KEYS)}), found {_shown(value)}")


def _check_keys(value: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(str(key) for key in set(value) - set(allowed))
    if unknown:
        keys = ", ".join(f"`{key}`" for key in allowed)
        raise ValueError(f"expected only the keys {keys} in {what}, found {', '.join(f'`{key}`' for key in unknown)}")


def _check_function(value: dict[str, Any]) -> None:
    name = value["function"]
    if set(value) != {"function"} or name not in SAMPLE_FUNCTION_NAMES:
        known = ", ".join(f"`{known}`" for known in SAMPLE_FUNCTION_NAMES)
        raise ValueError(f"expected `{{function: NAME}}` with NAME one of {known}, found {_shown(value)}")


def _check_dtype(value: dict[str, Any]) -> None:
    if "dtype" in value and value["dtype"] not in DTYPE_NAMES:
        raise ValueError(f"expected a torch dtype such as `float32` or `float64` for `dtype`, found {_shown(value['dtype'])}")


def _check_random(value: dict[str, Any]) -> None:
    _check_keys(value, _RANDOM_SPEC_KEYS, "a random spec")
    draws = [key for key in RANDOM_KEYS if key in value]
    if len(draws) != 1:
        raise ValueError(f"expected one of {', '.join(f'`{key}`' for key in RANDOM_KEYS)} in a random spec, found {len(draws)}")
    _check_dtype(value)
    draw = value[draws[0]]
    if draws[0] == "choice":
        if not isinstance(draw, list) or not draw:
            raise ValueError(f"expected `choice` to list the values to choose from, found {_shown(draw)}")
    elif not (isinstance(draw, list) and len(draw) == 2 and all(_is_number(bound) for bound in draw)):
        raise ValueError(f"expected `{draws[0]}: [a, b]` (two numbers), found {_shown(draw)}")
    shape = value.get("shape")
    sizes = isinstance(shape, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    if shape is not None and not sizes:
        raise ValueError(f"expected `shape` to be a list of sizes (whole numbers of at least 0), found {_shown(shape)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


__all__ = ["DTYPE_NAMES", "RANDOM_KEYS", "SAMPLE_FUNCTION_NAMES", "fixed_value", "random_value"]
