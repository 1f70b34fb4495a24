"""What a student's code printed: first and last lines with one marker, and printing never costs points by itself."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.commands import check_local
from grader.course.load import load_course
from grader.printed_output import LINE_CHARS, clip_output

REPO = Path(__file__).resolve().parents[1]


def test_long_output_keeps_the_first_and_last_ten_lines_around_one_marker() -> None:
    text = "".join(f"line {i}\n" for i in range(1, 101))
    lines = clip_output(text).splitlines()
    assert lines == [*(f"line {i}" for i in range(1, 11)), "… 80 lines omitted …", *(f"line {i}" for i in range(91, 101))]


def test_clipping_never_starts_a_line_mid_way_and_caps_each_line() -> None:
    lines = clip_output("a" * 1000 + "\nshort\n").splitlines()
    assert lines[0].startswith("a" * LINE_CHARS + "… (800 more characters)")
    assert lines[1] == "short"


def test_clipping_a_clipped_output_changes_nothing() -> None:
    once = clip_output("".join(f"{i}\n" for i in range(500)), printed_bytes=10**7)
    assert clip_output(once) == once
    assert once.splitlines()[-1] == "… more output not kept (9765 KiB printed in all) …"


def test_short_output_is_kept_as_it_is() -> None:
    assert clip_output("one\ntwo\n") == "one\ntwo\n"


def test_printing_past_the_output_cap_costs_no_points_when_the_checks_answered(tmp_path: Path) -> None:
    workspace = tmp_path / "work"
    shutil.copytree(REPO / "exercises", workspace)
    solution = (REPO / "solutions" / "square.py").read_text(encoding="utf-8")
    flood = '\nfor _line in range(40_000):\n    print("debugging line", _line, "x" * 40)\n'  # about 2 MiB, twice the 1 MiB cap
    (workspace / "square.py").write_text(solution + flood, encoding="utf-8")
    run = check_local(load_course(REPO), workspace, ["square"])
    square = run.results[0].exercise("square")
    assert square.status == "graded", square.message
    assert square.points == square.max_points
    printed = square.output.splitlines()
    assert printed[0] == "debugging line 0 " + "x" * 40
    assert any(line.endswith("lines omitted …") for line in printed)
    assert printed[-1].startswith("… more output not kept")
