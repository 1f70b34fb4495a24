"""The default tolerance table: one entry per floating dtype, overridable per course and per exercise.

The one place these numbers live (STYLE.md principle 8): the plan starts every
exercise's tolerances from it, the judge reads its float32 entry to tell "right
to float32 precision" from a wrong formula, and the feedback plots read it to
draw the band a student's curve must stay in.
"""

from __future__ import annotations

from grader.course.schema import Tolerance

DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "float16": Tolerance(rtol=1e-3, atol=1e-5),
    "bfloat16": Tolerance(rtol=1.6e-2, atol=1e-5),
    "float32": Tolerance(rtol=1.3e-6, atol=1e-5),
    "float64": Tolerance(rtol=1e-7, atol=1e-7),
}
"""``torch.testing.assert_close`` defaults, except float32/float64 atol loosened for values near 0
(a student's float32 ``cos`` at a random point can differ from the reference's by a few ulps)."""

FLOAT32_AGREEMENT = DEFAULT_TOLERANCES["float32"]
"""Values this close to a float64 reference are right to a float32's precision: a float32 step, not a wrong formula."""


__all__ = ["DEFAULT_TOLERANCES", "FLOAT32_AGREEMENT"]
