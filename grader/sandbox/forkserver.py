"""The fork server: a dispatcher that handles jobs and a pristine warm template that forks them.

Started as ``python -I -m grader.sandbox.forkserver`` by
:class:`grader.sandbox.client.ForkServer`. It is two processes, so that
nothing a job sent or received ever lives in the process later jobs are
forked from (a worker can read all of its own memory, and a fork inherits
its parent's):

the dispatcher (this process)
    Speaks length-prefixed frames with the client on stdin/stdout
    (:mod:`grader.sandbox.protocol`). A request names the job's spool file;
    the dispatcher opens it and passes the descriptor, with the write end of
    the job's stream pipe, to the template (``SCM_RIGHTS``). It buffers each
    job's stream, enforces a job-wide deadline as a backstop, and sends the
    client a ``finished`` frame followed by the stream. It never forks a
    worker after its first request.
the template
    Forked by the dispatcher at start, before any request exists. It imports
    torch (and numpy and matplotlib, so workers start warm) and nothing of the
    course, and never reads a job: it receives a one-byte order and two
    descriptors, forks the job process (:func:`grader.sandbox.supervisor.run_job`),
    which reads its own request, and reports back only pids and exit statuses.
    torch is set to one thread before any op runs, because a fork after a
    parallel torch op can hang the child.

Inside each job, the confined supervisor forks a fresh process per exercise
(see :mod:`grader.sandbox.supervisor`).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from grader.sandbox import protocol

MAX_REQUEST_FRAME = 1024 * 1024
"""A request frame names a spool file and a few numbers; the job itself never passes through here."""
SETUP_MARGIN = 20.0
"""Seconds a job may take besides its modules' time limits (setting up the confinement) before the backstop ends it."""
GRACE = 0.5
"""Seconds to wait for a job's stream to close after its first process was reaped."""
WARM_UP_ENV = "GRADER_WARM_UP"
"""``full`` (the default) or ``light``: how much the template imports and runs before it is ready (see :func:`warm_up`)."""
EXIT_NOT_STARTED = 70
"""The exit code recorded for a job whose process could not be started."""
TEMPLATE_MESSAGE = struct.Struct(">cqq")
"""Dispatcher <-> template: ``F`` (fork a job; two descriptors attached), ``R`` (warm and ready),
``S`` pid (started; its pidfd attached; pid 0 when the fork failed), ``E`` pid status (exited)."""


@dataclass
class RunningJob:
    """Bookkeeping for one job (the dispatcher's side only)."""

    job_id: int
    stream_fd: int
    modules: int
    deadline: float
    started: float
    max_stream: int
    pid: int | None = None
    pidfd: int | None = None
    stream: bytearray = field(default_factory=bytearray)
    stream_open: bool = True
    status: str | None = None
    """Set when the dispatcher ended the job itself: ``timeout``, ``result_limit`` or ``cancelled``."""
    exit_status: int | None = None
    reaped_at: float | None = None


class Dispatcher:
    """Handles the client's requests and the jobs' streams; forks nothing."""

    def __init__(self, level: str, template: socket.socket) -> None:
        self.level = level
        self.template = template
        self.selector = selectors.DefaultSelector()
        self.jobs: dict[int, RunningJob] = {}
        self.awaiting_pid: collections.deque[RunningJob] = collections.deque()
        self.stdin_buffer = bytearray()
        self.stdin_open = True
        self.out = sys.stdout.buffer

    def serve(self) -> None:
        os.set_blocking(0, False)
        self.selector.register(0, selectors.EVENT_READ, "stdin")
        self.selector.register(self.template.fileno(), selectors.EVENT_READ, "template")
        protocol.write_frame(self.out, {"event": protocol.EVENT_READY, "level": self.level, "pid": os.getpid()})
        while self.stdin_open or self.jobs:
            for key, _ in self.selector.select(timeout=self._wait_time()):
                if key.data == "stdin":
                    self._read_requests()
                elif key.data == "template":
                    self._read_template()
                else:
                    self._read_stream(key.data)
            self._check_jobs()

    def _wait_time(self) -> float:
        if not self.jobs:
            return 1.0
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
        if len(self.stdin_buffer) >= protocol.HEADER.size and protocol.HEADER.unpack_from(self.stdin_buffer)[0] > MAX_REQUEST_FRAME:
            raise protocol.ProtocolError("a request frame larger than a request")
        for frame in protocol.split_frames(self.stdin_buffer):
            self._start(protocol.bounded_loads(frame))

    def _start(self, request: dict[str, Any]) -> None:
        """Hand the template the job's spool file and stream pipe; the job's process reads the request itself."""
        started = time.monotonic()
        modules = int(request["modules"])
        job = RunningJob(
            job_id=int(request["job"]),
            stream_fd=-1,
            modules=modules,
            deadline=started + float(request["time_limit"]) + SETUP_MARGIN,
            started=started,
            max_stream=modules * (protocol.MAX_RESULT_BYTES + int(request["max_output"]) + 4096) + 65536,
        )
        self.jobs[job.job_id] = job
        try:
            request_fd = os.open(str(request["request"]), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                stream_r, stream_w = os.pipe()
            except OSError:
                os.close(request_fd)
                raise
        except OSError as error:  # this job cannot start (its spool is gone, no descriptors left): it alone fails
            self._fail_to_start(job, error)
            return
        try:
            socket.send_fds(self.template, [TEMPLATE_MESSAGE.pack(b"F", 0, 0)], [request_fd, stream_w])
        finally:
            os.close(request_fd)
            os.close(stream_w)
        job.stream_fd = stream_r
        os.set_blocking(stream_r, False)
        self.selector.register(stream_r, selectors.EVENT_READ, job)
        self.awaiting_pid.append(job)

    @staticmethod
    def _fail_to_start(job: RunningJob, error: BaseException) -> None:
        message = protocol.cap_text(f"{type(error).__name__}: {error}", 2000)
        job.stream += protocol.json_frame({"event": protocol.EVENT_SANDBOX_ERROR, "message": message})
        job.stream_open = False
        job.exit_status = EXIT_NOT_STARTED << 8
        job.reaped_at = time.monotonic()

    def _read_template(self) -> None:
        message, fds, _, _ = socket.recv_fds(self.template, TEMPLATE_MESSAGE.size, 1)
        if not message:
            raise SystemExit("the template process ended")  # the client sees the server exit: a machine fault, not a student's
        kind, pid, status = TEMPLATE_MESSAGE.unpack(message)
        if kind == b"S":
            job = self.awaiting_pid.popleft()
            if pid <= 0:  # the template could not fork it, and said why on the job's stream
                job.exit_status = EXIT_NOT_STARTED << 8
                job.reaped_at = time.monotonic()
                return
            job.pid = pid
            job.pidfd = fds[0] if fds else None
            if job.status is not None:
                self._kill(job, job.status)
        elif kind == b"E":
            for job in self.jobs.values():
                if job.pid == pid and job.exit_status is None:
                    job.exit_status = status
                    job.reaped_at = time.monotonic()
        for fd in fds[1:]:
            os.close(fd)

    def _read_stream(self, job: RunningJob) -> None:
        for _ in range(64):
            try:
                chunk = os.read(job.stream_fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                self._close_stream(job)
                return
            job.stream += chunk
            if len(job.stream) > job.max_stream:
                self._kill(job, "result_limit")
                self._close_stream(job)
                return

    def _close_stream(self, job: RunningJob) -> None:
        if job.stream_open:
            self.selector.unregister(job.stream_fd)
            os.close(job.stream_fd)
            job.stream_open = False

    def _kill(self, job: RunningJob, status: str) -> None:
        if job.status is None:
            job.status = status
        if job.pid is None or job.exit_status is not None:
            return  # not started yet (killed when its pid arrives) or already reaped
        if job.pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(job.pidfd, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(job.pid, signal.SIGKILL)

    def _check_jobs(self) -> None:
        now = time.monotonic()
        for job in list(self.jobs.values()):
            if job.exit_status is None:
                if now > job.deadline:
                    self._kill(job, "timeout")
                continue
            if job.stream_open and job.reaped_at is not None and now - job.reaped_at < GRACE:
                continue
            if job.stream_open:
                self._read_stream(job)
                self._close_stream(job)
            self._finish(job, now)

    def _finish(self, job: RunningJob, now: float) -> None:
        del self.jobs[job.job_id]
        if job.pidfd is not None:
            os.close(job.pidfd)
        exit_code = os.waitstatus_to_exitcode(job.exit_status or 0)
        header = {
            "event": protocol.EVENT_FINISHED,
            "job": job.job_id,
            "status": job.status or "exited",
            "exit_code": exit_code,
            "signal": -exit_code if exit_code < 0 else None,
            "wall": round(now - job.started, 4),
            "isolation": self.level,
        }
        self.out.write(protocol.json_frame(header) + protocol.encode_frame(bytes(job.stream)))
        self.out.flush()


def template_main(control: socket.socket, level: str) -> NoReturn:
    """The pristine warm template: fork a job process per order, report pids and exits. Never returns.

    It never reads a request, a result or a student's file: what it receives is
    a one-byte order and two descriptors it does not read, so every job process
    starts from the same memory, free of every earlier job.
    """
    from grader.sandbox import isolation

    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # the dispatcher's frames to the client are the dispatcher's alone
    os.close(devnull)
    isolation.die_with_parent()
    warm_up(full=os.environ.get(WARM_UP_ENV, "full") != "light")
    isolation.become_subreaper()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    control.send(TEMPLATE_MESSAGE.pack(b"R", 0, 0))
    selector = selectors.DefaultSelector()
    selector.register(control.fileno(), selectors.EVENT_READ, "control")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    jobs: set[int] = set()
    while True:
        for key, _ in selector.select():
            if key.data == "control":
                _fork_job(control, level, jobs, (wake_r, wake_w))
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 4096)
        _report_exits(control, jobs)


def _fork_job(control: socket.socket, level: str, jobs: set[int], wake: tuple[int, int]) -> None:
    from grader.sandbox import supervisor

    message, fds, _, _ = socket.recv_fds(control, TEMPLATE_MESSAGE.size, 2)
    if not message:  # the dispatcher is gone: so are its jobs
        for pid in jobs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        os._exit(0)
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        return
    try:
        pid = os.fork()
    except OSError as error:  # this job alone fails; the template and every other job go on
        message = protocol.json_frame({"event": protocol.EVENT_SANDBOX_ERROR, "message": f"fork failed: {error.strerror}"})
        with contextlib.suppress(OSError):
            os.write(fds[1], message)
        for fd in fds:
            os.close(fd)
        control.send(TEMPLATE_MESSAGE.pack(b"S", 0, 0))
        return
    if pid == 0:
        signal.set_wakeup_fd(-1)
        control.close()
        for fd in wake:
            os.close(fd)
        supervisor.run_job(level, fds[0], fds[1])
    for fd in fds:
        os.close(fd)
    jobs.add(pid)
    try:
        pidfd = [os.pidfd_open(pid)]
    except OSError:
        pidfd = []
    socket.send_fds(control, [TEMPLATE_MESSAGE.pack(b"S", pid, 0)], pidfd)
    for fd in pidfd:
        os.close(fd)


def _report_exits(control: socket.socket, jobs: set[int]) -> None:
    """Reap every exited child (job processes and orphans handed to this subreaper); report the jobs'."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in jobs:
            jobs.discard(pid)
            control.send(TEMPLATE_MESSAGE.pack(b"E", pid, status))


def warm_up(full: bool = True) -> None:
    """Import what workers need so each fork starts warm, without running a parallel op.

    ``full`` (a class run, a check of every exercise) also pays the first-use costs of
    dynamo, sympy, matplotlib and torch.func once here rather than in every worker. A
    ``grade check`` of one or two exercises skips them (:data:`WARM_UP_ENV` is ``light``):
    about 2 s of CPU on the path to the student's answer, and a worker that needs one of
    them imports it itself.
    """
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    if not full:
        import grader.sandbox.probes
        import grader.sandbox.supervisor
        import grader.sandbox.worker

        gc.collect()
        gc.freeze()
        return
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
    import grader.sandbox.supervisor
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
    from grader.sandbox.isolation import namespaces_available

    requested = os.environ.get("GRADER_ISOLATION", "auto")
    available = namespaces_available()
    order = ["namespaces", "userns", "process"]
    level = available if requested == "auto" else requested
    if order.index(level) < order.index(available):
        message = f"isolation level {requested!r} is not available here (best: {available!r})"
        protocol.write_frame(sys.stdout.buffer, {"event": protocol.EVENT_ERROR, "message": message})
        return
    dispatcher_end, template_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    template = os.fork()
    if template == 0:
        dispatcher_end.close()
        template_main(template_end, level)
    template_end.close()
    ready = dispatcher_end.recv(TEMPLATE_MESSAGE.size)
    if not ready:
        protocol.write_frame(sys.stdout.buffer, {"event": protocol.EVENT_ERROR, "message": "the warm template did not start"})
        return
    Dispatcher(level, dispatcher_end).serve()
    # Every job has ended and been reported. Closing the control socket ends the template; skip the
    # interpreter's teardown (nothing is left to flush but stdout).
    dispatcher_end.close()
    with contextlib.suppress(ChildProcessError):
        os.waitpid(template, 0)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
