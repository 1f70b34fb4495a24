"""The ``portable`` isolation level, forced: the grades it gives are the fork server's grades.

``portable`` is what ``grade check`` falls back to on macOS, Windows and containers
without namespaces; CI proves it on Linux by forcing it (``--isolation portable`` or
``GRADER_ISOLATION=portable``). One small class (golden square cases and a few hostile
files: an endless loop, ``sys.exit``, a print flood, a segfault) is graded twice by the
real ``grade run``, at the machine's default level and at ``portable``, and the two
gradebooks must agree submission by submission.

Safe by construction: the hostile files only loop, exit, print a bounded 300 MB or
crash their own process; every run has a time limit and a subprocess timeout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from grade_command import REPO, Outcome, gradebook_by_submission, run_grade

from grader.errors import SandboxError
from grader.sandbox import client, platform_support

GOLDEN = ["correct_float64", "off_by_one", "sign_flipped", "forges_a_result_line"]
HOSTILE = ["infinite_loop", "sys_exit_in_call", "print_flood", "segfault", "exit_at_import"]
TIME_LIMIT = 4
RUN_TIMEOUT = 600
Runs = dict[str, tuple[Outcome, Path]]
"""Level -> the ``grade run`` that graded the class at it, and its ``--out`` folder."""


def _grade(*args: str, env: dict[str, str] | None = None) -> Outcome:
    return run_grade(*args, cwd=REPO, env=env, timeout=RUN_TIMEOUT)


def _gradebook(out: Path) -> dict[str, str]:
    """Each submission's points for square."""
    return {name: row["square"] for name, row in gradebook_by_submission(out).items()}


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("portable-class")
    sources = {name: REPO / "tests" / "cases" / "square" / f"{name}.py" for name in GOLDEN}
    sources |= {name: REPO / "tests" / "hostile" / f"{name}.py" for name in HOSTILE}
    for name, source in sources.items():
        (folder / name).mkdir()
        shutil.copyfile(source, folder / name / "square.py")
    return folder


@pytest.fixture(scope="module")
def gradebooks(class_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    runs = {}
    for level in ("auto", "portable"):
        out = tmp_path_factory.mktemp(f"out-{level}")
        completed = _grade(
            "run", str(class_dir), "--out", str(out), "--exercise", "square", "--time-limit", str(TIME_LIMIT), "--jobs", "2",
            "--isolation", level,
        )  # fmt: skip
        runs[level] = (completed, out)
    return runs


def test_portable_run_gives_every_submission_the_fork_servers_grade(gradebooks: Runs) -> None:
    for completed, _ in gradebooks.values():
        assert completed.returncode == 0, completed.stderr
    fork_server = _gradebook(gradebooks["auto"][1])
    portable = _gradebook(gradebooks["portable"][1])
    assert sorted(portable) == sorted(GOLDEN + HOSTILE)
    assert portable == fork_server


def test_portable_run_fails_every_hostile_square_and_passes_the_correct_one(
    gradebooks: Runs,
) -> None:
    portable = _gradebook(gradebooks["portable"][1])
    assert float(portable["correct_float64"]) == 4
    assert all(float(portable[name]) == 0 for name in HOSTILE)


def test_portable_run_says_its_level_in_the_summary_and_the_records(gradebooks: Runs) -> None:
    completed, out = gradebooks["portable"]
    assert "(isolation: portable)" in completed.stdout
    record = (out / "submissions" / "infinite_loop.json").read_text(encoding="utf-8")
    assert '"isolation": "portable"' in record


def test_grade_check_forced_portable_by_the_environment_prints_the_same_report_and_its_level(tmp_path: Path) -> None:
    workspace = tmp_path / "solved"
    shutil.copytree(REPO / "solutions", workspace)
    args = ("check", "square", "chain_rule", "--workspace", str(workspace))
    default = _grade(*args)
    portable = _grade(*args, env={platform_support.ISOLATION_ENV: "portable"})
    assert portable.returncode == default.returncode == 0, portable.stderr
    assert "Sandbox isolation: portable" in portable.stdout
    assert "Sandbox isolation: portable" not in default.stdout

    def report(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("Sandbox isolation:")]

    assert report(portable.stdout) == report(default.stdout)


def test_grade_check_of_a_stub_at_the_portable_level_fails_with_the_stubs_status() -> None:
    completed = _grade("check", "square", "--isolation", "portable")
    assert completed.returncode == 1, completed.stderr
    assert "not started" in completed.stdout
    assert "Sandbox isolation: portable" in completed.stdout


def test_without_a_fork_server_a_class_run_is_refused_and_names_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_support, "fork_server_supported", lambda: False)
    monkeypatch.delenv(platform_support.ISOLATION_ENV, raising=False)
    with pytest.raises(SandboxError, match="--isolation portable"), client.ForkServer(fallback=False):
        pass


def test_without_a_fork_server_a_students_check_falls_back_to_portable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_support, "fork_server_supported", lambda: False)
    monkeypatch.delenv(platform_support.ISOLATION_ENV, raising=False)
    with client.ForkServer(fallback=True) as server:
        assert server.level == "portable"


def _server_that_dies(warm_up: str = "full") -> subprocess.Popen[bytes]:
    """A stand-in for a fork server that cannot start here (it exits before saying it is ready)."""
    return subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def test_a_fork_server_that_fails_to_start_sends_a_check_to_portable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "_spawn_server", _server_that_dies)
    monkeypatch.setattr(client, "_prestarted", None)  # a server an earlier in-process command prestarted is not this test's
    monkeypatch.delenv(platform_support.ISOLATION_ENV, raising=False)
    with client.ForkServer(fallback=True) as server:
        assert server.level == "portable"


def test_a_fork_server_that_fails_to_start_stops_a_class_run_with_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "_spawn_server", _server_that_dies)
    monkeypatch.setattr(client, "_prestarted", None)  # a server an earlier in-process command prestarted is not this test's
    monkeypatch.delenv(platform_support.ISOLATION_ENV, raising=False)
    with pytest.raises(SandboxError, match=r"did not start.*--isolation portable"), client.ForkServer(fallback=False):
        pass


def test_an_unknown_level_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(platform_support.ISOLATION_ENV, "chroot")
    with pytest.raises(SandboxError, match="expected auto or one of"), client.ForkServer():
        pass


def _state(pid: int) -> str:
    """A process's state letter from /proc (``Z``: ended, not yet reaped), or ``gone``."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_kill_tree_ends_the_process_and_what_it_started(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    script = f"import subprocess, time; p = subprocess.Popen(['sleep', '30']); open({str(marker)!r}, 'w').write(str(p.pid)); time.sleep(30)"
    process = subprocess.Popen([sys.executable, "-c", script], **platform_support.popen_options())
    try:
        assert _wait_until(lambda: marker.exists() and marker.read_text() != "")
        grandchild = int(marker.read_text())
        platform_support.kill_tree(process)
        assert process.wait(timeout=10) < 0
        assert _wait_until(lambda: _state(grandchild) in ("gone", "Z"))
    finally:
        process.kill()
        process.wait()
