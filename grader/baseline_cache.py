"""The trusted baseline on disk: solutions and mutants run once per course, not once per ``grade run``.

Running every reference solution and every mutant takes ~100 sandboxed workers
(10-15 s) before the first student is graded. Their observations depend only on
what this module hashes into the key, so a later run with the same key reads
them back instead:

- the plan: every exercise's probe requests (the hidden inputs drawn from the
  seed included) and worker limits (a mutant that loops ends at the time limit);
- the text of every solution and mutant file, each mutant's name and hint;
- the grader's own code that produces observations (``grader/sandbox/*.py``,
  ``grader/evaluate.py``, this module) and its package version;
- torch's, numpy's and Python's versions, the OS and the CPU architecture
  (a home folder shared between machines must not mix their floats).

Anything else that differs gives another key, hence a recomputation; old
entries age out (:data:`MAX_ENTRIES`, least recently used first).

Where: ``$XDG_CACHE_HOME/autograd-grader/baselines/<key>.json`` (default
``~/.cache``), never inside the course folder (the file holds hidden reference
values; a cache folder that resolves into the course is not used), so ``grade
release`` cannot ship it. Files are JSON only (never pickle), written
atomically, mode 0600 in a 0700 folder. A file that is unreadable, truncated,
not JSON, not of the expected shape, owned by someone else or writable by
others is ignored and overwritten: at worst it costs the recomputation.

``GRADER_NO_CACHE=1`` turns the cache off (no read, no write); deleting the
folder clears it. ``grade validate`` never reads it (see ``refresh`` in
:func:`cached_baseline`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import stat
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from grader.atomic_files import write_text_atomic
from grader.checks.judge import MutantBehaviour
from grader.course.load import LoadedCourse
from grader.evaluate import Baseline, mutant_path
from grader.plan import Plan

CacheMode = Literal["use", "refresh", "off"]
"""``use``: read a matching entry, else compute and store; ``refresh``: always compute, then store; ``off``: compute only."""

FORMAT = 1
"""Bumped whenever the file layout changes: older files then simply stop matching."""

MAX_ENTRIES = 16
"""Baselines kept (one per course x seed x option set that changes the plan); the least recently used go first."""

DISABLE_VARIABLE = "GRADER_NO_CACHE"

_GRADER = Path(__file__).resolve().parent
_GRADER_SOURCES = ("evaluate.py", "baseline_cache.py")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/autograd-grader/baselines`` (``~/.cache`` when unset or relative, as the XDG spec says)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "autograd-grader" / "baselines"


def disabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def clear() -> int:
    """Delete every cached baseline (all courses); returns how many files went."""
    removed = 0
    for path in _entries(cache_dir()):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:  # evaluate_baseline will report it; the key only has to differ
        return f"unreadable: {error.strerror}"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _grader_code() -> dict[str, str]:
    files = sorted((_GRADER / "sandbox").glob("*.py")) + [_GRADER / name for name in _GRADER_SOURCES]
    return {str(path.relative_to(_GRADER)): _digest(path) for path in files}


def baseline_key(loaded: LoadedCourse, plan: Plan) -> str:
    """The hash of everything that can change the baseline's observations (module docstring)."""
    root = loaded.root
    exercises = []
    for exercise_plan in plan.exercises:
        eid = exercise_plan.id
        exercises.append(
            {
                "id": eid,
                "solution": _digest(root / "solutions" / f"{eid}.py"),
                "mutants": [[m.name, m.hint, _digest(root / mutant_path(eid, m.name, m.file))] for m in exercise_plan.exercise.mutants],
                "probes": exercise_plan.probes(),
                "limits": exercise_plan.limits.model_dump(mode="json"),
            }
        )
    described = {
        "format": FORMAT,
        "seed": plan.seed,
        "exercises": exercises,
        "grader": _version("autograd-grader"),
        "grader_code": _grader_code(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version,
        "platform": [sys.platform, platform.machine()],
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, allow_nan=True).encode()).hexdigest()


def cached_baseline(loaded: LoadedCourse, plan: Plan, compute: Callable[[], Baseline], mode: CacheMode = "use") -> Baseline:
    """The baseline of ``plan``: read from the cache when an entry matches, else ``compute()`` and store it.

    ``refresh`` never reads but stores what it computed (``grade validate``: the
    course tests itself on this machine, and the next ``grade run`` starts warm).
    Failures of the cache itself (a full disk, a read-only home) only cost speed.
    """
    if mode == "off" or disabled():
        return compute()
    folder = cache_dir()
    if _inside(folder, loaded.root):
        return compute()
    key = baseline_key(loaded, plan)
    path = folder / f"{key}.json"
    if mode == "use":
        found = _read(path, key, plan)
        if found is not None:
            _touch(path)
            return found
    baseline = compute()
    _store(folder, path, key, loaded, baseline)
    return baseline


def _inside(folder: Path, course_root: Path) -> bool:
    return folder.resolve().is_relative_to(course_root.resolve())


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.glob("*.json") if p.is_file()]
    except OSError:
        return []


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)  # least recently *used* goes first when pruning


def _store(folder: Path, path: Path, key: str, loaded: LoadedCourse, baseline: Baseline) -> None:
    data = {
        "format": FORMAT,
        "key": key,
        "course": loaded.course.course,
        "references": baseline.references,
        "mutants": {
            eid: [{"name": m.name, "hint": m.hint, "observations": m.observations} for m in behaviours]
            for eid, behaviours in baseline.mutants.items()
        },
    }
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(data))
        os.chmod(path, 0o600)
        _prune(folder, keep=path)
    except (OSError, TypeError, ValueError) as error:
        print(f"note: the reference values could not be cached in {folder} ({error}); the next run computes them again", file=sys.stderr)


def _prune(folder: Path, keep: Path) -> None:
    def age(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    others = sorted((p for p in _entries(folder) if p != keep), key=age, reverse=True)
    for old in others[MAX_ENTRIES - 1 :]:
        old.unlink(missing_ok=True)


def _read(path: Path, key: str, plan: Plan) -> Baseline | None:
    """The stored baseline if the file is ours, well-formed and for exactly this plan; otherwise None."""
    try:
        info = path.stat()
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    references = data.get("references")
    mutants = data.get("mutants")
    if not isinstance(references, dict) or not isinstance(mutants, dict):
        return None
    ids = [p.id for p in plan.exercises]
    if set(references) != set(ids) or set(mutants) != set(ids):
        return None
    behaviours: dict[str, tuple[MutantBehaviour, ...]] = {}
    for exercise_plan in plan.exercises:
        eid = exercise_plan.id
        if not _is_observations(references[eid]):
            return None
        entries = mutants[eid]
        declared = exercise_plan.exercise.mutants
        if not isinstance(entries, list) or len(entries) != len(declared):
            return None
        kept = []
        for entry, mutant in zip(entries, declared, strict=True):
            if (
                not isinstance(entry, dict)
                or entry.get("name") != mutant.name
                or entry.get("hint") != mutant.hint
                or not _is_observations(entry.get("observations"))
            ):
                return None
            kept.append(MutantBehaviour(mutant.name, mutant.hint, entry["observations"]))
        behaviours[eid] = tuple(kept)
    return Baseline(references={eid: references[eid] for eid in ids}, mutants=behaviours)


def _is_observations(value: Any) -> bool:
    """Probe id -> observation dict, as the worker's records are (their contents are judged like any worker's)."""
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, dict) for k, v in value.items())


__all__ = ["CacheMode", "baseline_key", "cache_dir", "cached_baseline", "clear", "disabled"]
