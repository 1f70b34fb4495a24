"""The ``portable`` level's child: one exercise in a fresh interpreter, ``python -I -m grader.sandbox.portable_worker``.

Spawned once per module by the trusted runner (:mod:`grader.sandbox.portable`),
this process imports the student's file, so it belongs to the confined side:
it imports only the standard library, the wire (:mod:`grader.sandbox.protocol`),
the platform's limits (:mod:`grader.sandbox.platform_support`) and the worker
every level shares (:func:`grader.sandbox.worker.run_module`), never the
grader's trusted modules. It reads its request on stdin, moves its result
lines to :data:`~grader.sandbox.protocol.RESULT_FD` and the student's prints
to stderr before any student import, limits itself, says :data:`READY`, and
runs the worker.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from grader.sandbox import platform_support, protocol

MAX_REQUEST = 256 * 1024 * 1024
"""The largest request a portable worker reads from its stdin."""
READY = b"R"
"""The portable worker's first byte on its result pipe: torch is imported, the student's import comes next."""


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


__all__ = ["MAX_REQUEST", "READY", "main"]


if __name__ == "__main__":
    main()
