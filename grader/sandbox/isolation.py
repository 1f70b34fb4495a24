"""Confinement of one submission: namespaces, a whitelisted filesystem, limits.

Three steps, each in its own process (see :mod:`grader.sandbox.supervisor`):
:func:`confine_job` (namespaces and the tmpfs root, sized from the submission
by :func:`root_size_for`), once per submission; :func:`confine_supervisor`
(chroot, the unprivileged uid, not dumpable) in the supervisor that forks the
module processes; :func:`confine_module` (rlimits with the module's own CPU
time, no capabilities) in each module's fresh process, before any student
import.

Levels, strongest first (the level used is recorded in every result):

``namespaces``
    Linux, running as root: new mount, PID, network, IPC and UTS namespaces;
    the worker is chrooted into a fresh tmpfs that holds read-only binds of the
    system directories, the Python installation, the grader package and the one
    submission folder, plus a private ``/tmp``. It then drops to an unprivileged
    uid (so RLIMIT_NPROC applies; it is not enforced for root). Killing the
    namespace's first process kills every process the student started.
``userns``
    Linux without root but with user namespaces: the same view of the
    filesystem and the same namespaces, without the uid change; module
    processes run as the namespace's uid 0 with every capability dropped.
``process``
    Elsewhere: a separate process in its own session with rlimits only. It can
    read what the grader's user can read and reach the network; the README
    says what that means.

Why a whitelist rather than hiding secrets: the course's solutions, its
``course.yaml``, other submissions and the grader's output are simply absent
from the worker's filesystem, whatever the paths are.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_NO_NEW_PRIVS = 38
SECBIT_NOROOT = 1
SECBIT_NOROOT_LOCKED = 2
CAPABILITY_VERSION_3 = 0x20080522
PR_SET_CHILD_SUBREAPER = 36

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "random", "urandom")
SUBMISSION_MOUNT = "/submission"
"""Where the student's files appear inside the sandbox (and in students' tracebacks)."""

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


@dataclass(frozen=True)
class Confinement:
    """Everything the child needs to confine itself, decided by the fork server."""

    level: str
    job_root: str
    """An empty host directory used as the mount point of the worker's root."""
    uid: int
    time_limit: float
    memory_limit_mb: int
    max_processes: int
    expose: tuple[str, ...] = field(default_factory=tuple)
    """Extra host directories shown read-only at the same path (the Python installation)."""
    root_size: int = 16 * 1024 * 1024
    """Bytes of the tmpfs root: sized from the submission (see :func:`root_size_for`)."""


ROOT_MARGIN = 4 * 1024 * 1024
"""What the root needs besides the submission's files: directories, mount points and device nodes."""
MAX_ROOT_SIZE = 256 * 1024 * 1024
"""The largest root a submission gets, whatever it sent (the trusted side caps a submission's total well below)."""


def root_size_for(files: dict[str, str]) -> int:
    """The tmpfs root for a submission: its files' bytes (tmpfs rounds each up to a page) plus a fixed margin, bounded."""
    page = 4096
    needed = sum(-(-len(text.encode("utf-8")) // page) * page + page for text in files.values())
    return min(MAX_ROOT_SIZE, needed + ROOT_MARGIN)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            None if source is None else source.encode(),
            target.encode(),
            None if fstype is None else fstype.encode(),
            ctypes.c_ulong(flags),
            None if data is None else data.encode(),
        ),
        f"mount {target}",
    )


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


def become_subreaper() -> None:
    """Make orphaned descendants this process's children, so it can reap them itself.

    When a job is killed, its supervisor can die before the PID namespace's first
    process; that process is then orphaned, and without this it would wait as a
    zombie for the machine's init to reap it, after the grader has finished.
    """
    if sys.platform.startswith("linux"):
        _check(_libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl")


def python_paths() -> tuple[str, ...]:
    """Directories the interpreter needs: its prefixes and the site-packages on ``sys.path``.

    Only paths under an installation prefix are taken from ``sys.path``: an
    editable install puts the project folder (with ``solutions/``) on it,
    and that must stay out of the worker's view.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths = set(prefixes)
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and any(real.startswith(prefix + os.sep) for prefix in prefixes):
            paths.add(real)
    package_dir = os.path.realpath(os.path.join(os.path.dirname(__file__), os.pardir))
    paths.add(package_dir)
    executable = os.path.realpath(sys.executable)
    paths.add(os.path.dirname(executable))
    return tuple(sorted(paths))


def _bind_readonly(source: str, target: str) -> None:
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _mkdirs(root: str, path: str) -> str:
    target = root + path
    os.makedirs(target, exist_ok=True)
    return target


def write_files(folder: str, files: dict[str, str]) -> None:
    """Snapshot the student's sources (already read and parsed by the trusted process)."""
    os.makedirs(folder, mode=0o755, exist_ok=True)
    for name, source in files.items():
        if os.sep in name or name.startswith("."):
            raise ValueError(f"unsafe file name {name!r}")
        path = os.path.join(folder, name)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(source)


def build_root(confinement: Confinement, files: dict[str, str]) -> None:
    """Populate the tmpfs root (in this process's private mount namespace)."""
    root = confinement.job_root
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    size = f"size={confinement.root_size},mode=755"
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, size)
    # The private /tmp first: binds below may live under /tmp (a checkout or venv there) and must stay visible.
    mount("tmpfs", _mkdirs(root, "/tmp"), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            _bind_readonly(path, _mkdirs(root, path))
    for path in confinement.expose:
        if any(path == d or path.startswith(d + os.sep) for d in SYSTEM_DIRS if not os.path.islink(d)):
            continue
        if os.path.isdir(path):
            _bind_readonly(path, _mkdirs(root, path))
    for name in DEVICES:
        target = root + "/dev/" + name
        os.makedirs(root + "/dev", exist_ok=True)
        with open(target, "w"):
            pass
        mount("/dev/" + name, target, None, MS_BIND)
    write_files(root + SUBMISSION_MOUNT, files)
    os.makedirs(root + "/proc", exist_ok=True)
    os.makedirs(root + "/dev/shm", exist_ok=True)
    mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=1777")
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, size)


def enter_root(confinement: Confinement) -> None:
    """In the namespace's first process: a private /proc, then chroot."""
    root = confinement.job_root
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chroot(root)
    os.chdir("/tmp")


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _virtual_memory_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def not_dumpable() -> None:
    """No core dumps, no ptrace and no ``/proc/<pid>/fd`` or ``mem`` of this process for a same-uid process.

    The confined supervisor calls it: the module processes it forks run as its
    uid, and must not reach its descriptors (the job stream) or its memory.
    """
    if sys.platform.startswith("linux"):
        _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")


def dumpable() -> None:
    """A module process reads its own ``/proc/self`` as before (the flag is inherited from the supervisor)."""
    if sys.platform.startswith("linux"):
        _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl")


def drop_capabilities() -> None:
    """A module process that runs as uid 0 (``userns``, or ``process`` under root) gives up every capability.

    Without ``CAP_SYS_PTRACE`` it cannot read the non-dumpable supervisor's
    descriptors or memory, although it shares its uid; the bounding set and
    ``SECBIT_NOROOT`` keep ``execve`` from handing the capabilities back.
    """
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return
    _check(_libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0), "prctl")
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")


def apply_limits(confinement: Confinement, processes: bool, time_limit: float | None = None) -> None:
    """rlimits: memory relative to the warm interpreter's size, CPU time, files, output."""
    cpu = int(confinement.time_limit if time_limit is None else time_limit) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if sys.platform.startswith("linux"):
        budget = _virtual_memory_bytes() + confinement.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024 * 1024, 32 * 1024 * 1024))
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (confinement.max_processes, confinement.max_processes))


def namespaces_available() -> str:
    """The strongest level this machine allows, found by trying it in a throwaway child."""
    if not sys.platform.startswith("linux"):
        return "process"
    for level in ("namespaces", "userns"):
        if level == "namespaces" and os.geteuid() != 0:
            continue
        pid = os.fork()
        if pid == 0:
            try:
                flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                if level == "userns":
                    _enter_user_namespace()
                    flags &= ~CLONE_NEWUSER
                unshare(flags)
                mount(None, "/", None, MS_REC | MS_PRIVATE)
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            return level
    return "process"


def _enter_user_namespace() -> None:
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")


def confine_job(confinement: Confinement, files: dict[str, str]) -> None:
    """Step one, in the job's first process: namespaces and the root filesystem.

    The caller then forks: the child is the first process of the new PID
    namespace (the confined supervisor) and calls :func:`confine_supervisor`.
    """
    os.setsid()
    die_with_parent()
    if confinement.level == "process":
        write_files(os.path.join(confinement.job_root, SUBMISSION_MOUNT.lstrip("/")), files)
        return
    if confinement.level == "userns":
        _enter_user_namespace()
    unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    build_root(confinement, files)


def confine_supervisor(confinement: Confinement) -> None:
    """Step two, in the confined supervisor (the PID namespace's first process): root, uid, no ptrace.

    Everything a module process shares with its siblings is set here once;
    what is per module (rlimits, the CPU time) is set by :func:`confine_module`.
    """
    die_with_parent()
    if confinement.level != "process":
        enter_root(confinement)
    else:
        os.chdir(confinement.job_root)
    if confinement.level == "namespaces":
        drop_privileges(confinement.uid)
    not_dumpable()


def confine_module(confinement: Confinement, time_limit: float) -> None:
    """Step three, in each module's fresh process before any student import: its own limits."""
    die_with_parent()
    if confinement.level == "process":
        os.setsid()  # its own process group, so the supervisor can end everything the module started
    dumpable()
    processes = confinement.level == "namespaces" or os.geteuid() != 0
    apply_limits(confinement, processes=processes, time_limit=time_limit)
    drop_capabilities()


def submission_path(confinement: Confinement, file_name: str) -> str:
    """Where the worker finds the student's file."""
    if confinement.level == "process":
        return os.path.join(confinement.job_root, SUBMISSION_MOUNT.lstrip("/"), file_name)
    return f"{SUBMISSION_MOUNT}/{file_name}"
