"""Time ``grade similarity`` on a synthetic class of the full course: wall time, peak memory, copies found.

    nice .venv/bin/python benchmarks/similarity.py                       # 250, 500 and 1,000 students
    nice .venv/bin/python benchmarks/similarity.py --students 1000 2000

Each student hands in, per exercise, the reference solution or one of the course's catalogued
mistakes (``mutants/<exercise>/*.py``), or the untouched stub (10 %), or nothing (5 %); every file
gets random identifier renames, a rewritten comment and 0-3 random statements of its own (of random shape), so no
two files are alike by accident beyond what the course's answers share. 2 % of the students
copy another student's whole submission, disguised the same way plus two independent lines
swapped; the benchmark counts how many of those copies the report finds.

Each size runs in a fresh child process (the library function behind ``grade similarity``, without
the fork server every ``grade`` command starts), so its peak resident memory (``ru_maxrss``, the
largest of the process and its pool workers) and its CPU time are the report's alone: flat memory
means that number barely moves from 250 to 1,000 students.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import keyword
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time
from pathlib import Path
from grader.course.load import load_course
from grader import class_sources
loaded = load_course(Path(sys.argv[1]))
started = time.perf_counter()
report, files = class_sources.similarity_report(loaded, Path(sys.argv[2]), Path(sys.argv[3]))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "pairs": [[p.first, p.second] for p in report.pairs],
                  "files": sum(e.submissions for e in report.exercises)}))
"""
FUNCTIONS = ["zeros_like", "ones_like", "exp", "abs", "clone", "sum", "mean", "tanh", "sin", "cos", "sqrt", "relu", "sigmoid", "log1p"]
METHODS = ["item", "detach", "clone", "sum", "mean", "abs", "numel", "tolist"]
OPERATORS = ["+", "-", "*", "/", "%", "**", "//"]


def renamed(source: str, rng: random.Random) -> str:
    """Every identifier the student could have chosen, renamed consistently (attribute names and keywords kept)."""
    names: dict[str, str] = {}
    out: list[tokenize.TokenInfo] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and not keyword.iskeyword(token.string) and previous != "." and token.string != "torch":
                new = names.setdefault(token.string, f"{rng.choice('abcdefghxyzuvw')}{rng.randrange(10_000)}")
                token = token._replace(string=new)
            elif token.type == tokenize.COMMENT:
                token = token._replace(string=f"# note {rng.randrange(10**6)}")
            previous = token.string
            out.append(token)
    except (tokenize.TokenError, SyntaxError):
        return source
    return tokenize.untokenize(out)


def expression(rng: random.Random, depth: int = 0) -> str:
    """A random expression whose token structure varies (names and numbers alone would normalise to the same tokens)."""
    roll = rng.random()
    if depth > 2 or roll < 0.3:
        return rng.choice([f"v{rng.randrange(99)}", str(rng.randrange(99)), f"{rng.random():.2f}"])
    if roll < 0.55:
        return f"torch.{rng.choice(FUNCTIONS)}({expression(rng, depth + 1)})"
    if roll < 0.7:
        return f"({expression(rng, depth + 1)}).{rng.choice(METHODS)}()"
    if roll < 0.8:
        return f"[{', '.join(expression(rng, depth + 1) for _ in range(rng.randrange(1, 4)))}]"
    return f"{expression(rng, depth + 1)} {rng.choice(OPERATORS)} {expression(rng, depth + 1)}"


def noise(rng: random.Random, indent: str) -> str:
    """One statement of the student's own: an assignment, an assert, a guarded print, of random shape."""
    target = f"v{rng.randrange(1000)}"
    choices = [
        f"{target} = {expression(rng)}",
        f"assert {expression(rng)} {rng.choice(['<', '<=', '!=', '>'])} {expression(rng)}",
        f"if {expression(rng)}:\n{indent}    print({expression(rng)})",
        f"{target} = [{target} for {target} in range({rng.randrange(2, 9)}) if {expression(rng)}]",
    ]
    return "\n".join(f"{indent}{line}" if i == 0 else line for i, line in enumerate(rng.choice(choices).split("\n")))


def with_noise(source: str, rng: random.Random) -> str:
    """0-3 random statements at the start of random function bodies (before the docstring: still valid Python)."""
    lines = source.splitlines()
    bodies = [i for i, line in enumerate(lines) if re.match(r"\s*def .*:\s*$", line) and i + 1 < len(lines)]
    for _ in range(rng.randrange(4)):
        if not bodies:
            break
        at = rng.choice(bodies)
        indent = re.match(r"\s*", lines[at + 1]).group(0) or "    "  # type: ignore[union-attr]
        lines.insert(at + 1, noise(rng, indent))
        bodies = [i + (i > at) for i in bodies]
    return "\n".join(lines) + "\n"


def swap_two_lines(source: str, rng: random.Random) -> str:
    """Swap two neighbouring statements of the same indentation (a disguise that keeps the meaning often enough)."""
    lines = source.splitlines()
    candidates = [
        i
        for i in range(len(lines) - 1)
        if lines[i].startswith("    ")
        and lines[i].strip()
        and not lines[i].rstrip().endswith(":")
        and len(lines[i]) - len(lines[i].lstrip()) == len(lines[i + 1]) - len(lines[i + 1].lstrip())
    ]
    if candidates:
        i = rng.choice(candidates)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines) + "\n"


def generate(root: Path, students: int, seed: int) -> dict[str, str]:
    """Write the class under ``root``; returns copier -> the student copied."""
    rng = random.Random(seed)
    ids = sorted(p.stem for p in (REPO / "exercises").glob("*.py"))
    pool = {e: [REPO / "solutions" / f"{e}.py", *sorted((REPO / "mutants" / e).glob("*.py"))] for e in ids}
    names = [f"student{i:05d}" for i in range(students)]
    copies = {name: rng.choice(names[:i]) for i, name in enumerate(names) if i > 10 and rng.random() < 0.02}
    written: dict[str, dict[str, str]] = {}
    for name in names:
        folder = root / name
        folder.mkdir(parents=True)
        files: dict[str, str] = {}
        if name in copies:
            files = {e: swap_two_lines(renamed(text, rng), rng) for e, text in written[copies[name]].items()}
        else:
            for exercise in ids:
                roll = rng.random()
                if roll < 0.05:
                    continue
                if roll < 0.15:
                    files[exercise] = (REPO / "exercises" / f"{exercise}.py").read_text(encoding="utf-8")
                    continue
                files[exercise] = with_noise(renamed(rng.choice(pool[exercise]).read_text(encoding="utf-8"), rng), rng)
        written[name] = files
        for exercise, text in files.items():
            (folder / f"{exercise}.py").write_text(text, encoding="utf-8")
    return copies


def measure(students: int, seed: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="similarity-bench-") as temp:
        root = Path(temp)
        copies = generate(root / "class", students, seed)
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(REPO), str(root / "class"), str(root / "report")], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"the similarity child failed (status {status})")
        result = json.loads(output.strip().splitlines()[-1])
        found = {tuple(sorted(p)) for p in result["pairs"]}
        exercises_per_pair = Counter(tuple(sorted(p)) for p in result["pairs"])
        repeated = {pair for pair, count in exercises_per_pair.items() if count >= 3}
        planted = {tuple(sorted((copier, source))) for copier, source in copies.items()}
        return {
            "students": students,
            "files": result["files"],
            "seconds_report": round(result["seconds"], 2),
            "seconds_process": round(wall, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "copies_planted": len(planted),
            "copies_found": len(planted & found),
            "student_pairs_flagged": len(found),
            "pairs_flagged": len(result["pairs"]),
            "student_pairs_in_3_or_more_exercises": len(repeated),
            "planted_among_them": len(repeated & planted),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    for students in args.students:
        row = measure(students, args.seed)
        print(
            f"{row['students']:>6} students, {row['files']} files: report {row['seconds_report']} s "
            f"(process {row['seconds_process']} s, {row['cpu_seconds']} s of CPU), peak RSS {row['peak_rss_mib']} MiB; "
            f"planted copies found {row['copies_found']}/{row['copies_planted']}, student pairs flagged {row['student_pairs_flagged']}, "
            f"of which alike in 3 or more exercises {row['student_pairs_in_3_or_more_exercises']} "
            f"({row['planted_among_them']} planted)",
            flush=True,
        )
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
