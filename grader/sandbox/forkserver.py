"""The warm, clean parent that forks one confined worker per job.

Started as ``python -I -m grader.sandbox.forkserver`` by
:class:`grader.sandbox.client.ForkServer`. It imports torch (and numpy and
matplotlib, so workers start warm) and nothing of the course: a forked child
inherits this process's memory, so no solution, expected value or hidden
check may ever be loaded here. torch is set to one thread before any op runs,
because a fork after a parallel torch op can hang the child.

It speaks length-prefixed JSON frames on stdin/stdout. A request carries the
job: one submission's sources and, per module (exercise) to grade, its probes
and time limit. The response carries what the worker wrote on its result
channel, its captured output per module and how it ended. The server enforces
each module's wall-clock deadline and output cap and kills every process of
the job when it ends. Of the results it reads only the ``module`` markers
(``{"event": "module", "index": k}``) that say the worker moved on to module
k, and accepts them strictly in order, so a forged marker can only spend the
job's own later modules' time, never more than the job's total.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import shutil
import signal
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import IO, Any

HEADER = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024
MAX_RESULT_BYTES = 64 * 1024 * 1024
EXIT_SANDBOX_FAILED = 70
OUTPUT_KILL_FACTOR = 16
"""Output past ``max_output`` is dropped, not fatal: a module is ended only past this many times its cap.

Printing is not a mistake of autograd, so a worker whose checks answered keeps its points
however much it printed; the hard cap only bounds what the server reads from an endless print loop.
"""
SANDBOX_UID_BASE = 61000
GRACE = 0.5
"""Seconds to wait for a job's pipes to close after its first process was reaped."""


def write_frame(stream: IO[bytes], message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    """One frame, or None at end of stream."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME:
        raise ValueError(f"frame of {length} bytes exceeds {MAX_FRAME}")
    data = stream.read(length)
    if len(data) < length:
        return None
    message: dict[str, Any] = json.loads(data)
    return message


OUTPUT_SEPARATOR = "\x1e{index}\x1e"
"""Written by the worker to stdout as module ``index`` starts, so the grader can tell whose output is whose."""
MODULE_MARKER = b'{"event": "module", "index": '
"""How a worker's result line announces the next module (see :func:`grader.sandbox.worker.run`)."""


@dataclass
class RunningJob:
    """Bookkeeping for one forked job (the server's side only)."""

    job_id: int
    pid: int
    deadline: float
    started: float
    result_fd: int
    output_fd: int
    job_root: str
    max_output: int
    time_limits: list[float]
    """Per module, in the order the worker runs them."""
    module: int = 0
    """The module the worker is running: deadline, output and a kill are attributed to it."""
    module_started: list[float] = field(default_factory=list)
    scanned: int = 0
    """How much of ``result`` has been searched for module markers."""
    result: bytearray = field(default_factory=bytearray)
    output: bytearray = field(default_factory=bytearray)
    """Every module's output, kept up to ``max_output`` per module; the worker separates modules in it."""
    output_bytes: list[int] = field(default_factory=lambda: [0])
    """Bytes printed per module, counted against its cap by the module the server has seen the worker start."""
    status: str | None = None
    """Set when the server ended the job itself: timeout, output_limit or result_limit."""
    exit_status: int | None = None
    reaped_at: float | None = None
    open_fds: set[int] = field(default_factory=set)
    pidfd: int | None = None
    """Readable when the job's first process exits (Linux 5.3+), so the server wakes without polling."""


class Server:
    def __init__(self, level: str) -> None:
        self.level = level
        self.selector = selectors.DefaultSelector()
        self.jobs: dict[int, RunningJob] = {}
        self.stdin_buffer = bytearray()
        self.stdin_open = True
        self.out = sys.stdout.buffer
        self.pidfds = hasattr(os, "pidfd_open")

    def serve(self) -> None:
        os.set_blocking(0, False)
        self.selector.register(0, selectors.EVENT_READ, ("stdin", None))
        write_frame(self.out, {"event": "ready", "level": self.level, "pid": os.getpid()})
        while self.stdin_open or self.jobs:
            for key, _ in self.selector.select(timeout=self._wait_time()):
                source, job = key.data
                if source == "stdin":
                    self._read_requests()
                elif source == "exit":
                    self._close_fd(job, key.fd)  # the job's first process ended: _check_jobs reaps it now
                else:
                    self._read_job(job, key.fd, source)
            self._check_jobs()

    def _wait_time(self) -> float:
        """How long the selector may sleep: until the next deadline, or a short poll where no pidfd wakes us.

        A pidfd per job makes a worker's exit wake the loop at once; a fixed poll
        interval used to add half its length to every job (10 ms of ~40).
        """
        if not self.jobs:
            return 1.0
        if not self.pidfds:
            return 0.02
        now = time.monotonic()
        soonest = min(job.deadline if job.reaped_at is None else job.reaped_at + GRACE for job in self.jobs.values())
        return min(0.25, max(0.001, soonest - now))

    def _read_requests(self) -> None:
        try:
            chunk = os.read(0, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            self.stdin_open = False
            self.selector.unregister(0)
            for job in self.jobs.values():
                self._kill(job, "cancelled")
            return
        self.stdin_buffer += chunk
        while len(self.stdin_buffer) >= HEADER.size:
            (length,) = HEADER.unpack(self.stdin_buffer[: HEADER.size])
            if len(self.stdin_buffer) < HEADER.size + length:
                break
            request = json.loads(bytes(self.stdin_buffer[HEADER.size : HEADER.size + length]))
            del self.stdin_buffer[: HEADER.size + length]
            self._start(request)

    def _start(self, request: dict[str, Any]) -> None:
        from grader.sandbox.isolation import Confinement, python_paths

        limits = request["limits"]
        time_limits = [float(module["time_limit"]) for module in request["modules"]]
        job_root = tempfile.mkdtemp(prefix="grader-job-")
        os.chmod(job_root, 0o755)
        confinement = Confinement(
            level=self.level,
            job_root=job_root,
            uid=SANDBOX_UID_BASE + int(request.get("slot", 0)),
            time_limit=sum(time_limits),  # the CPU rlimit: every module's time, and not a second more
            memory_limit_mb=int(limits["memory_limit_mb"]),
            max_processes=int(limits["max_processes"]),
            expose=python_paths(),
        )
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(confinement, request, result_w, output_w, (result_r, output_r))
        os.close(result_w)
        os.close(output_w)
        job = RunningJob(
            job_id=int(request["job"]),
            pid=pid,
            deadline=started + time_limits[0],
            started=started,
            result_fd=result_r,
            output_fd=output_r,
            job_root=job_root,
            max_output=int(limits["max_output_kb"]) * 1024,
            time_limits=time_limits,
            module_started=[started],
            open_fds={result_r, output_r},
        )
        for fd, source in ((result_r, "result"), (output_r, "output")):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, (source, job))
        if self.pidfds:
            try:
                pidfd = os.pidfd_open(pid)
            except OSError:  # an old kernel: fall back to polling
                self.pidfds = False
            else:
                job.open_fds.add(pidfd)
                job.pidfd = pidfd
                self.selector.register(pidfd, selectors.EVENT_READ, ("exit", job))
        self.jobs[job.job_id] = job

    def _read_job(self, job: RunningJob, fd: int, source: str) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self._close_fd(job, fd)
            return
        if source == "result":
            job.result += chunk
            if len(job.result) > MAX_RESULT_BYTES:
                self._kill(job, "result_limit")
            self._follow_modules(job)
        else:
            self._keep_output(job, chunk)

    def _keep_output(self, job: RunningJob, chunk: bytes) -> None:
        """Output counts against the running module's cap; at most ``max_output`` bytes per module are kept."""
        printed_before = job.output_bytes[job.module]
        job.output_bytes[job.module] += len(chunk)
        room = min(job.max_output - printed_before, job.max_output * len(job.time_limits) - len(job.output))
        if room > 0:
            job.output += chunk[:room]
        if job.output_bytes[job.module] > job.max_output * OUTPUT_KILL_FACTOR:
            self._kill(job, "output_limit")

    def _follow_modules(self, job: RunningJob) -> None:
        """Start the next module's clock at each marker the worker wrote, strictly in order.

        The worker flushes its output before it writes a marker, so the output
        pipe is drained first: what the previous module printed stays its own.
        """
        end = job.result.rfind(b"\n")
        if end < job.scanned:
            return
        lines = bytes(job.result[job.scanned : end]).split(b"\n")
        job.scanned = end + 1
        for line in lines:
            if not line.startswith(MODULE_MARKER):
                continue
            try:
                index = json.loads(line)["index"]
            except (ValueError, KeyError, TypeError):
                continue
            if index != job.module + 1 or index >= len(job.time_limits) or job.status is not None:
                continue
            if job.output_fd in job.open_fds:
                self._drain(job, job.output_fd)
            now = time.monotonic()
            job.module = index
            job.module_started.append(now)
            job.output_bytes.append(0)
            job.deadline = now + job.time_limits[index]

    def _close_fd(self, job: RunningJob, fd: int) -> None:
        if fd in job.open_fds:
            self.selector.unregister(fd)
            os.close(fd)
            job.open_fds.discard(fd)

    def _kill(self, job: RunningJob, status: str) -> None:
        if job.status is None:
            job.status = status
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(job.pid, signal.SIGKILL)

    def _reap_strays(self) -> None:
        """Reap descendants orphaned to this server (see :func:`isolation.become_subreaper`), never a job's own process."""
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None or any(job.pid == info.si_pid for job in self.jobs.values()):
                return  # nothing has exited, or a job's process: _check_jobs reaps that one
            with contextlib.suppress(ChildProcessError):
                os.waitpid(info.si_pid, 0)

    def reap_remaining(self, patience: float = 2.0) -> None:
        """At the end, when every job has been reported: wait a little for orphans still dying, then reap them."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                time.sleep(0.01)

    def _check_jobs(self) -> None:
        self._reap_strays()
        now = time.monotonic()
        for job in list(self.jobs.values()):
            if job.exit_status is None:
                if now > job.deadline:
                    self._kill(job, "timeout")
                pid, status = os.waitpid(job.pid, os.WNOHANG)
                if pid == 0:
                    continue
                job.exit_status = status
                job.reaped_at = now
                with contextlib.suppress(ProcessLookupError, PermissionError):  # anything left in the job's group goes too
                    os.killpg(job.pid, signal.SIGKILL)
            # A process that escaped the group may hold the pipes open: stop waiting after a grace period.
            if job.open_fds - {job.pidfd} and job.reaped_at is not None and now - job.reaped_at < GRACE:
                continue
            for fd in list(job.open_fds):
                self._drain(job, fd)
                self._close_fd(job, fd)
            self._finish(job, now)

    def _drain(self, job: RunningJob, fd: int) -> None:
        if fd == job.pidfd:
            return
        source = "result" if fd == job.result_fd else "output"
        for _ in range(64):
            try:
                chunk = os.read(fd, 1 << 16)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            if source == "result" and len(job.result) < MAX_RESULT_BYTES:
                job.result += chunk
            elif source == "output":
                self._keep_output(job, chunk)

    def _finish(self, job: RunningJob, now: float) -> None:
        del self.jobs[job.job_id]
        shutil.rmtree(job.job_root, ignore_errors=True)
        status = job.exit_status or 0
        exit_code = os.waitstatus_to_exitcode(status)
        ends = [*job.module_started[1:], now]
        signal_number = -exit_code if exit_code < 0 else (exit_code - 128 if exit_code > 128 and self.level != "process" else None)
        write_frame(
            self.out,
            {
                "event": "finished",
                "job": job.job_id,
                "status": job.status or ("sandbox_error" if exit_code == EXIT_SANDBOX_FAILED else "exited"),
                "exit_code": exit_code,
                "signal": signal_number,
                "result": job.result.decode("utf-8", errors="replace"),
                "module": job.module,
                "output": job.output.decode("utf-8", errors="replace"),
                "output_bytes": job.output_bytes,
                "module_walls": [round(end - start, 4) for start, end in zip(job.module_started, ends, strict=True)],
                "wall": round(now - job.started, 4),
                "isolation": self.level,
            },
        )


def _child(confinement: Any, request: dict[str, Any], result_w: int, output_w: int, parent_ends: tuple[int, int]) -> None:
    """The job's first process. Never returns."""
    from grader.sandbox import isolation

    code = 0
    try:
        for fd in parent_ends:
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        isolation.confine_supervisor(confinement, _read_spool(request["spool"]))
        if confinement.level == "process":
            _worker(confinement, request, result_w, output_w)
        pid = os.fork()
        if pid == 0:
            _worker(confinement, request, result_w, output_w)
        os.close(result_w)
        os.close(output_w)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
    except BaseException as error:  # setting up the sandbox failed: say so on the result channel
        message = json.dumps({"event": "sandbox_error", "message": f"{type(error).__name__}: {error}"}) + "\n"
        with contextlib.suppress(OSError):
            os.write(result_w, message.encode())
        code = EXIT_SANDBOX_FAILED
    os._exit(code)


def _read_spool(folder: str) -> dict[str, str]:
    """The job's sources, read in the job's own process.

    They travel through a private folder rather than the request so that the
    fork server's memory, which every later worker inherits, never holds a
    student's code.
    """
    files = {}
    for name in os.listdir(folder):
        descriptor = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, encoding="utf-8") as handle:
            files[name] = handle.read()
    return files


def _worker(confinement: Any, request: dict[str, Any], result_w: int, output_w: int) -> None:
    """The process that runs student code. Never returns."""
    from grader.sandbox import isolation, worker

    code = 0
    try:
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        os.dup2(result_w, worker.RESULT_FD)
        os.closerange(worker.RESULT_FD + 1, 65536)
        isolation.confine_worker(confinement)
        # From here on student code may run: anything it writes can be forged, so the client trusts a
        # sandbox_error record (or exit code) only when this line never arrived.
        os.write(worker.RESULT_FD, b'{"event": "confined"}\n')
        os.environ.clear()
        os.environ.update(
            {
                "PATH": "/usr/bin:/bin",
                "HOME": "/tmp",
                "TMPDIR": "/tmp",
                "MPLBACKEND": "Agg",
                "MPLCONFIGDIR": "/tmp/.matplotlib",
                "OMP_NUM_THREADS": "1",
            }
        )
        worker.run(
            [
                {
                    "name": module["name"],
                    "path": isolation.submission_path(confinement, module["name"] + ".py"),
                    "probes": module["probes"],
                }
                for module in request["modules"]
            ]
        )
    except BaseException as error:  # the confinement failed: never run student code unconfined
        try:
            message = json.dumps({"event": "sandbox_error", "message": f"{type(error).__name__}: {error}"}) + "\n"
            os.write(worker.RESULT_FD, message.encode())
        except BaseException:
            pass
        code = EXIT_SANDBOX_FAILED
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
    os._exit(code)


def warm_up() -> None:
    """Import what workers need so each fork starts warm, without running a parallel op."""
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    # Imported on first use, in every worker otherwise: symbolic_shapes (and sympy) by backward(grad_tensors=...),
    # 0.4 s; dynamo by torch.func transforms and dispatch modes, 2.6 s.
    import torch._dynamo
    import torch.fx.experimental.symbolic_shapes

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.backends.backend_agg
        import matplotlib.figure
        import matplotlib.pyplot
    except ImportError:
        pass
    import grader.sandbox.probes
    import grader.sandbox.worker  # noqa: F401

    _first_use(torch)

    # Everything above lives as long as the server: keep it out of the collector's sight, so a worker's
    # first full collection neither walks it (0.3 s) nor copies every page it touches.
    gc.collect()
    gc.freeze()


def _first_use(torch: Any) -> None:
    """Pay once, here, what the first use of some torch and matplotlib features costs in every worker.

    The first ``torch.func.hessian`` or ``jvp`` compiles TorchScript decompositions
    (0.9 s); the first figure saved loads fonts. All of it runs on this thread with
    one torch thread, on constants only, and leaves no state a worker could see:
    no open figure, grad mode and default dtype as they were.
    """
    from torch import func

    def polynomial(p: Any) -> Any:
        return p[0] * p[1] + p[0] ** 2 + p[1] ** 3

    point = torch.tensor([1.0, 2.0], dtype=torch.float64)
    func.hessian(polynomial)(point)
    func.jacrev(polynomial)(point)
    func.jvp(polynomial, (point,), (torch.ones_like(point),))
    func.vmap(func.grad(lambda x: torch.sin(x)))(point)
    torch.autograd.functional.jacobian(polynomial, point)
    torch.autograd.gradcheck(torch.sin, (point.clone().requires_grad_(),))
    leaf = torch.tensor(2.0, requires_grad=True)
    (leaf**2).backward()
    try:
        import io

        import matplotlib.figure
    except ImportError:
        return
    figure = matplotlib.figure.Figure(figsize=(2, 2))
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], label="warm")
    axes.set_title("warm")
    axes.legend()
    figure.savefig(io.BytesIO(), format="png")


def main() -> None:
    from grader.sandbox.isolation import become_subreaper, namespaces_available

    requested = os.environ.get("GRADER_ISOLATION", "auto")
    warm_up()
    available = namespaces_available()
    order = ["namespaces", "userns", "process"]
    level = available if requested == "auto" else requested
    if order.index(level) < order.index(available):
        write_frame(
            sys.stdout.buffer, {"event": "error", "message": f"isolation level {requested!r} is not available here (best: {available!r})"}
        )
        return
    become_subreaper()
    server = Server(level)
    server.serve()
    server.reap_remaining()
    # Every job has ended and been reported. Skip the interpreter's teardown of torch (about 2 s that
    # the grader would wait for at exit); nothing is left to flush but stdout.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
