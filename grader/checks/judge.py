"""One check for one submission: cases judged, mutants recognised, a record out.

Pure and in the trusted process: observations in, :class:`CheckResult` out.
The pytest items in :mod:`grader.checks.plugin` call this.
"""

from __future__ import annotations

from typing import Any

from grader.checks.envelope import INTERFERENCE, Interference, check_envelope
from grader.checks.kinds import KIND_JUDGES, CaseContext, CaseVerdict, ReferenceFailed, agreed_hint, import_verdict, signature
from grader.compare import compare, noting_dtypes
from grader.course.schema import Tolerance
from grader.plan import MutantBehaviour, Observations, PlannedCheck
from grader.results import CheckResult


def judge_check(
    planned: PlannedCheck,
    student: Observations,
    reference: Observations,
    mutants: tuple[MutantBehaviour, ...],
    tolerances: dict[str, Tolerance],
    unfinished: str | None,
) -> CheckResult:
    """Judge every case of ``planned``; fails closed.

    ``unfinished`` says why the worker stopped before answering every probe of
    this module (it timed out, crashed...): a missing observation is then not
    graded. ``None`` means the worker said it answered them all: a missing
    observation is then interference, as is any observation that is not the
    shape its probe returns (:mod:`grader.checks.envelope`). A check with no
    input to judge cannot pass: the grader reports it broken.
    """
    check = planned.check
    if not planned.cases:
        raise ReferenceFailed(f"check `{check.name}` has no inputs to judge (no fixed cases, and no seed for its random ones)")
    verdicts: list[tuple[str, CaseVerdict]] = []
    with noting_dtypes() as notes:
        for case in planned.cases:
            observation = student.get(case.probe_id)
            if observation is None and unfinished is not None:
                return _result(planned, "not_graded", unfinished)
            try:
                if observation is None:
                    raise Interference(f"no answer to {case.label}")
                check_envelope(case.probe, observation)
            except Interference as error:
                return _result(planned, "failed", f"{INTERFERENCE} ({error})", diagnosis="interference")
            context = CaseContext(check, case.label, tolerances, check.visible, planned.input_names)
            if observation.get("at_import") and isinstance(observation.get("error"), dict):
                verdicts.append((case.probe_id, import_verdict(observation["error"], planned.exercise)))
                continue
            verdicts.append((case.probe_id, KIND_JUDGES[check.kind].judge(observation, reference[case.probe_id], context)))
    failed = [(probe_id, v) for probe_id, v in verdicts if not v.passed]
    if not failed:
        return _result(planned, "passed", "; ".join(list(dict.fromkeys(notes))[:3]))  # a dtype accepted: said, briefly
    return _failure(planned, len(verdicts), failed, student, reference, mutants, tolerances)


def _failure(
    planned: PlannedCheck,
    judged: int,
    failed: list[tuple[str, CaseVerdict]],
    student: Observations,
    reference: Observations,
    mutants: tuple[MutantBehaviour, ...],
    tolerances: dict[str, Tolerance],
) -> CheckResult:
    """A check with failed inputs: not started, or failed with the first message and a hint every failing input agrees on."""
    if all(v.not_started for _, v in failed):
        return _result(planned, "not_started", failed[0][1].message)
    message = failed[0][1].message
    if judged > 1:
        message = f"{len(failed)} of {judged} inputs failed; first: {message}"
    hint, diagnosis = agreed_hint([v for _, v in failed], student, reference)
    mutant = _matching_mutant(planned, student, [probe_id for probe_id, _ in failed], mutants, tolerances)
    if mutant is not None:
        hint, diagnosis = mutant.hint, mutant.name
    return _result(planned, "failed", message, hint, diagnosis)


def _matching_mutant(
    planned: PlannedCheck,
    student: Observations,
    failed_probes: list[str],
    mutants: tuple[MutantBehaviour, ...],
    tolerances: dict[str, Tolerance],
) -> MutantBehaviour | None:
    """The first mutant that behaves like the student on every input the student failed."""
    kind = planned.check.kind
    signatures: dict[str, dict[str, Any]] = {}

    def student_signature(probe_id: str) -> dict[str, Any]:
        """Built once per probe, not once per mutant, and only when a mutant reaches it."""
        if probe_id not in signatures:
            signatures[probe_id] = signature(kind, student[probe_id])
        return signatures[probe_id]

    for mutant in mutants:
        if all(
            probe_id in mutant.observations
            and compare(student_signature(probe_id), signature(kind, mutant.observations[probe_id]), tolerances) is None
            for probe_id in failed_probes
        ):
            return mutant
    return None


def _result(planned: PlannedCheck, status: str, message: str, hint: str | None = None, diagnosis: str | None = None) -> CheckResult:
    check = planned.check
    return CheckResult(
        exercise=planned.exercise,
        name=check.name,
        visible=check.visible,
        points=check.points if status == "passed" else 0.0,
        max_points=check.points,
        status=status,  # type: ignore[arg-type]
        message=message,
        description=check.description or "",
        hint=hint,
        diagnosis=diagnosis,
    )


__all__ = ["MutantBehaviour", "Observations", "judge_check"]
