"""The fork server's warm template: the pristine process every job process is forked from.

Forked by the fork server (:mod:`grader.sandbox.forkserver`) at start, before
any request exists. It imports torch (and numpy and matplotlib, so workers
start warm) and nothing of the course, and never reads a job: it receives a
one-byte order and two descriptors from the dispatcher
(:mod:`grader.sandbox.dispatcher`), forks the job process
(:func:`grader.sandbox.supervisor.run_job`), which reads its own request, and
reports back only pids and exit statuses. So every job process starts from the
same memory, free of every earlier job (a worker can read all of its own
memory, and a fork inherits its parent's). torch is set to one thread before
any op runs, because a fork after a parallel torch op can hang the child.
"""

from __future__ import annotations

import contextlib
import gc
import os
import selectors
import signal
import socket
import struct
from typing import Any, NoReturn

from grader.sandbox import protocol

WARM_UP_ENV = "GRADER_WARM_UP"
"""``full`` (the default) or ``light``: how much the template imports and runs before it is ready (see :func:`warm_up`)."""
TEMPLATE_MESSAGE = struct.Struct(">cqq")
"""Dispatcher <-> template: ``F`` (fork a job; two descriptors attached), ``R`` (warm and ready),
``S`` pid (started; its pidfd attached; pid 0 when the fork failed), ``E`` pid status (exited)."""


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


__all__ = ["TEMPLATE_MESSAGE", "WARM_UP_ENV", "template_main", "warm_up"]
