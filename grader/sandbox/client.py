"""The trusted side of the sandbox: start the fork server, send jobs, collect raw results.

Nothing here interprets what a student computed; it only turns the server's
frames into :class:`WorkerRun` records. The worker's result lines are parsed
with ``json`` (never pickle) and each line is validated before use.
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
from grader.sandbox.forkserver import OUTPUT_SEPARATOR, read_frame, write_frame


@dataclass(frozen=True)
class Module:
    """One student file of a job and the probes to run on it."""

    name: str
    """The exercise id: the file is ``<name>.py`` and is imported under this name."""
    probes: list[dict[str, Any]]
    time_limit: float
    """Wall-clock seconds for this module alone; its clock starts when the worker reaches it."""


@dataclass(frozen=True)
class Job:
    """One worker: a submission's files, the modules to grade in order, and the limits they share."""

    job_id: int
    files: dict[str, str]
    modules: tuple[Module, ...]
    limits: dict[str, Any]
    """``memory_limit_mb``, ``max_processes`` and ``max_output_kb`` (per module)."""


@dataclass(frozen=True)
class ModuleRun:
    """What the worker observed for one module it reached (still untrusted data)."""

    name: str
    import_error: dict[str, Any] | None
    observations: dict[str, dict[str, Any]]
    """Probe id -> observation, for every probe the worker answered."""
    completed: bool
    """The worker answered every probe of this module and said so."""
    output: str
    output_bytes: int
    wall: float


@dataclass(frozen=True)
class WorkerRun:
    """How one worker ended and what it observed, module by module."""

    job_id: int
    status: str
    """``exited``, ``timeout``, ``output_limit``, ``result_limit``, ``sandbox_error`` or ``cancelled``."""
    exit_code: int | None
    signal: int | None
    modules: tuple[ModuleRun, ...]
    """The modules the worker reached, in order; the job's others were never started."""
    stopped_in: int
    """The module that was running when the job ended: an abnormal end (``status``, a signal) belongs to it."""
    wall: float
    isolation: str
    sandbox_message: str | None = None
    malformed_lines: int = 0

    said_done: bool = False
    """The worker reached the end of its last module and said so."""

    @property
    def completed(self) -> bool:
        """The worker answered every probe of every module it was given, and exited normally."""
        return self.status == "exited" and self.said_done and all(m.completed for m in self.modules)


@dataclass
class _ModuleLines:
    import_error: dict[str, Any] | None = None
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed: bool = False


def _module_lines(lines: Iterable[str]) -> tuple[list[_ModuleLines], bool, str | None, int, bool]:
    """Sort the worker's result lines by module, following its markers in order as the server did."""
    modules = [_ModuleLines()]
    finished = False
    sandbox_message = None
    malformed = 0
    confined = False
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            malformed += 1
            continue
        if type(record) is not dict:
            malformed += 1
            continue
        event = record.get("event")
        current = modules[-1]
        if event == "confined" and not confined:
            confined = True
        elif event == "sandbox_error" and confined:
            malformed += 1  # written after student code could run: not the sandbox's word
        elif event == "module":
            if record.get("index") == len(modules):
                modules.append(_ModuleLines())
            elif record.get("index") != len(modules) - 1:
                malformed += 1
        elif event == "imported":
            current.import_error = record.get("error") if isinstance(record.get("error"), dict) else None
        elif event == "probe" and isinstance(record.get("id"), str) and isinstance(record.get("observation"), dict):
            current.observations.setdefault(record["id"], record["observation"])
        elif event == "module_done" and record.get("index") == len(modules) - 1:
            current.completed = True
        elif event == "done":
            finished = True
        elif event == "sandbox_error":
            sandbox_message = str(record.get("message", ""))[:2000]
        else:
            malformed += 1
    return modules, finished, sandbox_message, malformed, confined


def _split_output(output: str, modules: int) -> list[str]:
    """Each module's share of the job's output, cut at the separators the worker printed, taken in order.

    A student can print a separator too; that only moves their own output between their own modules.
    """
    shares = []
    rest = output
    for index in range(1, modules):
        before, separator, after = rest.partition(OUTPUT_SEPARATOR.format(index=index))
        if not separator:
            break
        shares.append(before)
        rest = after
    return [*shares, rest]


def parse_run(frame: dict[str, Any], job: Job) -> WorkerRun:
    """Turn the server's ``finished`` frame into a record, skipping lines that are not well-formed."""
    lines, finished, sandbox_message, malformed, confined = _module_lines(str(frame.get("result", "")).splitlines())
    status = str(frame["status"])
    if status == "sandbox_error" and confined:
        status = "exited"  # the student's process chose the sandbox's exit code
    reached = min(int(frame.get("module", 0)) + 1, len(job.modules), len(lines))
    outputs = _split_output(str(frame.get("output", "")), reached) + [""] * reached
    counts = list(frame.get("output_bytes", [])) + [0] * reached
    walls = list(frame.get("module_walls", [])) + [0.0] * reached
    modules = tuple(
        ModuleRun(
            name=job.modules[index].name,
            import_error=lines[index].import_error,
            observations=lines[index].observations,
            completed=lines[index].completed,
            output=str(outputs[index]),
            output_bytes=int(counts[index]),
            wall=float(walls[index]),
        )
        for index in range(reached)
    )
    return WorkerRun(
        job_id=int(frame["job"]),
        status=status,
        exit_code=frame.get("exit_code"),
        signal=frame.get("signal"),
        modules=modules,
        stopped_in=max(0, reached - 1),
        wall=float(frame.get("wall", 0.0)),
        isolation=str(frame.get("isolation", "unknown")),
        sandbox_message=sandbox_message,
        malformed_lines=malformed,
        said_done=finished and reached == len(job.modules),
    )


def _server_environment() -> dict[str, str]:
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
    }
    if "GRADER_ISOLATION" in os.environ:
        environment["GRADER_ISOLATION"] = os.environ["GRADER_ISOLATION"]
    return environment


def _spawn_server() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-I", "-m", "grader.sandbox.forkserver"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None if os.environ.get("GRADER_DEBUG") else subprocess.DEVNULL,
        env=_server_environment(),
        cwd="/",
    )


_prestarted: subprocess.Popen[bytes] | None = None


def prestart() -> None:
    """Start a fork server now; the next :class:`ForkServer` of this process adopts it.

    The CLI calls this before it imports torch itself, so the two imports overlap
    (about 1.5 s of every command). A server nobody adopts is closed at exit.
    """
    global _prestarted
    if _prestarted is None:
        _prestarted = _spawn_server()
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
    level: str = field(default="", init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _frames: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue, init=False)
    _spool_dir: Path = field(init=False)
    """Private (0700) folder the sources travel through; see ``forkserver._read_spool``."""

    def _spool_files(self, job: Job) -> Path:
        folder = self._spool_dir / str(job.job_id)
        folder.mkdir(mode=0o700)
        for name, text in job.files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    def __enter__(self) -> ForkServer:
        self._spool_dir = Path(tempfile.mkdtemp(prefix="grader-spool-"))
        self._process = _adopt_prestarted() or _spawn_server()
        threading.Thread(target=self._read_frames, daemon=True).start()
        ready = self._frames.get()
        if ready is None or ready.get("event") != "ready":
            self.close()
            message = ready.get("message") if ready else "it exited during start-up"
            raise SandboxError(f"the sandbox's fork server did not start: {message}")
        self.level = str(ready["level"])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read_frames(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            while True:
                frame = read_frame(self._process.stdout)
                if frame is None:
                    break
                self._frames.put(frame)
        finally:
            self._frames.put(None)

    def close(self) -> None:
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
                spool = self._spool_files(job)
                write_frame(
                    self._process.stdin,
                    {
                        "job": job.job_id,
                        "slot": slot,
                        "spool": str(spool),
                        "modules": [{"name": m.name, "probes": m.probes, "time_limit": m.time_limit} for m in job.modules],
                        "limits": job.limits,
                    },
                )
                jobs_in_flight[job.job_id] = job
                in_flight += 1
            if in_flight == 0:
                return
            frame = self._frames.get()
            if frame is None:
                raise SandboxError("the sandbox's fork server exited while jobs were running")
            if frame.get("event") != "finished":
                continue
            run = parse_run(frame, jobs_in_flight.pop(int(frame["job"])))
            shutil.rmtree(self._spool_dir / str(run.job_id), ignore_errors=True)
            free_slots.append(slot_of.pop(run.job_id))
            in_flight -= 1
            yield run
