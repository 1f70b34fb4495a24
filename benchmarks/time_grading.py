"""Time ``grade run`` on a class folder with GNU time: wall clock and peak memory.

    .venv/bin/python benchmarks/time_grading.py                    # the bundled sample class
    .venv/bin/python benchmarks/time_grading.py PATH --jobs 2      # any class folder

Peak memory is the largest resident set among the grader and the processes it
waited for (GNU time's "Maximum resident set size"). Numbers are printed, never
asserted: speed is measured here, not in tests.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(class_dir: Path, jobs: int, extra: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as out:
        command = [
            "/usr/bin/time",
            "-v",
            sys.executable,
            "-m",
            "grader.cli",
            "--course",
            str(REPO),
            "run",
            str(class_dir),
            "--out",
            out,
            "--jobs",
            str(jobs),
            "--quiet",
            *extra,
        ]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            raise SystemExit(f"grade run failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
        submissions = len(list((Path(out) / "submissions").glob("*.json")))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", finished.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", finished.stderr)
    if wall is None or rss is None:
        raise SystemExit(f"could not read GNU time's report:\n{finished.stderr[-2000:]}")
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return {"submissions": submissions, "wall_s": seconds, "peak_mib": int(rss.group(1)) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("class_dir", nargs="?", type=Path, default=REPO / "examples" / "class")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="more arguments for grade run, after --")
    args = parser.parse_args()
    extra = [a for a in args.extra if a != "--"]
    result = measure(args.class_dir, args.jobs, extra)
    per = 1000 * result["wall_s"] / max(1, result["submissions"])
    print(
        f"grade run: {result['submissions']:.0f} submissions in {result['wall_s']:.2f} s "
        f"({per:.0f} ms/submission, peak {result['peak_mib']:.0f} MiB, jobs {args.jobs})"
    )


if __name__ == "__main__":
    main()
