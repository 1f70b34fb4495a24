"""Where sandbox jobs run: the seam between the grading pipeline and the machines.

The pipeline (:mod:`grader.engine`) hands an executor a stream of
:class:`~grader.sandbox.jobs.Job` records and reads back
:class:`~grader.sandbox.jobs.WorkerRun` records as they finish; it never
learns where a worker ran. Two implementations:

- the local fork server (:class:`grader.sandbox.client.ForkServer`, the default):
  one warm parent on this machine, ``--jobs`` workers in flight;
- Dask distributed (:class:`grader.executor_dask.DaskExecutor`, ``--dask ADDRESS``):
  each Dask worker process keeps its own warm fork server and the same sandbox.

Either way a worker's result is plain data that is judged only in the grading
process, so where the jobs ran never changes a grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from grader.sandbox.jobs import Job, WorkerRun

LEVELS = ("namespaces", "userns", "process", "portable")
"""Isolation levels, strongest first."""


class Executor(Protocol):
    """Runs jobs in confined workers and yields each :class:`WorkerRun` as it finishes, in any order."""

    level: str
    """The isolation level of the workers (the strongest one the machine allows)."""

    def run(self, jobs: Iterable[Job]) -> Iterator[WorkerRun]: ...


def weakest(levels: Iterable[str]) -> str:
    """The weakest isolation level among ``levels`` (what a class run as a whole can promise)."""
    known = [level for level in levels if level]
    if not known:
        return "unknown"
    return max(known, key=lambda level: LEVELS.index(level) if level in LEVELS else len(LEVELS))


__all__ = ["LEVELS", "Executor", "weakest"]
