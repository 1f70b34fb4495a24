"""Student text on its way out: a spreadsheet never runs it, a terminal or text file never obeys it.

Names are folder names and messages are what student code raised: both are hostile. In the
gradebook a leading ``= + - @`` (tab, CR) is neutralised the OWASP way; in progress lines, the
summary table and ``pytest-report.txt`` control characters are shown as escapes, one line stays
one line, and rich markup in a name is shown, not applied.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from grade_command import REPO, csv_rows, run_grade
from rich.console import Console

from grader.checks.plugin import GradingPlugin
from grader.class_run import ClassPlan
from grader.progress import ClassProgress
from grader.report.gradebook_csv import write_gradebook
from grader.report.terminal import render_class_summary
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.text_safety import csv_cell, one_line, printable_lines

ESCAPES = "\x1b]0;owned title\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31m"
"""Set the window title, write the clipboard (OSC 52), clear the screen, turn red."""
HOSTILE_NAME = f"mallory{ESCAPES}\r\n[0/1] alice: 4/4 (forged line)\u202e[bold]shout[/bold]"
FORMULA_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tpadded", "\rreturn"]


def _result(name: str, points: float = 1.0, message: str = "") -> SubmissionResult:
    status = "passed" if not message else "failed"
    check = CheckResult(exercise="square", name="values", visible=True, points=points, max_points=4, status=status, message=message)
    exercise = ExerciseResult(exercise="square", status="graded", points=points, max_points=4, checks=(check,))
    return SubmissionResult(submission=name, path="/nowhere", exercises=(exercise,))


def _log_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=300, highlight=False), buffer


def _assert_inert(text: str) -> None:
    """No byte a terminal would act on: no ESC, BEL, CR, C1 control or bidi override."""
    for char in text:
        assert char in "\n\t" or not (ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 or char == "\u202e"), f"{char!r} in {text!r}"


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_a_name_a_spreadsheet_would_run_gets_a_leading_quote_in_the_gradebook(tmp_path: Path, name: str) -> None:
    path = tmp_path / "gradebook.csv"
    write_gradebook(path, [_result(name), _result("Zoë Müller, B.")], ["square"])
    rows = csv_rows(path)
    assert rows[1][0] == "'" + name
    assert rows[2][0] == "Zoë Müller, B."


def test_an_ordinary_name_or_number_is_never_quoted() -> None:
    assert csv_cell("ada") == "ada"
    assert csv_cell("Zoë") == "Zoë"
    assert csv_cell("") == ""
    assert csv_cell("x=1") == "x=1"


def test_one_line_shows_every_control_character_as_its_escape() -> None:
    shown = one_line(HOSTILE_NAME)
    _assert_inert(shown)
    assert "\n" not in shown
    assert shown.startswith("mallory\\x1b]0;owned title\\x07")
    assert "\\r\\n[0/1] alice" in shown and "\\u202e[bold]shout[/bold]" in shown


def test_one_line_caps_a_long_name() -> None:
    assert one_line("x" * 1000, 50) == "x" * 47 + "..."


def test_printable_lines_keeps_lines_and_tabs_but_no_other_control() -> None:
    text = printable_lines(f"first\tline\n{ESCAPES}second\rthird\u2028fourth\n")
    _assert_inert(text)
    first, second = text.splitlines()
    assert first == "first\tline"
    assert second == "\\x1b]0;owned title\\x07\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x1b[31msecond\\rthird\\u2028fourth"


def test_a_progress_line_shows_a_hostile_name_as_text_on_one_line() -> None:
    console, buffer = _log_console()
    with ClassProgress(console) as progress:
        progress.plan(ClassPlan(total=2, to_grade=2, skipped=0))
        progress.graded(_result(HOSTILE_NAME))
        progress.graded(_result("alice"))
    output = buffer.getvalue()
    _assert_inert(output)
    lines = output.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("[1/2] mallory\\x1b]0;owned title") and "[bold]shout[/bold]: 1/4" in lines[0]
    assert lines[1].startswith("[2/2] alice: 1/4")


def test_the_run_summary_shows_a_hostile_name_literally_and_on_one_line() -> None:
    console, buffer = _log_console()
    render_class_summary([_result(HOSTILE_NAME), _result("alice")], ["square"], console)
    output = buffer.getvalue()
    _assert_inert(output)
    assert "[bold]shout[/bold]" in output, "rich markup in a name was applied instead of shown"
    assert not any(line.lstrip().startswith("[0/1] alice") for line in output.splitlines()), "a name forged a line"


class _Reporter:
    """Stands for pytest's terminal reporter: keeps what the plugin writes."""

    def __init__(self) -> None:
        self.text = ""

    def write_sep(self, sep: str, title: str) -> None:
        self.text += f"{sep * 3} {title} {sep * 3}\n"

    def write(self, text: str, **markup: Any) -> None:
        self.text += text


def test_the_pytest_report_lists_a_hostile_name_and_message_as_text_on_one_line() -> None:
    plugin = GradingPlugin(tasks=[], handles=[])
    failed = _result(HOSTILE_NAME, 0.0, f"importing square.py raised ValueError: {ESCAPES}boom\rFAILED alice::square::values").exercises[0]
    plugin.results[(HOSTILE_NAME, "square", "values")] = failed.checks[0]
    reporter = _Reporter()
    plugin.pytest_terminal_summary(reporter)
    _assert_inert(reporter.text)
    failures = [line for line in reporter.text.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1 and failures[0].startswith("FAILED mallory\\x1b]0;owned title"), reporter.text


def test_a_byte_that_is_not_utf8_is_shown_as_an_escape_not_a_crash() -> None:
    assert one_line("bad\udcffname") == "bad\\udcffname"
    printable_lines("bad\udcffname\n").encode("utf-8")


def test_an_error_quoting_a_name_shows_its_markup_and_escapes_as_text(tmp_path: Path) -> None:
    class_dir = tmp_path / "class"
    composed = "[red]Zo\u00eb\x1b[2J"
    for name in (composed, unicodedata.normalize("NFD", composed)):  # one name twice: `grade run` refuses to start
        (class_dir / name).mkdir(parents=True)
    completed = run_grade("run", class_dir, "--out", tmp_path / "out", cwd=REPO, env={"COLUMNS": "300"})
    assert completed.returncode == 2, completed.stderr[-2000:]
    assert "two submissions share the name '[red]Zoë\\x1b[2J'" in completed.stderr
    _assert_inert(completed.stderr)
