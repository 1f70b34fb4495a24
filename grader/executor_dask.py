"""Grading jobs on a Dask cluster (``grade run ... --dask tcp://scheduler:8786``).

Each Dask worker process starts one warm fork server the first time it gets a
batch and keeps it for later batches, so torch is imported once per worker
process, never per job; the sandbox a job runs in is the one of the local
executor (:mod:`grader.sandbox.forkserver`), at the strongest level that
worker's machine allows, recorded in each result. Only jobs (sources, probes,
limits) travel to the workers and only raw observations come back: references,
judging and points stay in the grading process.

Dask itself is trusted infrastructure: its messages are pickled, so whoever can
reach the scheduler or a worker can run code there. Keep the cluster on a
private network (or use Dask's TLS); the README says how.

``distributed`` is an optional extra (``pip install 'autograd-grader[dask]'``),
imported only when ``--dask`` is used.
"""

from __future__ import annotations

import atexit
import importlib
import os
import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from grader.errors import SandboxError, UsageError
from grader.sandbox.client import ForkServer
from grader.sandbox.jobs import Job, WorkerRun

BATCH = 2
"""Jobs per Dask task (a job is a whole submission): enough to hide the scheduler's per-task cost."""
CONNECT_TIMEOUT = "20s"

_server: ForkServer | None = None
_server_lock = threading.Lock()


def _distributed() -> Any:
    """Dask's ``distributed`` module (untyped, optional): imported only when ``--dask`` is used."""
    try:
        return importlib.import_module("distributed")
    except ImportError as error:
        raise UsageError("--dask needs Dask's `distributed` package: pip install 'autograd-grader[dask]'") from error


def _worker_threads() -> int:
    try:
        return max(1, int(_distributed().get_worker().state.nthreads))
    except (UsageError, ValueError, AttributeError):
        return os.cpu_count() or 1


def _worker_server() -> ForkServer:
    """This worker process's warm fork server, started on first use (callers hold ``_server_lock``)."""
    global _server
    if _server is None:
        server = ForkServer(parallel=_worker_threads())
        server.__enter__()
        atexit.register(server.close)
        _server = server
    return _server


def run_batch(jobs: list[Job]) -> list[WorkerRun]:
    """Runs on a Dask worker: the batch's jobs through this process's fork server.

    One batch at a time per worker process; the fork server itself keeps as many
    workers in flight as the Dask worker has threads.
    """
    global _server
    with _server_lock:
        server = _worker_server()
        try:
            return list(server.run(jobs))
        except SandboxError:
            server.close()  # the next batch starts a fresh one
            _server = None
            raise


class DaskExecutor:
    """Sends batches of jobs to a Dask cluster and yields the runs as batches finish."""

    def __init__(self, address: str, batch: int = BATCH) -> None:
        self._distributed = _distributed()
        try:
            self._client: Any = self._distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise UsageError(f"cannot reach the Dask scheduler at {address} ({error}); is `dask scheduler` running there?") from error
        self.batch = max(1, batch)
        self.level = ""

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def run(self, jobs: Iterable[Job]) -> Iterator[WorkerRun]:
        pending = iter(jobs)
        in_flight = self._distributed.as_completed(loop=self._client.loop)
        threads = sum(self._client.nthreads().values()) or 1

        def submit_next() -> bool:
            batch = list(islice(pending, self.batch))
            if batch:
                in_flight.add(self._client.submit(run_batch, batch, pure=False))
            return bool(batch)

        for _ in range(2 * threads):  # enough to keep every worker busy, few enough to keep memory flat
            if not submit_next():
                break
        for future in in_flight:
            try:
                runs: list[WorkerRun] = future.result()
            except SandboxError:
                raise
            except Exception as error:
                raise SandboxError(f"a Dask worker failed to run a batch of jobs: {type(error).__name__}: {error}") from error
            future.release()
            submit_next()
            for run in runs:
                self.level = run.isolation
                yield run


__all__ = ["BATCH", "DaskExecutor", "run_batch"]
