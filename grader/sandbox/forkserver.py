"""The fork server: a dispatcher that handles jobs and a pristine warm template that forks them.

Started as ``python -I -m grader.sandbox.forkserver`` by
:class:`grader.sandbox.client.ForkServer`. It is two processes, so that
nothing a job sent or received ever lives in the process later jobs are
forked from (a worker can read all of its own memory, and a fork inherits
its parent's):

the dispatcher (this process, :mod:`grader.sandbox.dispatcher`)
    Speaks length-prefixed frames with the client on stdin/stdout
    (:mod:`grader.sandbox.protocol`). A request names the job's spool file;
    the dispatcher opens it and passes the descriptor, with the write end of
    the job's stream pipe, to the template (``SCM_RIGHTS``). It buffers each
    job's stream, enforces a job-wide deadline as a backstop, and sends the
    client a ``finished`` frame followed by the stream. It never forks a
    worker after its first request.
the template (:mod:`grader.sandbox.template`)
    Forked by :func:`main` at start, before any request exists. It imports
    torch (and numpy and matplotlib, so workers start warm) and nothing of the
    course, and never reads a job: it receives a one-byte order and two
    descriptors, forks the job process (:func:`grader.sandbox.supervisor.run_job`),
    which reads its own request, and reports back only pids and exit statuses.
    torch is set to one thread before any op runs, because a fork after a
    parallel torch op can hang the child.

Inside each job, the confined supervisor forks a fresh process per exercise
(see :mod:`grader.sandbox.supervisor`). This module only picks the level,
forks the template and serves until the client closes its end.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys

from grader.sandbox import protocol
from grader.sandbox.dispatcher import Dispatcher
from grader.sandbox.template import TEMPLATE_MESSAGE, template_main


def main() -> None:
    """Pick the isolation level, fork the template before any request exists, then dispatch until stdin closes."""
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


__all__ = ["main"]


if __name__ == "__main__":
    main()
