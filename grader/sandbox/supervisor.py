"""One confinement per submission, a fresh process per exercise.

The template (:mod:`grader.sandbox.forkserver`) forks one *job process* per
submission and hands it two descriptors: the job's request (a spool file the
client wrote) and the job stream back to the dispatcher. The job process reads
its request, sets up the confinement once (namespaces, the tmpfs root sized
from the submission; the expensive part), and in it the *confined supervisor*
(the PID namespace's first process, chrooted, unprivileged, not dumpable)
forks one fresh process per module before any student import. Each module
process gets its own result and output pipes and its own rlimits; the
supervisor enforces the module's wall-clock limit and output cap, ends every
process the module started, and frames the module on the job stream
(:mod:`grader.sandbox.protocol`). So builtins, numpy's error state, RNG
seeds, torch flags or ``sys.modules`` changed by exercise A never reach
exercise B, a crash, time-out or ``os._exit`` costs one module, and no module
can write another's lines: only the supervisor holds the job stream.

A module process runs as the supervisor's uid. It cannot ptrace it or open
its ``/proc/<pid>/fd`` (not dumpable), and at the ``namespaces`` and
``userns`` levels it cannot kill it either (signals from inside a PID
namespace do not reach its first process). At the ``process`` level it can;
the job stream then ends without ``done``, and the module that was running
fails (fail closed).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from grader.sandbox import isolation, protocol

EXIT_SANDBOX_FAILED = 70
SANDBOX_UID_BASE = 61000
GRACE = 0.5
"""Seconds to wait for a module's pipes to close once its process was reaped (a daemon may hold them)."""
MAX_REQUEST = 256 * 1024 * 1024
WORKER_ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/.matplotlib",
    "OMP_NUM_THREADS": "1",
}


def run_job(level: str, request_fd: int, stream_fd: int) -> NoReturn:
    """The job process: read the request, confine, supervise every module. Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        request = _read_request(request_fd)
        confinement = _confinement(level, request)
        isolation.confine_job(confinement, request["files"])
        if level == "process":
            supervise(confinement, request["modules"], request["limits"], stream_fd)
        pid = os.fork()
        if pid == 0:
            supervise(confinement, request["modules"], request["limits"], stream_fd)
        os.close(stream_fd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
    except BaseException as error:  # setting up the confinement failed: no student code has run
        _sandbox_error(stream_fd, error)
        code = EXIT_SANDBOX_FAILED
    os._exit(code)


def _read_request(request_fd: int) -> dict[str, Any]:
    """The job's request, read here, in the job's own process, so no process that forks later jobs ever holds it."""
    chunks = []
    size = 0
    with os.fdopen(request_fd, "rb") as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
            if size > MAX_REQUEST:
                raise ValueError(f"the job's request exceeds {MAX_REQUEST} bytes")
            chunks.append(chunk)
    request: dict[str, Any] = json.loads(b"".join(chunks))
    return request


def _confinement(level: str, request: dict[str, Any]) -> isolation.Confinement:
    limits = request["limits"]
    return isolation.Confinement(
        level=level,
        job_root=str(request["root"]),
        uid=SANDBOX_UID_BASE + int(request.get("slot", 0)),
        time_limit=max(float(m["time_limit"]) for m in request["modules"]),
        memory_limit_mb=int(limits["memory_limit_mb"]),
        max_processes=int(limits["max_processes"]),
        expose=isolation.python_paths(),
        root_size=isolation.root_size_for(request["files"]),
    )


def _sandbox_error(stream_fd: int, error: BaseException) -> None:
    message = protocol.cap_text(f"{type(error).__name__}: {error}", 2000)
    with contextlib.suppress(OSError):
        _write_all(stream_fd, protocol.json_frame({"event": protocol.EVENT_SANDBOX_ERROR, "message": message}))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def supervise(confinement: isolation.Confinement, modules: list[dict[str, Any]], limits: dict[str, Any], stream_fd: int) -> NoReturn:
    """The confined supervisor: one fresh process per module, each framed on the job stream. Never returns."""
    try:
        isolation.confine_supervisor(confinement)
        isolation.become_subreaper()
        os.environ.clear()
        os.environ.update(WORKER_ENVIRONMENT)
    except BaseException as error:
        _sandbox_error(stream_fd, error)
        os._exit(EXIT_SANDBOX_FAILED)
    max_output = int(limits["max_output_kb"]) * 1024
    try:
        for index, module in enumerate(modules):
            run = ModuleProcess.start(confinement, module, stream_fd, max_output)
            run.collect()
            _write_all(stream_fd, run.frames(index))
        _write_all(stream_fd, protocol.json_frame({"event": protocol.EVENT_DONE}))
    except OSError:  # the dispatcher is gone: nobody reads the results
        os._exit(EXIT_SANDBOX_FAILED)
    os._exit(0)


@dataclass
class ModuleProcess:
    """One module's fresh process, seen from the supervisor."""

    confinement: isolation.Confinement
    pid: int
    started: float
    deadline: float
    max_output: int
    pipes: dict[int, str]
    """Open read ends: fd -> ``result`` or ``output``."""
    result: bytearray = field(default_factory=bytearray)
    output: bytearray = field(default_factory=bytearray)
    output_bytes: int = 0
    status: str = "exited"
    exit_status: int | None = None
    ended: float = 0.0

    @classmethod
    def start(cls, confinement: isolation.Confinement, module: dict[str, Any], stream_fd: int, max_output: int) -> ModuleProcess:
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _module_process(confinement, module, result_w, output_w)
        os.close(result_w)
        os.close(output_w)
        return cls(confinement, pid, started, started + float(module["time_limit"]), max_output, {result_r: "result", output_r: "output"})

    def collect(self) -> None:
        """Read the module's pipes until it ended and they closed, within its time limit and caps."""
        selector = selectors.DefaultSelector()
        for fd in self.pipes:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        pidfd = _pidfd(self.pid)
        if pidfd is not None:
            selector.register(pidfd, selectors.EVENT_READ)
        try:
            while self.pipes or self.exit_status is None:
                now = time.monotonic()
                if self.exit_status is None and now > self.deadline:
                    self._end("timeout")
                if self.exit_status is not None and now - self.ended > GRACE:
                    break
                wake = self.deadline if self.exit_status is None else self.ended + GRACE
                timeout = min(max(0.0, wake - now), 0.05 if pidfd is None else 1.0)
                for key, _ in selector.select(timeout):
                    if key.fd in self.pipes:
                        self._read(selector, key.fd)
                self._reap()
        finally:
            selector.close()
            for fd in [*self.pipes, *([pidfd] if pidfd is not None else [])]:
                os.close(fd)
            self.pipes.clear()

    def _read(self, selector: selectors.BaseSelector, fd: int) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            selector.unregister(fd)
            os.close(fd)
            del self.pipes[fd]
            return
        if self.pipes[fd] == "result":
            room = protocol.MAX_RESULT_BYTES - len(self.result)
            self.result += chunk[: max(0, room)]
            if len(chunk) > room:
                self._end("result_limit")
        else:
            self.output_bytes += len(chunk)
            room = self.max_output - len(self.output)
            self.output += chunk[: max(0, room)]
            if self.output_bytes > self.max_output * protocol.OUTPUT_KILL_FACTOR:
                self._end("output_limit")

    def _end(self, status: str) -> None:
        if self.status == "exited" and self.exit_status is None:
            self.status = status
        self._kill_everything()

    def _kill_everything(self) -> None:
        """End the module's process and everything it started."""
        if os.getpid() == 1:  # the PID namespace's first process: every other process in it is the module's
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(self.pid, signal.SIGKILL)

    def _reap(self) -> None:
        if self.exit_status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return
            self.exit_status = status
            self.ended = time.monotonic()
            self._kill_everything()  # a daemon the module left behind
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass

    def frames(self, index: int) -> bytes:
        code = os.waitstatus_to_exitcode(self.exit_status or 0)
        header = protocol.module_header(
            index,
            self.status,
            None if code < 0 else code,
            -code if code < 0 else None,
            (self.ended or time.monotonic()) - self.started,
            self.output_bytes,
        )
        return protocol.json_frame(header) + protocol.encode_frame(bytes(self.result)) + protocol.encode_frame(bytes(self.output))


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (OSError, AttributeError):  # an old kernel: the supervisor polls instead
        return None


def _module_process(confinement: isolation.Confinement, module: dict[str, Any], result_w: int, output_w: int) -> NoReturn:
    """A module's fresh process: its own descriptors and limits, then the worker. Never returns."""
    from grader.sandbox import worker

    code = 0
    try:
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        os.dup2(result_w, protocol.RESULT_FD)
        os.closerange(protocol.RESULT_FD + 1, 65536)  # the job stream and every other module's pipe
        isolation.confine_module(confinement, float(module["time_limit"]))
    except BaseException:  # never run student code outside its limits
        os._exit(EXIT_SANDBOX_FAILED)
    try:
        worker.run_module(module["name"], isolation.submission_path(confinement, module["name"] + ".py"), module["probes"])
    except BaseException:
        code = EXIT_SANDBOX_FAILED
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
    os._exit(code)


__all__ = ["ModuleProcess", "run_job", "supervise"]
