"""The bundled sample class, graded by the real ``grade run`` once, matches examples/class/EXPECTED.md.

The expected numbers and hints are read from EXPECTED.md itself (its grade table and its
"Expected hint: `name`" lines), so the document and the grader cannot drift apart silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from grade_command import REPO, gradebook, records_by_submission, run_grade

CLASS = REPO / "examples" / "class"
EXPECTED_MD = CLASS / "EXPECTED.md"
ZOE = unicodedata.normalize("NFC", "Zoë Müller")
HEADER = [
    "submission",
    "square",
    "chain_rule",
    "partials",
    "vjp",
    "accumulation",
    "detach",
    "grid_derivative",
    "leaf_tensors",
    "gradient_checker",
    "by_hand",
    "custom_square",
    "saved_tensors",
    "two_inputs",
    "legendre",
    "linear_function",
    "surrogate_gradients",
    "inplace_function",
    "double_backward",
    "total",
]
CHECK_KEYS = {"name", "status", "points", "max_points", "visible", "message"}


def _course() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "course.yaml").read_text(encoding="utf-8"))
    return data


def _expected_table() -> dict[str, dict[str, float]]:
    """EXPECTED.md's grade table: submission -> column -> points (cells such as ``0 (missing)`` or ``**30**`` read as numbers)."""
    lines = [line for line in EXPECTED_MD.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header_index = next(i for i, line in enumerate(lines) if line.strip("| ").startswith("submission"))
    columns = [cell.strip() for cell in lines[header_index].strip().strip("|").split("|")]
    table: dict[str, dict[str, float]] = {}
    for line in lines[header_index + 2 :]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != len(columns):
            break
        name = unicodedata.normalize("NFC", cells[0].strip("`"))
        numbers = {}
        for column, cell in zip(columns[1:], cells[1:], strict=True):
            match = re.match(r"\**\s*(-?[0-9.]+)", cell)
            assert match, f"EXPECTED.md: cannot read {cell!r} for {name}/{column}"
            numbers[column] = float(match.group(1))
        table[name] = numbers
    return table


def _expected_hints() -> dict[str, set[str]]:
    """EXPECTED.md's "Expected hint: `name`" lines, per submission section (``### `name` ...``)."""
    hints: dict[str, set[str]] = {}
    current = None
    for line in EXPECTED_MD.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^###\s+`([^`]+)`", line)
        if heading:
            current = unicodedata.normalize("NFC", heading.group(1))
            hints[current] = set()
        elif current is not None:
            hints[current].update(re.findall(r"Expected hint: `([a-z_]+)`", line))
    return hints


def _mutant_exercise() -> dict[str, set[str]]:
    """Mutant name -> the exercises declaring it (``no_float_cast`` is declared twice)."""
    owners: dict[str, set[str]] = {}
    for exercise in _course()["exercises"]:
        for mutant in exercise.get("mutants", []):
            owners.setdefault(mutant["name"], set()).add(exercise["id"])
    return owners


EXPECTED = _expected_table()
EXPECTED_HINTS = _expected_hints()


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        return records_by_submission(self.out)

    def exercise(self, submission: str, exercise_id: str) -> dict[str, Any]:
        record = self.records[submission]
        return next(e for e in record["exercises"] if e["exercise"] == exercise_id)

    def check(self, submission: str, exercise_id: str, name: str) -> dict[str, Any]:
        return next(c for c in self.exercise(submission, exercise_id)["checks"] if c["name"] == name)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("sample_class") / "out"
    completed = run_grade("run", CLASS, "--out", out)
    return Run(completed.returncode, completed.stdout, completed.stderr, out)


def test_expected_md_lists_every_sample_submission() -> None:
    folders = {unicodedata.normalize("NFC", p.name) for p in CLASS.iterdir() if p.is_dir()}
    assert set(EXPECTED) == folders
    maxima = {e["id"]: sum(c["points"] for c in e["checks"]) for e in _course()["exercises"]}
    for name, row in EXPECTED.items():
        assert row["total"] == sum(row[e] for e in maxima), f"EXPECTED.md: {name}'s total is not the sum of its row"
        assert all(0 <= row[e] <= maxima[e] for e in maxima), name


def test_grade_run_on_the_sample_class_exits_0(run: Run) -> None:
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "graded 8 submissions" in run.stdout


def test_gradebook_header_is_exactly_the_exercises_in_course_order_then_total(run: Run) -> None:
    assert gradebook(run.out)[0] == HEADER
    assert HEADER[1:-1] == [e["id"] for e in _course()["exercises"]]


def test_every_gradebook_row_matches_expected_md(run: Run) -> None:
    rows = gradebook(run.out)[1:]
    assert sorted(row[0] for row in rows) == sorted(EXPECTED)
    for row in rows:
        got = {column: float(cell) for column, cell in zip(HEADER[1:], row[1:], strict=True)}
        assert got == EXPECTED[row[0]], f"{row[0]}: gradebook {got} but EXPECTED.md says {EXPECTED[row[0]]}"


def test_zoe_mullers_row_keeps_the_non_ascii_name(run: Run) -> None:
    rows = {row[0]: row for row in gradebook(run.out)[1:]}
    assert ZOE in rows, f"no row named {ZOE!r} in {sorted(rows)}"
    assert float(rows[ZOE][-1]) == EXPECTED[ZOE]["total"] == 18
    raw = (run.out / "gradebook.csv").read_bytes()
    assert ZOE.encode("utf-8") in raw


def test_every_submission_has_a_json_record_with_complete_checks(run: Run) -> None:
    records = run.records
    assert sorted(records) == sorted(EXPECTED)
    assert (run.out / "submissions" / f"{ZOE}.json").is_file()
    maxima = {e["id"]: sum(c["points"] for c in e["checks"]) for e in _course()["exercises"]}
    for name, record in records.items():
        assert record["points"] == EXPECTED[name]["total"]
        assert [e["exercise"] for e in record["exercises"]] == HEADER[1:-1]
        for exercise in record["exercises"]:
            assert exercise["points"] == EXPECTED[name][exercise["exercise"]], f"{name}/{exercise['exercise']}"
            assert exercise["max_points"] == maxima[exercise["exercise"]]
            assert exercise["checks"], f"{name}/{exercise['exercise']} has no check records"
            for check in exercise["checks"]:
                missing = CHECK_KEYS - set(check)
                assert not missing, f"{name}/{exercise['exercise']}/{check.get('name')} lacks {sorted(missing)}"
                assert check["status"] in ("passed", "failed", "not_started", "not_graded")
                assert isinstance(check["visible"], bool)
                assert isinstance(check["message"], str)
                assert check["points"] == (check["max_points"] if check["status"] == "passed" else 0)


def test_tutorial_sq_gets_partial_credit_with_grad_output_hint(run: Run) -> None:
    custom = run.exercise("tutorial_copy", "custom_square")
    assert custom["points"] == EXPECTED["tutorial_copy"]["custom_square"] == 2
    status = {c["name"]: c["status"] for c in custom["checks"]}
    assert status == {
        "forward_values": "passed",
        "forward_random": "passed",
        "backward_values": "failed",
        "backward_random": "failed",
        "gradcheck_fixed": "failed",
        "gradcheck_random": "failed",
    }
    failed = [c for c in custom["checks"] if c["status"] == "failed"]
    assert all(c["hint"] and "grad_output" in c["hint"] for c in failed), [c["hint"] for c in failed]
    assert run.check("tutorial_copy", "custom_square", "backward_values")["diagnosis"] == "ignores_grad_output"


def test_missing_file_is_reported_as_missing(run: Run) -> None:
    partials = run.exercise(ZOE, "partials")
    assert partials["status"] == "missing"
    assert partials["points"] == 0
    assert "partials.py" in partials["message"]
    assert all(c["status"] == "not_graded" and c["points"] == 0 for c in partials["checks"])


def test_syntax_error_is_reported_with_its_line(run: Run) -> None:
    source = (CLASS / ZOE / "grid_derivative.py").read_text(encoding="utf-8").splitlines()
    bad_line = next(n for n, line in enumerate(source, 1) if line.startswith("def plot_square_and_derivative") and not line.endswith(":"))
    grid = run.exercise(ZOE, "grid_derivative")
    assert grid["status"] == "syntax_error"
    assert grid["points"] == 0
    assert "grid_derivative.py" in grid["message"]
    assert re.search(rf"\bline {bad_line}\b", grid["message"]), grid["message"]
    assert all(c["status"] == "not_graded" for c in grid["checks"])


def test_module_leaf_square_gets_the_state_between_calls_hint(run: Run) -> None:
    square = run.exercise("module_leaf", "square")
    assert square["points"] == 0
    failed = [c for c in square["checks"] if c["status"] == "failed"]
    assert {c["name"] for c in failed} == {"value_at_tutorial_points", "same_answer_twice", "value_at_random_points"}
    for check in failed:
        hint = (check["hint"] or "").lower()
        assert check["diagnosis"] in ("module_level_leaf", "state_between_calls"), check
        # Either wording explains that the function keeps state from one call to the next.
        assert "between calls" in hint or "from one call to the next" in hint, hint
    assert "module_level_leaf" in {c["diagnosis"] for c in failed}


def test_every_expected_hint_in_expected_md_is_given(run: Run) -> None:
    owners = _mutant_exercise()
    assert EXPECTED_HINTS["tutorial_copy"] == {"ignores_grad_output"}
    for submission, hints in EXPECTED_HINTS.items():
        for hint in hints:
            assert hint in owners, f"EXPECTED.md names {hint!r}, which no exercise declares"
            diagnoses = {
                c["diagnosis"] for exercise in owners[hint] for c in run.exercise(submission, exercise)["checks"] if c["status"] == "failed"
            }
            assert hint in diagnoses, f"{submission}: expected the {hint} hint, got {diagnoses}"


def test_submissions_without_expected_hints_get_no_mistake_hint(run: Run) -> None:
    for submission in ("ada_correct", "empty_stubs"):
        assert EXPECTED_HINTS[submission] == set()
        for exercise in run.records[submission]["exercises"]:
            assert all(not c["hint"] for c in exercise["checks"]), f"{submission}/{exercise['exercise']}"


def test_no_check_names_a_declared_mistake_other_than_the_expected_one(run: Run) -> None:
    owners = _mutant_exercise()
    wrong = []
    for submission, hints in EXPECTED_HINTS.items():
        for hint in hints:
            for exercise in owners[hint]:
                declared = {m["name"] for e in _course()["exercises"] if e["id"] == exercise for m in e.get("mutants", [])}
                for check in run.exercise(submission, exercise)["checks"]:
                    if check["diagnosis"] in declared and check["diagnosis"] not in hints:
                        wrong.append(f"{submission}/{exercise}/{check['name']}: {check['diagnosis']} instead of {hint}")
    assert wrong == []


def test_hidden_check_messages_never_reveal_expected_values(run: Run) -> None:
    for name, record in run.records.items():
        for exercise in record["exercises"]:
            for check in exercise["checks"]:
                if not check["visible"] and check["status"] == "failed":
                    assert "but expected" not in check["message"], f"{name}/{exercise['exercise']}/{check['name']}: {check['message']}"
                    assert "(difference " not in check["message"], f"{name}/{exercise['exercise']}/{check['name']}: {check['message']}"
