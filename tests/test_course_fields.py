"""The course's own bookkeeping fields: the release whitelist and the per-exercise CPU budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.load import load_course
from grader.errors import CourseError

COURSE = """\
course: autograd-101
title: Autograd 101
seed: 1234
exercises:
  - id: relu
    title: ReLU
    description: Write a ReLU.
    entry_points: [relu]
{extra}
    checks:
      - name: forward
        kind: value
        entry: relu
        points: 2
        cases:
          - args: [[-1.0, 2.0]]
"""


def _load(tmp_path: Path, extra: str) -> Path:
    for folder in ("exercises", "solutions"):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "relu.py").write_text("def relu(x): ...\n")
    path = tmp_path / "course.yaml"
    path.write_text(COURSE.format(extra=extra))
    return path


def _problems(path: Path) -> str:
    with pytest.raises(CourseError) as info:
        load_course(path)
    return "\n".join(info.value.problems)


def test_a_whitelisted_statement_is_stored_normalised(tmp_path: Path) -> None:
    extra = "    release_whitelist:\n      - statement: 'y = x*2'\n        why: the provided loop shows it\n"
    loaded = load_course(_load(tmp_path, extra))
    assert [entry.statement for entry in loaded.course.exercises[0].release_whitelist] == ["y = x * 2"]


def test_a_whitelist_entry_that_is_not_python_is_refused_at_its_line(tmp_path: Path) -> None:
    extra = "    release_whitelist:\n      - statement: 'return grad_output *'\n        why: because\n"
    problems = _problems(_load(tmp_path, extra))
    assert "course.yaml:10:20: exercises[0].release_whitelist[0].statement: not a Python statement" in problems


def test_a_whitelist_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    extra = "    release_whitelist:\n      - statement: 'y = 2'\n"
    assert "why" in _problems(_load(tmp_path, extra))


def test_a_misspelt_whitelist_key_is_refused(tmp_path: Path) -> None:
    extra = "    release_whitelist:\n      - statement: 'y = 2'\n        why: shown\n        reason: twice\n"
    assert "reason" in _problems(_load(tmp_path, extra))


def test_the_cpu_budget_defaults_to_100_ms_and_must_be_positive(tmp_path: Path) -> None:
    assert load_course(_load(tmp_path, "")).course.exercises[0].cpu_budget_ms == 100
    assert "cpu_budget_ms" in _problems(_load(tmp_path, "    cpu_budget_ms: 0"))
