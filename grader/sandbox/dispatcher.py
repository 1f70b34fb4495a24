"""The fork server's dispatcher: the process that handles jobs, and forks none.

It speaks length-prefixed frames with the client
(:class:`grader.sandbox.client.ForkServer`) on stdin/stdout
(:mod:`grader.sandbox.protocol`). A request names the job's spool file; the
dispatcher opens it and passes the descriptor, with the write end of the job's
stream pipe, to the warm template (:mod:`grader.sandbox.template`,
``SCM_RIGHTS``), so the job itself never passes through the process later jobs
are forked from. It buffers each job's stream, enforces a job-wide deadline as
a backstop, and sends the client a ``finished`` frame followed by the stream.
"""

from __future__ import annotations

import collections
import contextlib
import os
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from grader.sandbox import protocol
from grader.sandbox.template import TEMPLATE_MESSAGE

MAX_REQUEST_FRAME = 1024 * 1024
"""A request frame names a spool file and a few numbers; the job itself never passes through here."""
SETUP_MARGIN = 20.0
"""Seconds a job may take besides its modules' time limits (setting up the confinement) before the backstop ends it."""
GRACE = 0.5
"""Seconds to wait for a job's stream to close after its first process was reaped."""
EXIT_NOT_STARTED = 70
"""The exit code recorded for a job whose process could not be started."""


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


__all__ = ["EXIT_NOT_STARTED", "GRACE", "MAX_REQUEST_FRAME", "SETUP_MARGIN", "Dispatcher", "RunningJob"]
