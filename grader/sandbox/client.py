"""The trusted side of the sandbox: start the fork server, send jobs, collect raw results.

Nothing here interprets what a student computed; it only turns the server's
frames into :class:`~grader.sandbox.jobs.WorkerRun` records
(:func:`~grader.sandbox.jobs.parse_run`). Everything a worker wrote is read
by the one bounded, in-order reader of :mod:`grader.sandbox.protocol` (``json``,
never pickle; size, line count and depth checked before parsing; every string
capped). Where the fork server cannot run, :class:`ForkServer` hands its jobs
to the portable level's runner (:mod:`grader.sandbox.portable`).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import SandboxError
from grader.sandbox import platform_support, protocol
from grader.sandbox.jobs import Job, WorkerRun, parse_run
from grader.sandbox.portable import PortableRunner


def _server_environment(warm_up: str = "full") -> dict[str, str]:
    """A clean environment: no tokens or secrets of the grader's shell reach the workers."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "autograd-grader" / "matplotlib"
    cache.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(cache),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        # malloc's heap in transparent huge pages where the kernel allows it (madvise mode): far fewer page
        # table entries for the warm template's ~250 MB, so each per-exercise fork copies and frees less.
        "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1",
    }
    environment["GRADER_WARM_UP"] = warm_up  # see grader.sandbox.template.warm_up
    if "GRADER_ISOLATION" in os.environ:
        environment["GRADER_ISOLATION"] = os.environ["GRADER_ISOLATION"]
    return environment


def _spawn_server(warm_up: str = "full") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-I", "-m", "grader.sandbox.forkserver"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None if os.environ.get("GRADER_DEBUG") else subprocess.DEVNULL,
        env=_server_environment(warm_up),
        cwd="/",
    )


_prestarted: subprocess.Popen[bytes] | None = None
_PORTABLE_HINT = (
    "; `--isolation portable` grades each exercise in a spawned process instead"
    " (weaker: the student's code can read the grader's files and reach the network; see docs/security.md)"
)


def prestart(warm_up: str = "full") -> None:
    """Start a fork server now; the next :class:`ForkServer` of this process adopts it.

    The CLI calls this before it imports torch itself, so the two imports overlap
    (about 1.5 s of every command). A server nobody adopts is closed at exit.
    """
    global _prestarted
    if platform_support.requested_level() == platform_support.PORTABLE or not platform_support.fork_server_supported():
        return  # no fork server to start: the portable level spawns a process per exercise
    if _prestarted is None:
        _prestarted = _spawn_server(warm_up)
        atexit.register(_close_prestarted)


def _adopt_prestarted() -> subprocess.Popen[bytes] | None:
    global _prestarted
    process, _prestarted = _prestarted, None
    return process if process is not None and process.poll() is None else None


def _close_prestarted() -> None:
    process = _adopt_prestarted()
    if process is not None:  # never given a job (the command failed early): nothing to wait for
        process.kill()
        process.wait()


@dataclass
class ForkServer:
    """A running fork server; use as a context manager.

    ``run`` keeps at most ``parallel`` workers in flight and yields each
    :class:`WorkerRun` as it finishes.
    """

    parallel: int = 1
    fallback: bool = False
    """Without the fork server (another platform, or it failed to start), run at the ``portable`` level rather than fail.

    ``grade check`` passes True: a student's machine grades with what it has. ``grade run`` does not: a
    class is never graded at a weaker level unless the instructor asks (``--isolation portable``).
    """
    level: str = field(default="", init=False)
    _portable: PortableRunner | None = field(default=None, init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _frames: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue, init=False)
    _spool_dir: Path = field(init=False)
    """Private (0700) folder each job's request travels through: the fork server passes on a descriptor, never the job."""

    def _spool_job(self, job: Job, slot: int) -> Path:
        """Write the job's request where only its own process reads it (see :func:`grader.sandbox.supervisor.run_job`)."""
        folder = self._spool_dir / str(job.job_id)
        folder.mkdir(mode=0o700)
        root = folder / "root"
        root.mkdir(mode=0o755)
        request = {
            "slot": slot,
            "root": str(root),
            "files": job.files,
            "modules": [{"name": m.name, "probes": m.probes, "time_limit": m.time_limit} for m in job.modules],
            "limits": job.limits,
        }
        path = folder / "request.json"
        path.write_text(json.dumps(request), encoding="utf-8")
        return path

    def __enter__(self) -> ForkServer:
        requested = platform_support.requested_level()
        if requested not in ("auto", *platform_support.LEVELS):
            expected = ", ".join(platform_support.LEVELS)
            raise SandboxError(f"{platform_support.ISOLATION_ENV}={requested!r}: expected auto or one of {expected}")
        if requested == platform_support.PORTABLE or (requested == "auto" and not platform_support.fork_server_supported()):
            return self._go_portable(requested)
        self._spool_dir = Path(tempfile.mkdtemp(prefix="grader-spool-"))
        self._process = _adopt_prestarted() or _spawn_server()
        threading.Thread(target=self._read_frames, daemon=True).start()
        ready = self._frames.get()
        if ready is None or ready.get("event") != "ready":
            self.close()
            message = ready.get("message") if ready else "it exited during start-up"
            if requested == "auto" and self.fallback:
                return self._go_portable(requested)
            raise SandboxError(f"the sandbox's fork server did not start: {message}{_PORTABLE_HINT if requested == 'auto' else ''}")
        self.level = str(ready["level"])
        return self

    def _go_portable(self, requested: str) -> ForkServer:
        """Run every job at the portable level: asked for, or (``fallback``) the strongest this machine allows."""
        if requested == "auto" and not self.fallback:
            raise SandboxError(f"the sandbox's fork server cannot run on this platform ({sys.platform}){_PORTABLE_HINT}")
        self._portable = PortableRunner(parallel=self.parallel)
        self.level = self._portable.level
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read_frames(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            while True:
                frame = protocol.read_frame(self._process.stdout)
                if frame is None:
                    break
                if frame.get("event") == protocol.EVENT_FINISHED:
                    stream = protocol.read_raw_frame(self._process.stdout)
                    if stream is None:
                        break
                    frame["stream"] = stream
                self._frames.put(frame)
        finally:
            self._frames.put(None)

    def close(self) -> None:
        self._portable = None
        if hasattr(self, "_spool_dir"):
            shutil.rmtree(self._spool_dir, ignore_errors=True)
        if self._process is None:
            return
        try:
            if self._process.stdin is not None:
                self._process.stdin.close()
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        self._process = None

    def run(self, jobs: Iterable[Job]) -> Iterator[WorkerRun]:
        if self._portable is not None:
            yield from self._portable.run(jobs)
            return
        assert self._process is not None and self._process.stdin is not None, "use ForkServer as a context manager"
        pending = iter(jobs)
        free_slots = list(range(max(1, self.parallel)))
        slot_of: dict[int, int] = {}
        jobs_in_flight: dict[int, Job] = {}
        in_flight = 0
        exhausted = False
        while True:
            while free_slots and not exhausted:
                job = next(pending, None)
                if job is None:
                    exhausted = True
                    break
                slot = free_slots.pop()
                slot_of[job.job_id] = slot
                protocol.write_frame(
                    self._process.stdin,
                    {
                        "job": job.job_id,
                        "request": str(self._spool_job(job, slot)),
                        "modules": len(job.modules),
                        "time_limit": sum(m.time_limit for m in job.modules),
                        "max_output": int(job.limits["max_output_kb"]) * 1024,
                    },
                )
                jobs_in_flight[job.job_id] = job
                in_flight += 1
            if in_flight == 0:
                return
            frame = self._frames.get()
            if frame is None:
                raise SandboxError("the sandbox's fork server exited while jobs were running")
            if frame.get("event") != protocol.EVENT_FINISHED:
                continue
            run = parse_run(frame, frame.pop("stream"), jobs_in_flight.pop(int(frame["job"])))
            shutil.rmtree(self._spool_dir / str(run.job_id), ignore_errors=True)
            free_slots.append(slot_of.pop(run.job_id))
            in_flight -= 1
            yield run


__all__ = ["ForkServer", "prestart"]
