"""Judging as a pytest session, in the trusted process.

Built-in checks become pytest items generated from the already validated
plan (no second YAML parse), one per submission judging all of its checks
(each check still its own record); ``repr_failure`` lists the plain messages a
student reads, and the session's summary one line per check that did not
pass. Instructor-written pytest files (the
course's ``checks_dir``) run in the same session: a test that takes the
``submission`` fixture runs once per submission and reaches student code only
through :class:`StudentHandle`, i.e. through the sandbox. Points come from
its marker::

    @pytest.mark.grade(exercise="square", points=1, visible=False)
    def test_square_is_even(submission):
        value = submission.call("square", "derivative_square", 3.0)
        assert float(value) == 6.0
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.checks.envelope import INTERFERENCE, Interference, check_envelope
from grader.checks.judge import MutantBehaviour, Observations, judge_check
from grader.checks.kinds import ReferenceFailed
from grader.compare import decoding_once
from grader.errors import GraderError
from grader.plan import ExercisePlan, PlannedCheck, call_probe
from grader.results import CheckResult, CheckStatus
from grader.sandbox.client import ForkServer
from grader.sandbox.wire import decode_value
from grader.submissions import Submission
from grader.text_safety import one_line

_handle_jobs = itertools.count(10**9)

CHECKS_FAILED = "with failed checks"
"""pytest's outcome category for a submission with a check that did not pass (the session's last line counts them)."""


@dataclass(frozen=True)
class JudgeTask:
    """Everything needed to judge one submission's exercise, all of it data."""

    submission: str
    plan: ExercisePlan
    observations: Observations
    reference: Observations
    mutants: tuple[MutantBehaviour, ...]
    unfinished: str | None
    """Why the worker stopped before answering every probe; ``None`` when it answered them all, so that a missing
    observation is interference (see :func:`grader.checks.judge.judge_check`)."""


class StudentError(AssertionError):
    """The student's code raised, or returned something unreadable; fails the instructor test with this message."""


class StudentNotStarted(StudentError):
    """The stub still raises NotImplementedError: the check reads "not started"."""


@dataclass
class StudentHandle:
    """The student's code as instructor tests see it: calls go through the sandbox."""

    submission: Submission
    server: ForkServer
    plans: dict[str, ExercisePlan]

    @property
    def name(self) -> str:
        return self.submission.name

    def call(self, exercise: str, entry: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``entry`` of the student's ``exercise`` in a fresh confined worker; returns plain data."""
        source = self.submission.sources.get(exercise)
        if source is None or source.text is None:
            raise StudentError(f"{exercise}.py was not handed in")
        probe = {"id": "custom", **call_probe(entry, list(args), kwargs)}
        job = self.plans[exercise].job(next(_handle_jobs), source.text, [probe])
        runs = list(self.server.run([job]))
        observation = runs[0].modules[0].observations.get("custom") if runs[0].modules else None
        if observation is None:
            raise StudentError(f"{exercise}.py did not answer ({runs[0].status})")
        try:
            check_envelope(probe, observation)
        except Interference as interference:
            raise StudentError(f"{INTERFERENCE} ({interference})") from None
        call = observation if "error" in observation else observation["calls"][0]  # the module itself failed, or the call
        if "error" in call:
            error = call["error"]
            if error.get("type") == "NotImplementedError":
                raise StudentNotStarted(f"not started: {entry} still raises NotImplementedError")
            raise StudentError(f"{entry} raised {error.get('type')}: {error.get('message')}")
        return decode_value(call["value"])

    def __repr__(self) -> str:
        return f"<submission {self.name!r}>"


class ChecksFailed(Exception):
    """Some of a submission's checks did not pass (the student's doing), or the grader broke on some."""

    def __init__(self, failed: list[CheckResult], broken: list[tuple[str, str, str]]) -> None:
        super().__init__(f"{len(failed)} checks did not pass, {len(broken)} could not be judged")
        self.failed = failed
        self.broken = broken
        """(exercise, check, the traceback of what the grader raised) for each check it could not judge."""


class SubmissionItem(pytest.Item):
    """Every built-in check of one submission, judged as one pytest item.

    One item per submission, not per check or per exercise: pytest's protocol for
    an item (three phases, a report and a dozen hooks each) costs about 0.4 ms,
    more than judging all of an exercise's checks. Each check still gets its own
    :class:`CheckResult` in the sink, a failure lists every check that did not
    pass, and a check that breaks the grader (say the reference raised) does not
    stop the other checks from being judged.
    """

    def __init__(
        self,
        *,
        tasks: list[JudgeTask],
        sink: dict[tuple[str, str, str], CheckResult],
        broken: dict[tuple[str, str, str], str],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tasks = tasks
        self.sink = sink
        self.broken = broken
        """(submission, exercise, check) -> the traceback of the grader's failure on it, for the session's report."""

    def runtest(self) -> None:
        failed: list[CheckResult] = []
        broken: list[tuple[str, str, str]] = []
        for task in self.tasks:
            for planned in task.plan.checks:
                try:
                    result = judge_check(planned, task.observations, task.reference, task.mutants, task.plan.tolerances, task.unfinished)
                except Exception as error:  # the grader broke on this check: reported, and the others still judged
                    trace = "".join(traceback.format_exception(error)).rstrip()
                    broken.append((task.plan.id, planned.name, trace))
                    self.broken[(task.submission, task.plan.id, planned.name)] = trace
                    self.sink[(task.submission, task.plan.id, planned.name)] = _not_judged(planned, error)
                    continue
                self.sink[(task.submission, task.plan.id, planned.name)] = result
                if not result.passed:
                    failed.append(result)
        if failed or broken:
            raise ChecksFailed(failed, broken)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Each check that did not pass, with its message and hint, as the student reads them; no traceback."""
        if not isinstance(excinfo.value, ChecksFailed):
            return str(super().repr_failure(excinfo))
        lines = []
        for result in excinfo.value.failed:
            lines.append(f"{result.exercise}::{result.name} ({result.status}): {result.message}")
            if result.hint:
                lines.append(f"    hint: {result.hint}")
        for exercise, name, trace in excinfo.value.broken:
            lines.append(f"{exercise}::{name}: the grader could not judge this check\n{trace}")
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


@dataclass
class GradingPlugin:
    tasks: list[JudgeTask]
    handles: list[StudentHandle]
    results: dict[tuple[str, str, str], CheckResult] = field(default_factory=dict)
    custom: dict[tuple[str, str, str], CheckResult] = field(default_factory=dict)
    broken: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """Built-in checks the grader could not judge, with its traceback (they have no result: "not graded")."""
    checks_failed: set[str] = field(default_factory=set)
    """Node ids of the :class:`SubmissionItem`s that failed by :class:`ChecksFailed` (not by a bug of ours)."""

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "grade(exercise, points, visible=False): points for an instructor check")

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "submission" in metafunc.fixturenames:
            metafunc.parametrize("submission", self.handles, ids=[h.name for h in self.handles])

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
        by_submission: dict[str, list[JudgeTask]] = {}
        for task in self.tasks:
            by_submission.setdefault(task.submission, []).append(task)
        for name, tasks in by_submission.items():
            item = SubmissionItem.from_parent(session, name=one_line(name), tasks=tasks, sink=self.results, broken=self.broken)
            items.append(item)

    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
        """Built-in checks that failed are listed one line each by :meth:`pytest_terminal_summary`, under their own
        category: pytest's FAILURES section would pair every failure with every report (quadratic in the chunk)."""
        if report.when == "call" and report.failed and report.nodeid in self.checks_failed:
            return CHECKS_FAILED, "F", "FAILED"
        return None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line per check that did not pass, for whom (the instructor's grep-able record of the session),
        then the grader's own failures with their tracebacks."""
        lines = [
            f"{result.status.upper()} {one_line(submission)}::{exercise}::{one_line(name)} - {one_line(_first_line(result.message))}"
            for (submission, exercise, name), result in itertools.chain(self.results.items(), self.custom.items())
            if not result.passed
        ]
        if lines:
            terminalreporter.write_sep("=", "checks that did not pass")
            terminalreporter.write("\n".join(lines) + "\n")
        if self.broken:
            terminalreporter.write_sep("=", "checks the grader could not judge")
            for (submission, exercise, name), trace in self.broken.items():
                who = f"{one_line(submission)}::{exercise}::{name}"
                terminalreporter.write(f"ERROR {who} - the grader could not judge this check\n{trace}\n")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome: Any = yield
        report = outcome.get_result()
        if isinstance(item, SubmissionItem):
            if call.excinfo is not None and isinstance(call.excinfo.value, ChecksFailed):
                self.checks_failed.add(report.nodeid)
            return
        marker = item.get_closest_marker("grade")
        if marker is None or (report.when != "call" and not report.failed):
            return
        handle = getattr(item, "callspec", None) and item.callspec.params.get("submission")  # type: ignore[attr-defined]
        if handle is None:
            return
        exercise = str(marker.kwargs.get("exercise"))
        points = float(marker.kwargs.get("points", 1))
        name = str(getattr(item, "originalname", item.name))
        message = "" if report.passed else _short_failure(report)
        not_started = call.excinfo is not None and isinstance(call.excinfo.value, StudentNotStarted)
        status: CheckStatus = "passed" if report.passed else ("not_started" if not_started else "failed")
        self.custom[(handle.name, exercise, name)] = CheckResult(
            exercise=exercise,
            name=name,
            visible=bool(marker.kwargs.get("visible", False)),
            points=points if report.passed else 0.0,
            max_points=points,
            status=status,
            message=message.removeprefix("grader.checks.plugin.StudentNotStarted: ").removeprefix("grader.checks.plugin.StudentError: "),
            description=_first_doc_line(item),
        )


def _first_doc_line(item: pytest.Item) -> str:
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def _short_failure(report: pytest.TestReport) -> str:
    text = str(report.longrepr)
    for line in reversed(text.splitlines()):
        if line.startswith("E "):
            return line[1:].strip()[:500]
    return text.strip().splitlines()[-1][:500] if text.strip() else "failed"


def _not_judged(planned: PlannedCheck, error: Exception) -> CheckResult:
    """A check the grader could not judge: not graded, with the reason (the course's, never a student's, fault)."""
    reason = str(error).strip().splitlines()[0][:300] if isinstance(error, ReferenceFailed) and str(error).strip() else ""
    message = f"not judged: the course is broken here ({reason})" if reason else f"not judged: the grader failed ({type(error).__name__})"
    return planned.not_graded(message)


@dataclass(frozen=True)
class JudgeOutcome:
    builtin: dict[tuple[str, str, str], CheckResult]
    custom: dict[tuple[str, str, str], CheckResult]
    report: str
    """pytest's own terminal report, kept for instructors who want it."""


_BUILTIN_ONLY = ["-p", "no:logging", "--capture=no"]
"""Without instructor tests nothing in the session logs or prints, so log capture and output capture, which wrap
every phase of every item (a third of the session's time), are left out. Instructor tests keep both: they may use
``caplog`` or ``capsys``."""


@contextlib.contextmanager
def _plugin_autoload_disabled() -> Iterator[None]:
    """Installed pytest plugins stay out of the grading session: they cannot change a verdict, and cost time."""
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous


def run_judging(tasks: list[JudgeTask], handles: list[StudentHandle], checks_dir: Path | None) -> JudgeOutcome:
    """One pytest session for the whole batch: collection happens once per run, not per submission."""
    plugin = GradingPlugin(tasks=tasks, handles=handles)
    instructor = checks_dir is not None and bool(handles)
    with tempfile.TemporaryDirectory(prefix="grader-pytest-") as scratch:
        targets = [str(checks_dir)] if instructor else [scratch]
        args = [
            *targets,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            # These three only watch for problems in test code of our own; unraisableexception also runs
            # gc.collect() several times per session, 0.4 s with torch loaded, once per judged chunk.
            "-p",
            "no:unraisableexception",
            "-p",
            "no:threadexception",
            "-p",
            "no:faulthandler",
            *([] if instructor else _BUILTIN_ONLY),
            "--import-mode=importlib",
            "--rootdir",
            scratch,
            "-c",
            str(Path(scratch) / "pytest.ini"),
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
        ]
        (Path(scratch) / "pytest.ini").write_text("[pytest]\n")
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), _plugin_autoload_disabled(), decoding_once():
            code = pytest.main(args, plugins=[plugin])
    if int(code) not in (0, 1, 5):
        raise GraderError(f"judging failed inside pytest (exit code {int(code)}):\n{buffer.getvalue()[-3000:]}")
    return JudgeOutcome(builtin=plugin.results, custom=plugin.custom, report=buffer.getvalue())


__all__ = ["GradingPlugin", "JudgeOutcome", "JudgeTask", "StudentError", "StudentHandle", "run_judging"]
