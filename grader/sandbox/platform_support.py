"""What this machine allows, and every platform-specific call of the portable level, in one place.

The fork server (:mod:`grader.sandbox.forkserver`) needs Linux: ``fork`` after
torch is imported, ``prctl``, pidfds, and namespaces for its strongest levels.
Students run ``grade check`` on macOS, Windows (no ``fork``), Colab and
containers that refuse namespaces; there the grader falls back to the
``portable`` level (:mod:`grader.sandbox.portable`): a spawned interpreter per
exercise, killed with everything it started at the end. This module is the
only one the portable path asks about the platform: how to start a process in
its own group, how to end that group, which rlimits exist, which environment
variables an interpreter needs. It imports only the standard library and
nothing Linux-only at import time, so it loads everywhere.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from typing import Any

FORK_SERVER_LEVELS = ("namespaces", "userns", "process")
"""The levels the fork server provides, strongest first."""
PORTABLE = "portable"
LEVELS = (*FORK_SERVER_LEVELS, PORTABLE)
"""Every isolation level, strongest first."""
ISOLATION_ENV = "GRADER_ISOLATION"
"""Forces a level (``namespaces``, ``userns``, ``process``, ``portable``) or ``auto``, the default."""


def fork_server_supported() -> bool:
    """The fork server runs on Linux only (``prctl``, pidfds, ``SCM_RIGHTS`` after a fork of a warm torch)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def requested_level() -> str:
    """The level asked for through :data:`ISOLATION_ENV` (``auto`` when unset or empty)."""
    return os.environ.get(ISOLATION_ENV, "").strip() or "auto"


def popen_options() -> dict[str, Any]:
    """Start a child as the first process of its own group, so :func:`kill_tree` reaches what it starts."""
    if os.name == "nt":
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    return {"start_new_session": True}


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """End ``process`` and, on POSIX, every process of its group (what the student's code started)."""
    if os.name == "nt":
        with contextlib.suppress(OSError):
            process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()


def worker_environment(temporary: str, matplotlib_cache: str) -> dict[str, str]:
    """A clean environment for a portable worker: none of the grader's shell variables (tokens, secrets)."""
    environment = {
        "HOME": temporary,
        "TMPDIR": temporary,
        "TEMP": temporary,
        "TMP": temporary,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": matplotlib_cache,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "LANG": "C.UTF-8",
    }
    if os.name == "nt":  # an interpreter on Windows needs these to start (sockets, DLL search, the registry)
        for name in ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "PATH", "PATHEXT", "COMSPEC"):
            if name in os.environ:
                environment[name] = os.environ[name]
    else:
        environment["PATH"] = "/usr/bin:/bin"
    return environment


def limit_self(time_limit: float, memory_limit_mb: int, max_processes: int) -> None:
    """rlimits on this (portable worker) process where the ``resource`` module exists (not on Windows).

    CPU time, no core dumps, bounded files; address space on Linux only (macOS
    does not enforce it and refuses most values); processes on Linux when not root
    (root is exempt from RLIMIT_NPROC, and the count covers every process of the user).
    """
    try:
        import resource
    except ImportError:  # Windows: the wall-clock limit and the output caps of the trusted side remain
        return
    cpu = int(time_limit) + 1
    _set(resource, "RLIMIT_CPU", cpu, cpu + 1)
    _set(resource, "RLIMIT_CORE", 0, 0)
    _set(resource, "RLIMIT_FSIZE", 32 * 1024 * 1024, 32 * 1024 * 1024)
    if sys.platform.startswith("linux"):
        budget = _virtual_memory_bytes() + memory_limit_mb * 1024 * 1024
        _set(resource, "RLIMIT_AS", budget, budget)
    running = _processes_of_user()
    if running is not None and os.geteuid() != 0:
        _set(resource, "RLIMIT_NPROC", max_processes + running, max_processes + running)


def _set(resource: Any, name: str, soft: int, hard: int) -> None:
    """Lower one limit; a limit the platform lacks, or one already lower, is left as it is."""
    limit = getattr(resource, name, None)
    if limit is None:
        return
    _, current_hard = resource.getrlimit(limit)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(limit, (soft, hard))


def _virtual_memory_bytes() -> int:
    """This interpreter's size (torch imported): the memory budget is on top of it."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _processes_of_user() -> int | None:
    """How many processes this user runs (RLIMIT_NPROC counts them all); None without a Linux ``/proc`` (no limit then)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    uid = os.geteuid()
    return sum(1 for entry in entries if entry.isdigit() and _owner(entry) == uid)


def _owner(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def strongest_level() -> str:
    """The strongest level this machine allows: a fork-server level on Linux (tried in a child), else ``portable``."""
    if not fork_server_supported():
        return PORTABLE
    from grader.sandbox.isolation import namespaces_available

    return namespaces_available()
