"""What the course and the plan know of each check kind: one entry per kind in :data:`KIND_SPECS`.

An entry says which probe the worker runs for the kind, whether its cases give
tensor ``inputs`` (and upstream gradients) or plain ``args``, which of a check's
keys apply to it, which feedback plot it gets, and the shape its cases must have.
The schema validates ``kind`` against these names and the plan and the plot plan
read the rest, so no module keeps its own list of kinds. How a kind is *judged*
(its judge and mutant signature) is the kind's module in :mod:`grader.checks.kinds`:
judges need numpy and torch, and this table is read while ``course.yaml`` is
loaded, before torch (the fork server imports it meanwhile).

Adding a kind: an entry here, its module ``grader/checks/kinds/<kind>.py`` with its
entry in :data:`grader.checks.kinds.KIND_JUDGES`, and, for a new worker operation,
a probe in :mod:`grader.sandbox.probes` (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PlotKind = Literal["curve", "backward", "figure"]
"""The feedback plots (:mod:`grader.plot_plan`): a value curve, a backward grid, the student's own figure."""

PLOT_ORDER: tuple[PlotKind, ...] = ("figure", "backward", "curve")
"""An exercise gets one plot at most: the first kind of plot, in this order, that one of its visible checks has."""


@dataclass(frozen=True)
class KindSpec:
    """One check kind, as the course and the plan see it."""

    name: str
    probe: str
    """The worker operation that observes it (a key of :data:`grader.sandbox.probes.PROBES`)."""
    tensor_inputs: bool = False
    """Cases give ``inputs`` (tensor specs), ``extra`` and ``requires_grad``, not ``args`` and ``kwargs``."""
    upstreams: bool = False
    """Cases give upstream gradients (``upstreams``), one backward run each."""
    function: bool = False
    """The entry is a ``torch.autograd.Function``, called (and shown in feedback) as ``Entry.apply(...)``."""
    options: frozenset[str] = frozenset()
    """The check keys that apply to this kind only (``raises``, ``observe_args``, ``count_ops``, ``backward``)."""
    probe_fields: tuple[str, ...] = ()
    """Check keys copied into the probe when set (``eps``, ``count_ops``, ``transforms``)."""
    plot: PlotKind | None = None
    """The feedback plot a visible check of this kind can give its exercise."""
    one_input: bool = False
    """Each case takes exactly one input."""
    one_upstream: bool = False
    """Each case takes exactly one upstream gradient."""
    takes_extra: bool = True
    """Cases may pass ``extra`` (non-tensor) arguments after the inputs."""
    case_shape: str = ""
    """How a case must look, said when ``one_input``, ``one_upstream`` or ``takes_extra`` is broken."""


KIND_SPECS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("value", "call", options=frozenset({"raises", "observe_args"}), plot="curve"),
        KindSpec("figure", "call", plot="figure"),
        KindSpec("graph", "call", options=frozenset({"backward"})),
        KindSpec("function_forward", "apply", tensor_inputs=True, function=True, options=frozenset({"raises"})),
        KindSpec(
            "function_backward",
            "apply",
            tensor_inputs=True,
            upstreams=True,
            function=True,
            options=frozenset({"count_ops"}),
            probe_fields=("count_ops",),
            plot="backward",
        ),
        KindSpec("function_gradcheck", "jacobian", tensor_inputs=True, function=True, probe_fields=("eps",)),
        KindSpec("function_double_backward", "second_order", tensor_inputs=True, upstreams=True, function=True),
        KindSpec(
            "function_inplace",
            "inplace",
            tensor_inputs=True,
            upstreams=True,
            function=True,
            one_input=True,
            one_upstream=True,
            case_shape="a `function_inplace` case takes one input and one upstream gradient",
        ),
        KindSpec(
            "func_transforms",
            "transforms",
            tensor_inputs=True,
            probe_fields=("transforms",),
            one_input=True,
            takes_extra=False,
            case_shape="a `func_transforms` case takes one input (a 0-d or 1-d tensor of points) and no `extra`",
        ),
    )
}
"""Every built-in check kind, by the name ``course.yaml`` gives it."""


def kinds_with(option: str) -> tuple[str, ...]:
    """The kinds a check key applies to, in the table's order."""
    return tuple(name for name, spec in KIND_SPECS.items() if option in spec.options)


__all__ = ["KIND_SPECS", "PLOT_ORDER", "KindSpec", "PlotKind", "kinds_with"]
