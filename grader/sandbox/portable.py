"""The ``portable`` isolation level: a spawned interpreter per exercise, on any platform.

Where the fork server cannot run (macOS, Windows, containers without the Linux
calls it needs), ``grade check`` grades each exercise in a fresh
``python -I -m grader.sandbox.portable`` process: no fork, no ``/proc``, no
namespaces. The trusted side (:class:`PortableRunner`) writes the submission's
files to a private temporary folder, sends the module's request on the child's
stdin, and reads two pipes under the same caps as the supervisor of the other
levels: the result lines (the child's stdout, moved to
:data:`~grader.sandbox.protocol.RESULT_FD` before any student import) and what
the student printed (stdout and stderr, both on the child's stderr). It ends
the child's whole process group at the wall-clock limit, past the output cap
and when the module is done. The module's frames are written exactly as the
confined supervisor writes them and read back by the same bounded reader
(:func:`grader.sandbox.client.parse_run`), and the child runs the same worker
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
from grader.sandbox.client import Job, Module, WorkerRun, parse_run

MAX_REQUEST = 256 * 1024 * 1024
"""The largest request a portable worker reads from its stdin."""
START_MARGIN = 30.0
"""Seconds a module may take besides its time limit to start a fresh interpreter and import torch (not the student's)."""
READY = b"R"
"""The portable worker's first byte on its result pipe: torch is imported, the student's import comes next."""
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


def _module_frames(index: int, module: Module, job: Job, folder: Path, environment: dict[str, str]) -> bytes:
    """Run one module in a fresh interpreter and frame it as the confined supervisor would."""
    max_output = int(job.limits["max_output_kb"]) * 1024
    request = {
        "name": module.name,
        "file": str(folder / "submission" / f"{module.name}.py"),
        "probes": module.probes,
        "time_limit": module.time_limit,
        "memory_limit_mb": int(job.limits["memory_limit_mb"]),
        "max_processes": int(job.limits["max_processes"]),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-I", "-m", "grader.sandbox.portable"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(folder / "tmp"),
        env=environment,
        **platform_support.popen_options(),
    )
    ready = threading.Event()
    result = _Capture(cap=protocol.MAX_RESULT_BYTES, limit=protocol.MAX_RESULT_BYTES, ready=ready)
    output = _Capture(cap=max_output, limit=max_output * protocol.OUTPUT_KILL_FACTOR)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, result), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, output), daemon=True),
    ]
    for reader in readers:
        reader.start()
    status = "exited"
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
    except OSError:  # the interpreter died before reading its request: its exit status says how
        pass
    deadline = started + START_MARGIN
    while process.poll() is None:
        if ready.is_set():
            deadline = min(deadline, time.monotonic() + module.time_limit)
            ready.clear()
        if time.monotonic() > deadline:
            status = "timeout"
            break
        if output.over.is_set():
            status = "output_limit"
            break
        if result.over.is_set():
            status = "result_limit"
            break
        time.sleep(0.02)
    ended = time.monotonic()
    platform_support.kill_tree(process)  # also a process the module left behind, holding its pipes
    process.wait()
    for reader in readers:
        reader.join(GRACE)
    code = process.returncode
    header = protocol.module_header(index, status, None if code < 0 else code, -code if code < 0 else None, ended - started, output.total)
    return protocol.json_frame(header) + protocol.encode_frame(bytes(result.data)) + protocol.encode_frame(bytes(output.data))


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


def _read_request() -> dict[str, Any]:
    data = sys.stdin.buffer.read(MAX_REQUEST + 1)
    if len(data) > MAX_REQUEST:
        raise ValueError(f"the module's request exceeds {MAX_REQUEST} bytes")
    request: dict[str, Any] = json.loads(data)
    return request


def main() -> None:
    """The portable worker: read the request, move the pipes, limit itself, run the shared worker."""
    request = _read_request()
    result_fd = os.dup(1)
    os.dup2(result_fd, protocol.RESULT_FD)  # the worker writes its lines here, whatever the student does to stdout
    if result_fd != protocol.RESULT_FD:
        os.close(result_fd)
    os.dup2(2, 1)  # the student's prints, stdout and stderr alike, go to the output pipe
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    platform_support.limit_self(float(request["time_limit"]), int(request["memory_limit_mb"]), int(request["max_processes"]))
    from grader.sandbox import worker  # torch, numpy and the probes: the interpreter's start, not the student's time

    os.write(protocol.RESULT_FD, READY)
    worker.run_module(str(request["name"]), str(request["file"]), list(request["probes"]))
    os._exit(0)  # the worker flushed the student's output; skip a teardown student objects could hang


if __name__ == "__main__":
    main()
