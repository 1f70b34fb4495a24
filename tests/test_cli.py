"""The ``grade`` command line's conventions: refused options, course discovery, did-you-mean, help, one-line errors.

Usage errors are decided before the sandbox starts, so most of these call :func:`grader.cli.main`
in this process; the tests that need real grading start the real command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import cli
from grader.cli import _parser, main
from grader.cli_args import verb_parsers
from grader.errors import ExitCode, GraderError, SandboxError
from grader.platforms.verbs import GradescopeBuild, NbgraderBuild, RunPlatforms

REPO = Path(__file__).resolve().parents[1]
LAST_EXERCISE = "double_backward"


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The error line argparse printed for ``argv``, after checking it exited 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["run", "subs", "--out", "o", "--jobs", "0"], "at least 1"),
        (["run", "subs", "--out", "o", "--jobs", "-3"], "at least 1"),
        (["run", "subs", "--out", "o", "--jobs", "two"], "at least 1"),
        (["run", "subs", "--out", "o", "--chunk", "0"], "at least 1"),
        (["run", "subs", "--out", "o", "--time-limit", "0"], "above 0"),
        (["run", "subs", "--out", "o", "--time-limit", "-1.5"], "above 0"),
        (["run", "subs", "--out", "o", "--time-limit", "nan"], "above 0"),
        (["run", "subs", "--out", "o", "--time-limit", "inf"], "above 0"),
        (["gradescope", "grade", "sub", "--results", "r.json", "--jobs", "0"], "at least 1"),
    ],
)
def test_a_nonsense_number_is_a_usage_error_saying_what_is_allowed(
    argv: list[str], allowed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _usage_error(argv, capsys)
    assert allowed in line and "error: argument" in line


def test_every_numeric_option_of_every_verb_is_checked_at_parse_time() -> None:
    unchecked = [
        f"{path} {action.option_strings[0]}"
        for path, parser in verb_parsers(_parser())
        for action in parser._actions
        if action.type in (int, float)
    ]
    assert unchecked == []


def test_a_misspelt_verb_gets_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    assert "did you mean `check`?" in _usage_error(["chek"], capsys)


def test_version_names_the_installed_grader(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("grade 0.")


def test_every_verb_has_a_description_and_an_example_in_its_help() -> None:
    for path, parser in verb_parsers(_parser()):
        text = parser.format_help()
        assert parser.description, path
        assert "example:" in text and "grade " in text.split("example:")[1], path


def test_a_misspelt_exercise_from_a_subfolder_finds_the_course_and_suggests_the_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO / "exercises")
    assert main(["check", "sqaure"]) == 2
    err = capsys.readouterr().err
    assert "no exercise `sqaure` in course.yaml (did you mean `square`?)" in err


def test_course_is_accepted_after_the_verb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(tmp_path), "--out", str(tmp_path / "o"), "--exercise", "sqaure", "--course", str(REPO)]) == 2
    assert "did you mean `square`?" in capsys.readouterr().err


def test_no_course_above_the_folder_names_the_folder_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "somewhere" / "deep"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert main(["check"]) == 2
    assert f"not found in {folder.resolve()} or any folder above it" in capsys.readouterr().err


def test_report_on_a_missing_folder_says_it_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "graded"), "--course", str(REPO)]) == 2
    assert f"{tmp_path / 'graded'}: does not exist" in capsys.readouterr().err


def test_a_long_error_stays_on_one_line_when_not_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course", str(REPO), "check", "no_such_exercise"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no exercise") and lines[0].endswith(LAST_EXERCISE)


def test_a_course_error_keeps_file_line_and_column_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = tmp_path / "a_course_folder_with_a_name_long_enough_to_push_the_error_past_eighty_columns"
    course.mkdir()
    (course / "course.yaml").write_text("course: c\ntitle: t\nseed: 1\nexercises: []\ncolour: blue\n", encoding="utf-8")
    assert main(["--course", str(course), "validate"]) == 2
    problem = next(line for line in capsys.readouterr().err.splitlines() if "course.yaml:5:1" in line)
    assert "colour" in problem


def test_quiet_run_prints_exactly_the_final_line_in_the_singular(tmp_path: Path) -> None:
    submission = tmp_path / "subs" / "ada"
    submission.mkdir(parents=True)
    shutil.copyfile(REPO / "solutions" / "square.py", submission / "square.py")
    env = {**os.environ, "COLUMNS": "80"}
    command = [sys.executable, "-m", "grader.cli", "run", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]
    command += ["--exercise", "square", "--jobs", "1", "--quiet", "--course", str(REPO)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("graded 1 submission in "), done.stdout
    assert "gradebook.csv" in lines[0]


def test_grade_run_platform_options_become_one_typed_request() -> None:
    argv = ["run", "subs", "--out", "o", "--nbgrader", "nb", "--assignment", "w1", "--write-gradebook", "--format", "gradescope"]
    assert cli._run_platforms(_parser().parse_args(argv)) == RunPlatforms(
        paths=(Path("subs"),), out=Path("o"), nbgrader=Path("nb"), assignment="w1", write_gradebook=True, gradescope_results=True
    )
    plain = _parser().parse_args(["run", "a", "b", "--out", "o"])
    assert cli._run_platforms(plain) == RunPlatforms(paths=(Path("a"), Path("b")), out=Path("o"))


def test_the_platform_build_verbs_become_their_requests() -> None:
    nbgrader = _parser().parse_args(["nbgrader", "build", "nb", "--assignment", "w1", "--one-notebook", "--force"])
    assert cli._platform_build(nbgrader) == NbgraderBuild(Path("nb"), "w1", one_notebook=True, force=True)
    assert cli._platform_build(_parser().parse_args(["gradescope", "build", "ag.zip"])) == GradescopeBuild(Path("ag.zip"))


def test_gradescope_grade_with_no_course_writes_a_failure_record_and_exits_with_the_usage_code(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    code = main(["--course", str(tmp_path / "missing.yaml"), "gradescope", "grade", str(tmp_path), "--results", str(results)])
    assert code == ExitCode.USAGE == 2
    assert "course error" in results.read_text(encoding="utf-8")


def test_the_exit_code_table_in_the_instructors_guide_lists_exactly_the_grader_s_exit_codes() -> None:
    guide = (REPO / "docs" / "instructors.md").read_text(encoding="utf-8")
    section = guide.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(line.split("|")[1]) for line in section.splitlines() if line.startswith("|") and line.split("|")[1].strip().isdigit()}
    assert documented == {code.value for code in ExitCode}
    assert GraderError("x").exit_code == ExitCode.USAGE and SandboxError("x").exit_code == ExitCode.GRADER_FAILED
