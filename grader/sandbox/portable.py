"""The ``portable`` isolation level: a spawned interpreter per exercise, on any platform.

Where the fork server cannot run (macOS, Windows, containers without the Linux
calls it needs), ``grade check`` grades each exercise in a fresh
``python -I -m grader.sandbox.portable_worker`` process: no fork, no ``/proc``, no
namespaces. This module is the trusted side (:class:`PortableRunner`); the
child, which imports the student's file, is :mod:`grader.sandbox.portable_worker`
and imports nothing of it. The runner writes the submission's files to a
private temporary folder, sends the module's request on the child's stdin,
and reads two pipes under the same caps as the supervisor of the other
levels: the result lines (the child's stdout, moved to
:data:`~grader.sandbox.protocol.RESULT_FD` before any student import) and what
the student printed (stdout and stderr, both on the child's stderr). It ends
the child's whole process group at the wall-clock limit, past the output cap
and when the module is done. The module's frames are written exactly as the
confined supervisor writes them and read back by the same bounded reader
(:func:`grader.sandbox.jobs.parse_run`), and the child runs the same worker
(:func:`grader.sandbox.worker.run_module`), so a grade never depends on the level.

What this level does not give: the student's code can read what the user can
read and reach the network (see docs/security.md). That is why ``grade run``
uses it only when the instructor asks for it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from grader.sandbox import platform_support, protocol
from grader.sandbox.jobs import Job, Module, WorkerRun, parse_run
from grader.sandbox.portable_worker import READY

WORKER_MODULE = "grader.sandbox.portable_worker"
"""The child each module runs in, started as ``python -I -m`` this module."""
START_MARGIN = 30.0
"""Seconds a module may take besides its time limit to start a fresh interpreter and import torch (not the student's)."""
GRACE = 0.5
"""Seconds to wait for the pipes once the process ended (a process it started may hold them until killed)."""


@dataclass
class _Capture:
    """What one pipe delivered, capped."""

    cap: int
    data: bytearray = field(default_factory=bytearray)
    total: int = 0
    over: threading.Event = field(default_factory=threading.Event)
    """Set once more than ``limit`` bytes arrived (the trusted side then ends the module)."""
    limit: int = 0
    ready: threading.Event | None = None
    """For the result pipe: set when the worker's first byte, :data:`READY`, arrived (its clock starts then)."""


def _drain(stream: IO[bytes], capture: _Capture) -> None:
    """Read a pipe to its end, keeping at most ``cap`` bytes; flag when more than ``limit`` arrived."""
    if capture.ready is not None:
        if stream.read(1) != READY:
            return
        capture.ready.set()
    while chunk := stream.read1(1 << 16):  # type: ignore[attr-defined]
        capture.total += len(chunk)
        room = capture.cap - len(capture.data)
        if room > 0:
            capture.data += chunk[:room]
        if capture.total > capture.limit:
            capture.over.set()


def _write_files(folder: Path, files: dict[str, str]) -> None:
    """The submission's sources (already read and parsed by the trusted process), by plain names only."""
    folder.mkdir(mode=0o755)
    for name, source in files.items():
        if "/" in name or "\\" in name or name.startswith(".") or name != os.path.basename(name):
            raise ValueError(f"unsafe file name {name!r}")
        descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(source)


def _module_request(module: Module, job: Job, folder: Path) -> dict[str, Any]:
    """What the child reads on its stdin: its file, its probes and its limits (never an expected value)."""
    return {
        "name": module.name,
        "file": str(folder / "submission" / f"{module.name}.py"),
        "probes": module.probes,
        "time_limit": module.time_limit,
        "memory_limit_mb": int(job.limits["memory_limit_mb"]),
        "max_processes": int(job.limits["max_processes"]),
    }


def _spawn(folder: Path, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    """A fresh interpreter in its own process group, in the job's private temporary folder."""
    return subprocess.Popen(
        [sys.executable, "-I", "-m", WORKER_MODULE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(folder / "tmp"),
        env=environment,
        **platform_support.popen_options(),
    )


@dataclass
class _Pipes:
    """The child's result lines and printed output, each drained by a thread of its own under its cap."""

    result: _Capture
    output: _Capture
    ready: threading.Event
    """Set when the child said :data:`~grader.sandbox.portable_worker.READY`: the module's own clock starts."""
    readers: list[threading.Thread]


def _drain_pipes(process: subprocess.Popen[bytes], max_output: int) -> _Pipes:
    assert process.stdout is not None and process.stderr is not None
    ready = threading.Event()
    result = _Capture(cap=protocol.MAX_RESULT_BYTES, limit=protocol.MAX_RESULT_BYTES, ready=ready)
    output = _Capture(cap=max_output, limit=max_output * protocol.OUTPUT_KILL_FACTOR)
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, result), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, output), daemon=True),
    ]
    for reader in readers:
        reader.start()
    return _Pipes(result, output, ready, readers)


def _send_request(process: subprocess.Popen[bytes], request: dict[str, Any]) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
    except OSError:  # the interpreter died before reading its request: its exit status says how
        pass


def _watch(process: subprocess.Popen[bytes], pipes: _Pipes, time_limit: float, started: float) -> str:
    """Wait for the child's end, or end it: ``timeout``, ``output_limit``, ``result_limit``; ``exited`` if it ended itself."""
    deadline = started + START_MARGIN
    while process.poll() is None:
        if pipes.ready.is_set():
            deadline = min(deadline, time.monotonic() + time_limit)
            pipes.ready.clear()
        if time.monotonic() > deadline:
            return "timeout"
        if pipes.output.over.is_set():
            return "output_limit"
        if pipes.result.over.is_set():
            return "result_limit"
        time.sleep(0.02)
    return "exited"


def _module_frames(index: int, module: Module, job: Job, folder: Path, environment: dict[str, str]) -> bytes:
    """Run one module in a fresh interpreter and frame it as the confined supervisor would."""
    max_output = int(job.limits["max_output_kb"]) * 1024
    request = _module_request(module, job, folder)
    started = time.monotonic()
    process = _spawn(folder, environment)
    pipes = _drain_pipes(process, max_output)
    _send_request(process, request)
    status = _watch(process, pipes, module.time_limit, started)
    ended = time.monotonic()
    platform_support.kill_tree(process)  # also a process the module left behind, holding its pipes
    process.wait()
    for reader in pipes.readers:
        reader.join(GRACE)
    code = process.returncode
    exit_code, killed_by = (None, -code) if code < 0 else (code, None)
    header = protocol.module_header(index, status, exit_code, killed_by, ended - started, pipes.output.total)
    return protocol.json_frame(header) + protocol.encode_frame(bytes(pipes.result.data)) + protocol.encode_frame(bytes(pipes.output.data))


def run_portable_job(job: Job) -> WorkerRun:
    """One submission at the portable level: a fresh interpreter per module, in order, then the same parsing."""
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="grader-portable-"))
    stream = bytearray()
    try:
        try:
            _write_files(folder / "submission", job.files)
            (folder / "tmp").mkdir(mode=0o700)
            (folder / "matplotlib").mkdir(mode=0o700)
        except (OSError, ValueError) as error:
            message = protocol.cap_text(f"{type(error).__name__}: {error}", 2000)
            stream += protocol.json_frame({"event": protocol.EVENT_SANDBOX_ERROR, "message": message})
        else:
            environment = platform_support.worker_environment(str(folder / "tmp"), str(folder / "matplotlib"))
            for index, module in enumerate(job.modules):
                stream += _module_frames(index, module, job, folder, environment)
            stream += protocol.json_frame({"event": protocol.EVENT_DONE})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    frame = {
        "job": job.job_id,
        "status": "exited",  # how each module ended is in its own header; the job itself has no process
        "exit_code": 0,
        "signal": None,
        "wall": round(time.monotonic() - started, 4),
        "isolation": platform_support.PORTABLE,
    }
    return parse_run(frame, bytes(stream), job)


@dataclass
class PortableRunner:
    """Runs jobs at the portable level, ``parallel`` submissions at a time; yields each run as it finishes."""

    parallel: int = 1
    level: str = platform_support.PORTABLE

    def run(self, jobs: Iterable[Job]) -> Iterator[WorkerRun]:
        with ThreadPoolExecutor(max_workers=max(1, self.parallel), thread_name_prefix="grader-portable") as pool:
            pending = [pool.submit(run_portable_job, job) for job in jobs]
            for future in as_completed(pending):
                yield future.result()


__all__ = ["PortableRunner", "run_portable_job"]
