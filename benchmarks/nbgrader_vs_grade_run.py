"""Time ``nbgrader autograde`` against ``grade run`` on the sample class handed in as nbgrader notebooks.

    .venv/bin/python benchmarks/nbgrader_vs_grade_run.py [--class examples/class] [--one-notebook] [--jobs N]

Builds an nbgrader course directory (``grade nbgrader build``), runs ``nbgrader
generate_assignment``, turns each submission folder into the released notebooks with the
student's ``<exercise>.py`` pasted into each answer cell (a missing file leaves the untouched
stub), then times ``nbgrader autograde`` (serial, one kernel per notebook, hidden tests run in
the student's kernel) and ``grade run COURSE_DIR/submitted`` (parallel sandboxed workers) on the
same tree, and prints both totals per student. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path) -> float:
    started = time.monotonic()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader runs `alembic` and the kernel from PATH
    completed = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--class", dest="class_dir", type=Path, default=REPO / "examples" / "class")
    parser.add_argument("--one-notebook", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbgrader-bench-") as scratch:
        course_dir = Path(scratch) / "course"
        build = [str(BIN / "grade"), "--course", str(REPO), "nbgrader", "build", str(course_dir), "--assignment", "ps1"]
        _run(build + (["--one-notebook"] if args.one_notebook else []), REPO)
        _run([str(BIN / "nbgrader"), "generate_assignment", "ps1"], course_dir)
        release = course_dir / "release" / "ps1"
        students = sorted(p for p in args.class_dir.iterdir() if p.is_dir())
        for student in students:
            target = course_dir / "submitted" / student.name.replace(" ", "_") / "ps1"
            target.mkdir(parents=True)
            for path in release.glob("*.ipynb"):
                notebook = nbformat.read(path, as_version=4)
                for cell in notebook.cells:
                    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
                    if grade_id.endswith("-solution"):
                        answer = student / f"{grade_id.removesuffix('-solution')}.py"
                        if answer.is_file():
                            cell.source = answer.read_text(encoding="utf-8")
                nbformat.write(notebook, target / path.name)
        notebooks = sum(1 for _ in (course_dir / "submitted").glob("*/ps1/*.ipynb"))
        autograde = _run([str(BIN / "nbgrader"), "autograde", "ps1"], course_dir)
        _run([str(BIN / "nbgrader"), "export"], course_dir)
        out = Path(scratch) / "out"
        grade_run = _run(
            [
                str(BIN / "grade"),
                "--course",
                str(REPO),
                "run",
                str(course_dir / "submitted"),
                "--out",
                str(out),
                "--jobs",
                str(args.jobs),
                "--quiet",
            ],
            REPO,
        )
        with (course_dir / "grades.csv").open(encoding="utf-8") as handle:
            nbgrader_scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
        ours = {p.stem: json.loads(p.read_text(encoding="utf-8"))["points"] for p in (out / "submissions").glob("*.json")}
        print(f"{len(students)} students, {notebooks} notebooks")
        print(f"nbgrader autograde ps1: {autograde:.1f} s")
        print(f"grade run COURSE_DIR/submitted --jobs {args.jobs}: {grade_run:.1f} s")
        for name in sorted(nbgrader_scores):
            print(f"  {name}: nbgrader {nbgrader_scores[name]:g}, grade run {ours.get(name, float('nan')):g}")


if __name__ == "__main__":
    main()
