"""Time the HTML reports (dashboard + one feedback page per submission) for a class of stored records.

    .venv/bin/python benchmarks/report_time.py                      # 200 records, mistakes repeat as in a real class
    .venv/bin/python benchmarks/report_time.py --distinct           # 200 records, every plot different (worst case)
    .venv/bin/python benchmarks/report_time.py --grade              # the real `grade run` on 200 submissions: total vs reports
    .venv/bin/python benchmarks/report_time.py --records OUT        # 200 records copied from OUT/submissions (a graded class)

The records are real: the bundled sample class is graded once, and its eight
records are copied under new names up to the requested count (``--distinct``
also scales each copy's curves a little, so no two plots are alike and the
plot cache cannot help). ``--records OUT`` copies the records of an earlier
``grade run --out OUT`` instead of the sample class's (for instance the full course's
synthetic class that ``benchmarks/class_grading.py --keep DIR`` leaves in ``DIR/out``).
``--grade`` instead copies the sample submissions
themselves and runs ``grade run``, which prints its grading and report times.
Numbers are printed, never asserted: speed is measured here, not in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLASS = REPO / "examples" / "class"
sys.path.insert(0, str(REPO))

from grader.course.load import load_course  # noqa: E402  (after the path set-up above, for a plain `python benchmarks/...`)
from grader.plot_numbers import pack_numbers, unpack_numbers  # noqa: E402
from grader.report.html_reports import write_reports  # noqa: E402


def _grade(paths: list[Path], out: Path, extra: list[str]) -> str:
    command = [sys.executable, "-m", "grader.cli", "--course", str(REPO), "run", *map(str, paths), "--out", str(out), "--quiet", *extra]
    finished = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if finished.returncode != 0:
        raise SystemExit(f"grade run failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    return finished.stdout


def _scaled(record: dict[str, Any], factor: float) -> dict[str, Any]:
    for exercise in record["exercises"]:
        plot = exercise.get("plot")
        for series in (plot or {}).get("series", []):
            if series.get("student") is not None:
                series["student"] = pack_numbers([None if v is None else v * factor for v in unpack_numbers(series["student"])])
    return record


def time_reports(count: int, distinct: bool, records: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="report-bench-") as scratch:
        sample = records
        if sample is None:
            sample = Path(scratch) / "sample"
            _grade([CLASS], sample, [])
        originals = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((sample / "submissions").glob("*.json"))]
        out = Path(scratch) / "class"
        (out / "submissions").mkdir(parents=True)
        for index in range(count):
            record = json.loads(json.dumps(originals[index % len(originals)]))
            record["submission"] = f"{record['submission']} {index:03d}"
            if distinct:
                record = _scaled(record, 1 + 0.003 * (index + 1))
            (out / "submissions" / f"s{index:03d}.json").write_text(json.dumps(record), encoding="utf-8")
        loaded = load_course(REPO)
        started = time.perf_counter()
        files = write_reports(out, loaded)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (out / "feedback").glob("*.html")) + files.index.stat().st_size
        load = os.getloadavg()[0]
        print(
            f"{count} records of {len(originals[0]['exercises'])} exercises ({'every plot distinct' if distinct else 'mistakes repeat'}; "
            f"load average {load:.1f}): reports in {seconds:.2f} s "
            f"({1000 * seconds / count:.0f} ms per submission); plots drawn {files.plots_drawn}, reused {files.plots_reused}; "
            f"{size / 2**20:.1f} MiB of HTML"
        )


def time_grade_run(count: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="report-bench-") as scratch:
        folders = sorted(p for p in CLASS.iterdir() if p.is_dir())
        submissions = Path(scratch) / "submissions"
        for index in range(count):
            source = folders[index % len(folders)]
            shutil.copytree(source, submissions / f"{source.name} {index:03d}")
        stdout = _grade([submissions], Path(scratch) / "out", ["--jobs", str(jobs)])
        graded = re.search(r"graded (\d+) submissions in ([\d.]+) s", stdout)
        reports = re.search(r"reports took ([\d.]+) s", stdout)
        if graded is None or reports is None:
            raise SystemExit(f"could not read grade run's timing lines:\n{stdout[-2000:]}")
        total, report = float(graded.group(2)), float(reports.group(1))
        share = 100 * report / total
        print(f"grade run on {graded.group(1)} submissions (--jobs {jobs}): {total:.1f} s in all, reports {report:.1f} s ({share:.1f} %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--distinct", action="store_true", help="make every plot different (no cache hits)")
    parser.add_argument("--grade", action="store_true", help="run the real grade run on that many copies of the sample submissions")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--records", type=Path, help="copy the records of this graded --out folder instead of grading the sample class")
    args = parser.parse_args()
    if args.grade:
        time_grade_run(args.submissions, args.jobs)
    else:
        time_reports(args.submissions, args.distinct, args.records)


if __name__ == "__main__":
    main()
