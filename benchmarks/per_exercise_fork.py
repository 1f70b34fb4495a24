"""CPU cost of a fresh process per exercise: forking a module process from the warm supervisor.

Warms this process the way the fork server's template does (torch, numpy,
matplotlib, the probes), then grades the same small exercise ``--exercises``
times two ways and reports CPU seconds (user + system, this process and its
reaped children) per exercise:

- ``in-process``: the exercise imported and probed in this process (what one
  worker per submission cost before: no fork);
- ``fresh process``: the confined supervisor's path, a module process forked
  per exercise (:class:`grader.sandbox.supervisor.ModuleProcess`, at the
  ``process`` level: the fork, the module's descriptors and rlimits, its pipes
  read by the supervisor, its exit reaped), the same exercise inside.

The difference is the added CPU per exercise. Run alone on a quiet machine:
``python benchmarks/per_exercise_fork.py --exercises 200``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.sandbox import isolation, protocol, supervisor, template, worker
from grader.sandbox.client import _server_environment
from grader.sandbox.wire import encode

EXERCISE = (
    "import torch\n\n"
    "def derivative_square(x0):\n"
    "    x = torch.tensor(float(x0), requires_grad=True)\n"
    "    (x**2).backward()\n"
    "    return x.grad\n"
)


def cpu_seconds() -> float:
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def probes() -> list[dict[str, Any]]:
    return [{"id": f"call-{i}", "op": "call", "entry": "derivative_square", "args": [encode(float(i))], "kwargs": {}} for i in range(3)]


def in_process(path: str, count: int) -> float:
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(protocol.RESULT_FD) if _is_open(protocol.RESULT_FD) else None
    os.dup2(devnull, protocol.RESULT_FD)
    try:
        started = cpu_seconds()
        for _ in range(count):
            worker.run_module("square", path, probes())
        return (cpu_seconds() - started) / count
    finally:
        if saved is not None:
            os.dup2(saved, protocol.RESULT_FD)
        else:
            os.close(protocol.RESULT_FD)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def fresh_processes(root: str, count: int) -> float:
    confinement = isolation.Confinement(
        level="process", job_root=root, uid=0, time_limit=10, memory_limit_mb=1024, max_processes=64, expose=()
    )
    module = {"name": "square", "probes": probes(), "time_limit": 10.0}
    started = cpu_seconds()
    for _ in range(count):
        run = supervisor.ModuleProcess.start(confinement, module, -1, 64 * 1024)
        run.collect()
        lines = protocol.read_module(bytes(run.result), [p["id"] for p in module["probes"]])
        assert lines.completed, (run.status, run.exit_status, bytes(run.output)[-500:])
    return (cpu_seconds() - started) / count


def bare_fork(count: int) -> float:
    """A fork that exits at once, reaped: the part of the cost that is the address space's size alone."""
    started = cpu_seconds()
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    return (cpu_seconds() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", type=int, default=100)
    args = parser.parse_args()
    tunables = _server_environment()["GLIBC_TUNABLES"]
    if os.environ.get("GLIBC_TUNABLES") != tunables:  # measure the fork server's malloc settings, not this shell's
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "GLIBC_TUNABLES": tunables})
    template.warm_up()
    with tempfile.TemporaryDirectory(prefix="per-exercise-fork-") as root:
        folder = Path(root, isolation.SUBMISSION_MOUNT.lstrip("/"))
        folder.mkdir()
        (folder / "square.py").write_text(EXERCISE)
        path = str(folder / "square.py")
        in_process(path, 5)  # first-use costs, paid once by the template in the real server
        fork = fresh_processes(root, args.exercises)
        bare = bare_fork(args.exercises)
        plain = in_process(path, args.exercises)
    print(f"exercises: {args.exercises}")
    print(f"in-process:    {plain * 1000:.2f} ms CPU per exercise")
    print(f"fresh process: {fork * 1000:.2f} ms CPU per exercise")
    print(f"added by the fork: {(fork - plain) * 1000:.2f} ms CPU per exercise")
    print(f"  of which a bare fork + exit + reap of the warm process: {bare * 1000:.2f} ms")


if __name__ == "__main__":
    main()
