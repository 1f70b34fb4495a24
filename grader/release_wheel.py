"""The grader itself as a wheel inside a student release, so students install it from there.

A release is handed out before (or without) the grader being on a package index, and
students may be offline: ``grade release`` builds the wheel of the grader it runs from,
with pip, into ``wheels/`` of the release, and names the one command that installs it
there (the course's ``constraints.txt`` pins torch). The build reads only the local
source and the build backend already installed (no build isolation, no index), so it
needs no network; it runs on a copy of the source so the checkout stays clean.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import grader

WHEELS_DIR = "wheels"
PROJECT = "autograd-grader"
SOURCE_FILES = ("pyproject.toml", "LICENSE", "setup.cfg", "setup.py", "MANIFEST.in")
"""What a build reads besides the package and the README (those present are copied)."""
WHEEL_README = """# autograd-grader

The `grade` command for graded PyTorch autograd exercises. Students: `grade check` in
your release's folder checks your exercises; see the release's own README.md.
"""
"""The wheel's long description. Not the project README: that one describes the instructor's
course (hidden check names among it), and a wheel's METADATA carries its README to students."""
BUILD_SECONDS = 300


@dataclass(frozen=True)
class ReleaseWheel:
    """The grader's wheel in a release, or why there is none."""

    wheel: Path | None
    install_command: str
    """Run in the release's folder; installs the grader (from the wheel when there is one) with torch pinned."""
    problem: str = ""
    """Why no wheel was built (the grader is not installed from a source checkout, or pip failed)."""


def source_root() -> Path | None:
    """The project folder the running grader comes from, when it is a source checkout (an editable install)."""
    root = Path(grader.__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and f'name = "{PROJECT}"' in pyproject.read_text(encoding="utf-8"):
        return root
    return None


def install_command(wheel: Path | None, release: Path, constraints: bool) -> str:
    pinned = "-c constraints.txt " if constraints else ""
    target = wheel.relative_to(release).as_posix() if wheel is not None else PROJECT
    return f"python -m pip install {pinned}{target}"


def build_release_wheel(release: Path) -> ReleaseWheel:
    """Build the running grader's wheel into ``release/wheels/`` and say how to install it."""
    constraints = (release / "constraints.txt").is_file()
    root = source_root()
    if root is None:
        return ReleaseWheel(None, install_command(None, release, constraints), "the grader is not installed from a source checkout")
    target = release / WHEELS_DIR
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as scratch:
        source = Path(scratch) / "source"
        _copy_source(root, source)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet"]
        command += ["--wheel-dir", str(target), str(source)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_SECONDS, check=False)
    wheels = sorted(target.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        shutil.rmtree(target, ignore_errors=True)
        last = (done.stderr.strip().splitlines() or ["no wheel written"])[-1]
        return ReleaseWheel(None, install_command(None, release, constraints), f"pip could not build the wheel: {last}")
    return ReleaseWheel(wheels[0], install_command(wheels[0], release, constraints))


def _copy_source(root: Path, source: Path) -> None:
    """The package and the files its build reads; caches, virtual environments, course data and the README stay behind."""
    shutil.copytree(root / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in SOURCE_FILES:
        if (root / name).is_file():
            shutil.copyfile(root / name, source / name)
    (source / "README.md").write_text(WHEEL_README, encoding="utf-8")


__all__ = ["WHEELS_DIR", "ReleaseWheel", "build_release_wheel", "install_command", "source_root"]
