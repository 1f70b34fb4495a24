"""The similarity report's files: ``similarity.html`` (side by side), ``similarity.csv`` and ``similarity.json``.

The page is built like every other page (:mod:`grader.report.html`): autoescaped templates, the
same Content-Security-Policy, no script. Student code reaches it only as escaped lines, cut to a
bounded number of lines and characters. The CSV neutralises formula-like cells
(:mod:`grader.report.csv_safe`). ``similarity.json`` is the short summary the class dashboard
shows (read by :func:`read_summary`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.report.csv_safe import neutralised
from grader.report.html import render
from grader.report.records_json import write_text_atomic
from grader.results import SubmissionResult
from grader.similarity import Pair, SimilarityReport, shared_lines

HTML = "similarity.html"
CSV = "similarity.csv"
SUMMARY = "similarity.json"
MAX_VIEWS = 100
"""Side-by-side views on the page (the strongest pairs); the CSV lists every pair."""
MAX_LINES = 400
MAX_LINE_CHARS = 240
DASHBOARD_PAIRS = 10
_SHOWN = ("exercise", "first", "second", "score", "shared")


@dataclass(frozen=True)
class SimilarityFiles:
    html: Path
    csv: Path
    summary: Path


SourceReader = Callable[[str, str], str | None]
"""(submission name, exercise id) -> that file's text, or None when it can no longer be read."""


def write_similarity(
    out: Path, report: SimilarityReport, read_source: SourceReader, stubs: dict[str, str], title: str, records: str = ""
) -> SimilarityFiles:
    """Write the three files into ``out`` (atomically, each); ``records``: :func:`records_key` of the records compared."""
    out.mkdir(parents=True, exist_ok=True)
    files = SimilarityFiles(out / HTML, out / CSV, out / SUMMARY)
    write_text_atomic(files.csv, similarity_csv(report), durable=False)
    write_text_atomic(files.summary, json.dumps(summary(report) | {"records": records}, indent=2, ensure_ascii=False) + "\n", durable=False)
    write_text_atomic(files.html, render("similarity.html.j2", _page(report, read_source, stubs, title)), durable=False)
    return files


def similarity_csv(report: SimilarityReport) -> str:
    """One row per reported pair, strongest first; names neutralised against formula injection."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["exercise", "submission_a", "submission_b", "score", "shared_fingerprints", "cluster", "cluster_size"])
    sizes = {(c.exercise, c.number): len(c.members) for e in report.exercises for c in e.clusters}
    for pair in report.pairs:
        writer.writerow(
            [
                neutralised(pair.exercise),
                neutralised(pair.first),
                neutralised(pair.second),
                f"{pair.score:.3f}",
                pair.shared,
                pair.cluster,
                sizes.get((pair.exercise, pair.cluster), 2),
            ]
        )
    return buffer.getvalue()


def summary(report: SimilarityReport) -> dict[str, Any]:
    """What the dashboard shows: counts, and the strongest pairs."""
    pairs = report.pairs
    return {
        "submissions": report.submissions,
        "pairs": len(pairs),
        "clusters": sum(len(e.clusters) for e in report.exercises),
        "strongest": [
            {"exercise": p.exercise, "first": p.first, "second": p.second, "score": p.score, "shared": p.shared}
            for p in pairs[:DASHBOARD_PAIRS]
        ],
    }


def records_key(results: Sequence[SubmissionResult]) -> str:
    """A digest of which records (names and fingerprints) a report was computed from: same key, same report."""
    digest = hashlib.sha256()
    for name, fingerprint in sorted((r.submission, r.fingerprint) for r in results):
        digest.update(json.dumps([name, fingerprint]).encode("utf-8"))
    return digest.hexdigest()


def read_summary(out: Path) -> dict[str, Any] | None:
    """The summary written by the last similarity report of ``out``, or None (none yet, or not a summary we wrote)."""
    try:
        data = json.loads((out / SUMMARY).read_text(encoding="utf-8"))
        strongest = [p for p in data["strongest"] if isinstance(p, dict)][:DASHBOARD_PAIRS]
        return {
            "submissions": int(data.get("submissions", 0)),
            "pairs": int(data.get("pairs", 0)),
            "clusters": int(data.get("clusters", 0)),
            "records": str(data.get("records", "")),
            "strongest": [{key: str(p.get(key, ""))[:200] for key in _SHOWN} for p in strongest],
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _page(report: SimilarityReport, read_source: SourceReader, stubs: dict[str, str], title: str) -> dict[str, Any]:
    pairs = report.pairs
    views = [_view(i + 1, pair, read_source, stubs.get(pair.exercise, ""), report) for i, pair in enumerate(pairs[:MAX_VIEWS])]
    anchors = {(v["exercise"], v["first"], v["second"]): v["anchor"] for v in views}
    settings = report.settings
    return {
        "course_title": title,
        "submissions": report.submissions,
        "pair_count": len(pairs),
        "shown": len(views),
        "settings": (
            f"k-grams of {settings.k} tokens, winnowing window {settings.window}; a fingerprint in more than "
            f"{settings.common_fraction:.0%} of an exercise's submissions (and more than {settings.common_floor}) is common; "
            f"a pair needs at least {settings.min_shared} distinctive shared fingerprints and a score of {settings.min_score:g}"
        ),
        "students": _student_pairs(pairs)[:200],
        "exercises": [
            {
                "exercise": e.exercise,
                "submissions": e.submissions,
                "stub": e.stub_fingerprints,
                "common": e.common_fingerprints,
                "limit": e.common_limit,
                "pairs": len(e.pairs),
                "clusters": [
                    {"number": c.number, "members": ", ".join(c.members), "size": len(c.members), "score": f"{c.score:.2f}"}
                    for c in e.clusters[:50]
                ],
            }
            for e in report.exercises
        ],
        "pairs": [
            {
                "exercise": p.exercise,
                "first": p.first,
                "second": p.second,
                "score": f"{p.score:.2f}",
                "shared": p.shared,
                "cluster": p.cluster,
                "anchor": anchors.get((p.exercise, p.first, p.second), ""),
            }
            for p in pairs[:1000]
        ],
        "views": views,
        "unreadable": list(report.unreadable),
    }


def _student_pairs(pairs: list[Pair]) -> list[dict[str, str]]:
    """Pairs of students flagged in several exercises first: one shared exercise can be chance, five rarely are."""
    grouped: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for pair in pairs:
        grouped[(pair.first, pair.second)].append(pair)
    rows = sorted(grouped.items(), key=lambda item: (-len(item[1]), -sum(p.score for p in item[1]), item[0]))
    return [
        {
            "first": first,
            "second": second,
            "count": str(len(found)),
            "mean": f"{sum(p.score for p in found) / len(found):.2f}",
            "exercises": ", ".join(sorted(p.exercise for p in found)),
        }
        for (first, second), found in rows
    ]


def _view(number: int, pair: Pair, read_source: SourceReader, stub: str, report: SimilarityReport) -> dict[str, Any]:
    first, second = read_source(pair.first, pair.exercise) or "", read_source(pair.second, pair.exercise) or ""
    lines_a, lines_b = shared_lines(first, second, stub, report.settings)
    return {
        "anchor": f"pair-{number}",
        "exercise": pair.exercise,
        "first": pair.first,
        "second": pair.second,
        "score": f"{pair.score:.2f}",
        "shared": pair.shared,
        "left": _lines(first, lines_a),
        "right": _lines(second, lines_b),
    }


def _lines(text: str, marked: set[int]) -> list[dict[str, Any]]:
    lines = text.splitlines()
    shown = [
        {"number": n, "text": line[:MAX_LINE_CHARS] + ("…" if len(line) > MAX_LINE_CHARS else ""), "marked": n in marked}
        for n, line in enumerate(lines[:MAX_LINES], start=1)
    ]
    if len(lines) > MAX_LINES:
        shown.append({"number": MAX_LINES + 1, "text": f"… {len(lines) - MAX_LINES} more lines not shown", "marked": False})
    return shown


__all__ = ["CSV", "HTML", "SUMMARY", "SimilarityFiles", "read_summary", "records_key", "similarity_csv", "summary", "write_similarity"]
