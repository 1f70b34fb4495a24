"""A job for the sandbox and how it ran: the records both runners share, and the one parse of a job's stream.

A :class:`Job` is what the trusted process asks for (a submission's files, the
modules to grade in order, their limits); a :class:`WorkerRun` is how it ended
and what each module observed, still untrusted data. Every runner (the fork
server's :class:`~grader.sandbox.client.ForkServer`, the portable level's
:class:`~grader.sandbox.portable.PortableRunner`) frames each module the same
way, and :func:`parse_run` reads those frames with the one bounded, in-order
reader of :mod:`grader.sandbox.protocol`, so a grade never depends on where or
at which level a job ran. This module sits below both runners and imports only
the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.sandbox import protocol


@dataclass(frozen=True)
class Module:
    """One student file of a job and the probes to run on it."""

    name: str
    """The exercise id: the file is ``<name>.py`` and is imported under this name."""
    probes: list[dict[str, Any]]
    time_limit: float
    """Wall-clock seconds for this module alone; its clock starts when the worker reaches it."""


@dataclass(frozen=True)
class Job:
    """One worker: a submission's files, the modules to grade in order, and the limits they share."""

    job_id: int
    files: dict[str, str]
    modules: tuple[Module, ...]
    limits: dict[str, Any]
    """``memory_limit_mb``, ``max_processes`` and ``max_output_kb`` (per module)."""


@dataclass(frozen=True)
class ModuleRun:
    """What one module's process observed and how it ended (still untrusted data)."""

    name: str
    import_error: dict[str, Any] | None
    observations: dict[str, dict[str, Any]]
    """Probe id -> observation, in plan order, for every probe the module answered; empty when ``interfered``."""
    completed: bool
    """The module answered every probe of its plan, in order, and said so."""
    output: str
    output_bytes: int
    wall: float
    status: str = "exited"
    """``exited``, ``timeout``, ``output_limit``, ``result_limit`` or ``cancelled``: how this module's process ended."""
    exit_code: int | None = None
    signal: int | None = None
    interfered: bool = False
    """Its result lines broke the protocol (forged, repeated or reordered probe ids, a malformed line): no observation kept."""


@dataclass(frozen=True)
class WorkerRun:
    """How one submission's confinement ended and what each module observed."""

    job_id: int
    status: str
    """``exited``, ``timeout``, ``result_limit``, ``sandbox_error`` or ``cancelled``: how the job as a whole ended."""
    exit_code: int | None
    signal: int | None
    modules: tuple[ModuleRun, ...]
    """The modules the job reached, in order; a job whose supervisor died leaves the later ones unreached."""
    stopped_in: int
    """The last module reached: an abnormal end of the whole job belongs to it."""
    wall: float
    isolation: str
    sandbox_message: str | None = None
    """Why the confinement could not be set up (no student code ran); ``status`` is then ``sandbox_error``."""
    malformed_lines: int = 0
    """Modules whose result lines broke the protocol, plus one if the job stream itself did."""

    said_done: bool = False
    """The supervisor ran every module and said so."""

    @property
    def completed(self) -> bool:
        """Every module of the job answered every probe, and the job ended normally."""
        return self.status == "exited" and self.said_done and all(m.completed for m in self.modules)


def _module_run(job_module: Module, frame: protocol.ModuleFrame) -> ModuleRun:
    lines = protocol.read_module(frame.result, [str(probe["id"]) for probe in job_module.probes])
    return ModuleRun(
        name=job_module.name,
        import_error=lines.import_error,
        observations=lines.observations,
        # An interfered module that exited normally is complete: its checks then fail for want of observations.
        completed=frame.status == "exited" and (lines.completed or (lines.interfered and frame.exit_code == 0)),
        output=frame.output.decode("utf-8", errors="replace"),
        output_bytes=frame.output_bytes,
        wall=frame.wall,
        status=frame.status,
        exit_code=frame.exit_code,
        signal=frame.signal,
        interfered=lines.interfered,
    )


def parse_run(frame: dict[str, Any], stream: bytes, job: Job) -> WorkerRun:
    """Turn the dispatcher's ``finished`` frame and the job's stream into a record (bounded, in order)."""
    read = protocol.read_job_stream(stream, len(job.modules))
    status = str(frame.get("status", "exited"))
    modules = [_module_run(job.modules[f.index], f) for f in read.modules]
    if read.sandbox_error is not None:
        status = "sandbox_error"
    elif not read.done and len(modules) < len(job.modules):
        # The supervisor died (or was stopped) while module k ran: that module ends the way the job did.
        modules.append(
            ModuleRun(
                name=job.modules[len(modules)].name,
                import_error=None,
                observations={},
                completed=False,
                output="",
                output_bytes=0,
                wall=float(frame.get("wall", 0.0)) - sum(m.wall for m in modules),
                status=status,
                exit_code=frame.get("exit_code"),
                signal=frame.get("signal"),
            )
        )
    return WorkerRun(
        job_id=int(frame["job"]),
        status=status,
        exit_code=frame.get("exit_code"),
        signal=frame.get("signal"),
        modules=tuple(modules),
        stopped_in=max(0, len(modules) - 1),
        wall=float(frame.get("wall", 0.0)),
        isolation=str(frame.get("isolation", "unknown")),
        sandbox_message=read.sandbox_error,
        malformed_lines=sum(m.interfered for m in modules) + bool(read.problem),
        said_done=read.done,
    )


__all__ = ["Job", "Module", "ModuleRun", "WorkerRun", "parse_run"]
