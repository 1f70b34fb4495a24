"""``grade release`` ships the grader as a wheel: installed from the release into a fresh venv, ``grade check`` runs.

The fresh venv gets no index: the wheel is installed with ``--no-deps`` and the grader's
dependencies (torch and the rest) are borrowed from this test's environment by a ``.pth``
line. That line adds the folder to ``sys.path`` without running its ``.pth`` files, so the
editable install of the checkout stays invisible and the grader imported is the wheel's.
"""

from __future__ import annotations

import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from grade_command import Outcome, grade_argv, run

from grader.release_wheel import source_root

RUN_TIMEOUT = 600


def _run(command: list[str], cwd: Path | None = None) -> Outcome:
    """A command that must not see this checkout through ``PYTHONPATH``, only through what is installed."""
    return run(command, cwd=cwd, env={"PYTHONPATH": None}, timeout=RUN_TIMEOUT)


def _fresh_venv(folder: Path) -> Path:
    """A venv without pip whose only borrowed packages are this environment's installed dependencies."""
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    (Path(purelib) / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


@pytest.mark.skipif(source_root() is None, reason="the wheel is built from a source checkout; this grader is installed from a wheel")
def test_the_released_wheel_installs_into_a_fresh_venv_and_checks_from_exercises(tmp_path: Path) -> None:
    release = tmp_path / "release"
    made = _run(grade_argv("release", release))
    assert made.returncode == 0, made.stderr
    (wheel,) = (release / "wheels").glob("autograd_grader-*.whl")
    command = f"python -m pip install -c constraints.txt wheels/{wheel.name}"
    assert command in made.stdout and command in (release / "README.md").read_text(encoding="utf-8")

    python = _fresh_venv(tmp_path / "venv")
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    assert installed.returncode == 0, installed.stderr
    where = _run([str(python), "-c", "import grader; print(grader.__file__)"], cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where

    checked = _run([str(tmp_path / "venv" / "bin" / "grade"), "check", "square"], cwd=release / "exercises")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert checked.stdout.startswith("square — square.py"), checked.stdout
    assert "not started" in checked.stdout
