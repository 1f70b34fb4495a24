"""The sandbox's wire protocol in one place: frames, module frames, event names and one bounded reader.

Three hops carry a job and its results, and each speaks what this module defines:

``client <-> dispatcher`` (the fork server's stdin/stdout)
    Length-prefixed frames (:func:`write_frame`, :func:`read_frame`). A request
    names the job's spool file; a ``finished`` frame is followed by one raw
    frame: the job stream below, as the dispatcher received it.
``confined supervisor -> dispatcher`` (the job stream)
    Written only by the supervisor that runs inside a submission's confinement
    (see :mod:`grader.sandbox.supervisor`), never by student code: no module
    process holds this descriptor. Per module the supervisor writes a
    ``module`` header frame (how the module's process ended, its wall time)
    followed by two raw frames: everything the module wrote on its own result
    pipe, and what it printed. The supervisor frames the module boundaries
    itself, so a module cannot forge another module's lines or markers.
``module process -> supervisor`` (the module's result pipe, :data:`RESULT_FD`)
    JSON lines written by :mod:`grader.sandbox.worker`: ``imported``, one
    ``probe`` line per probe in plan order, ``module_done``. Student code can
    write here too, so :func:`read_module` trusts nothing: it bounds size, line
    count and nesting depth before parsing, caps every string, and a module
    whose probe ids come back duplicated, unknown or out of plan order is
    marked *interfered* and loses every observation (the judge then fails each
    of its checks, rather than letting a forged or partial line pass).

This module imports only the standard library: the worker, the supervisor,
the dispatcher and the client all import it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

HEADER = struct.Struct(">I")
"""Every frame starts with its length as a 4-byte big-endian unsigned integer."""
MAX_FRAME = 256 * 1024 * 1024
"""The largest frame any hop accepts."""
RESULT_FD = 3
"""A module process's result pipe; its stdout and stderr only carry the student's prints."""

MAX_RESULT_BYTES = 64 * 1024 * 1024
"""What one module may write on its result pipe; more ends the module with ``result_limit``."""
MAX_LINE_BYTES = MAX_RESULT_BYTES
"""The longest result line parsed (one observation may carry a large tensor)."""
EXTRA_LINES = 3
"""Lines a module writes besides one per probe: ``imported``, ``module_done`` and room for one more."""
MAX_DEPTH = 64
"""The deepest nesting of brackets a result line may have (a probe's observation needs about 20)."""
MAX_STRING = 10_000
"""The longest string kept from a worker, except the base64 payloads named in :data:`PAYLOAD_KEYS`."""
MAX_KEY = 200
"""The longest dict key accepted; a longer one makes the line malformed."""
PAYLOAD_KEYS = frozenset({"data", "png"})
"""Keys whose string is a base64 payload whose size the decoder checks (tensor bytes, a PNG)."""
TRUNCATED = "... [truncated]"

# Events of the job stream (supervisor -> dispatcher).
EVENT_MODULE = "module"
EVENT_DONE = "done"
EVENT_SANDBOX_ERROR = "sandbox_error"
# Events of a module's result lines (module process -> supervisor).
EVENT_IMPORTED = "imported"
EVENT_PROBE = "probe"
EVENT_MODULE_DONE = "module_done"
# Frames of the fork server's stdout (dispatcher -> client).
EVENT_READY = "ready"
EVENT_FINISHED = "finished"
EVENT_ERROR = "error"

MODULE_STATUSES = frozenset({"exited", "timeout", "output_limit", "result_limit"})
"""How the supervisor says a module's process ended."""


class ProtocolError(ValueError):
    """Bytes that do not follow the protocol: a forged, truncated or oversized frame or line."""


def encode_frame(payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(payload)} bytes exceeds {MAX_FRAME}")
    return HEADER.pack(len(payload)) + payload


def json_frame(message: dict[str, Any]) -> bytes:
    return encode_frame(json.dumps(message).encode())


def write_frame(stream: IO[bytes], message: dict[str, Any]) -> None:
    stream.write(json_frame(message))
    stream.flush()


def write_raw_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(encode_frame(payload))
    stream.flush()


def read_raw_frame(stream: IO[bytes]) -> bytes | None:
    """One frame's bytes, or None at (or within) the end of the stream."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME:
        raise ProtocolError(f"frame of {length} bytes exceeds {MAX_FRAME}")
    data = stream.read(length)
    return data if len(data) == length else None


def read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    """One JSON frame from a trusted peer, or None at end of stream."""
    data = read_raw_frame(stream)
    if data is None:
        return None
    message = json.loads(data)
    if type(message) is not dict:
        raise ProtocolError("a frame is not a JSON object")
    return message


def split_frames(buffer: bytearray) -> Iterator[bytes]:
    """Take every complete frame off the front of ``buffer`` (what is left is an incomplete one)."""
    while len(buffer) >= HEADER.size:
        (length,) = HEADER.unpack_from(buffer)
        if length > MAX_FRAME:
            raise ProtocolError(f"frame of {length} bytes exceeds {MAX_FRAME}")
        if len(buffer) < HEADER.size + length:
            return
        frame = bytes(buffer[HEADER.size : HEADER.size + length])
        del buffer[: HEADER.size + length]
        yield frame


def nesting_depth(text: str) -> int:
    """How deeply brackets nest in a JSON text, counted without recursion (strings are skipped)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return min(MAX_DEPTH, text.count("[") + text.count("{"))
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def bounded_loads(line: bytes | str) -> Any:
    """Parse one worker line within the bounds (size, depth) and cap its strings.

    Raises :class:`ProtocolError` for anything out of bounds or not JSON; the
    depth is checked before ``json.loads`` ever sees the text, because a
    line of 100k nested brackets makes the parser raise ``RecursionError``.
    """
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"a line of {len(line)} bytes (limit {MAX_LINE_BYTES})")
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
    if nesting_depth(text) > MAX_DEPTH:
        raise ProtocolError(f"a line nested deeper than {MAX_DEPTH}")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"a line that is not JSON ({type(error).__name__})") from None
    return cap_strings(value)


def cap_strings(value: Any, key: str = "") -> Any:
    """``value`` with every string cut to :data:`MAX_STRING` (and a marker), payloads under :data:`PAYLOAD_KEYS` aside."""
    if isinstance(value, str):
        if len(value) > MAX_STRING and key not in PAYLOAD_KEYS:
            return value[:MAX_STRING] + TRUNCATED
        return value
    if isinstance(value, list):
        return [cap_strings(item) for item in value]
    if isinstance(value, dict):
        if any(len(name) > MAX_KEY for name in value):
            raise ProtocolError(f"a key longer than {MAX_KEY} characters")
        return {name: cap_strings(item, name) for name, item in value.items()}
    return value


def cap_text(text: object, limit: int = MAX_STRING) -> str:
    """A worker-supplied string for a record or a message, never longer than ``limit`` (plus a marker)."""
    string = text if isinstance(text, str) else str(text)
    return string if len(string) <= limit else string[:limit] + TRUNCATED


@dataclass
class ModuleLines:
    """What one module's result pipe said, read in order against the module's plan."""

    import_error: dict[str, Any] | None = None
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Probe id -> observation, in plan order; empty when ``interfered``."""
    completed: bool = False
    """Every probe of the plan was answered, in order, and the module said it was done."""
    interfered: bool = False
    """The lines broke the protocol (a duplicated, unknown or out-of-order probe id, a malformed line)."""
    problem: str = ""
    """Why the module counts as interfered (for the instructor's records; never student text)."""


def read_module(result: bytes, probe_ids: list[str]) -> ModuleLines:
    """The one in-order reader of a module's result lines, with bounds.

    Probes must come back at most once each, only ids of the plan, in plan
    order; a module that stopped early keeps the prefix it answered. Anything
    else marks the module interfered and drops every observation it made.
    """
    lines = result.split(b"\n")
    lines.pop()  # empty after a final newline, or a line cut short by the module's end: never read
    module = ModuleLines()
    if len(lines) > len(probe_ids) + EXTRA_LINES:
        return _interfered(module, f"{len(lines)} result lines for {len(probe_ids)} probes")
    expected = iter(probe_ids)
    imported = False
    for line in lines:
        try:
            record = bounded_loads(line)
        except ProtocolError as error:
            return _interfered(module, str(error))
        event = record.get("event") if type(record) is dict else None
        if module.completed:
            return _interfered(module, "a line after module_done")
        if event == EVENT_IMPORTED and not imported:
            imported = True
            raised = record.get("error")
            module.import_error = raised if type(raised) is dict else None
        elif event == EVENT_PROBE and imported:
            observation = record.get("observation")
            if record.get("id") != next(expected, None) or type(observation) is not dict:
                return _interfered(module, "a probe id out of plan order, repeated or unknown, or a malformed observation")
            module.observations[record["id"]] = observation
        elif event == EVENT_MODULE_DONE and imported:
            if len(module.observations) != len(probe_ids):
                return _interfered(module, "module_done before every probe was answered")
            module.completed = True
        else:
            return _interfered(module, f"an unexpected line (event {cap_text(event, 40)!r})")
    return module


def _interfered(module: ModuleLines, problem: str) -> ModuleLines:
    return ModuleLines(import_error=module.import_error, observations={}, completed=module.completed, interfered=True, problem=problem)


@dataclass(frozen=True)
class ModuleFrame:
    """One module as the supervisor framed it: how its process ended and what it wrote."""

    index: int
    status: str
    """``exited``, ``timeout``, ``output_limit`` or ``result_limit``."""
    exit_code: int | None
    signal: int | None
    wall: float
    result: bytes
    output: bytes
    output_bytes: int
    """Everything the module printed, counted; ``output`` keeps at most the module's cap."""


@dataclass
class JobStream:
    """The job stream of one submission's confinement, read in order."""

    modules: list[ModuleFrame] = field(default_factory=list)
    done: bool = False
    """The supervisor ran every module and said so."""
    sandbox_error: str | None = None
    """Setting up the confinement failed before any student code ran (the reason)."""
    problem: str = ""
    """The stream broke the protocol (truncated, forged or out of order): what was read before it is kept."""


def module_header(index: int, status: str, exit_code: int | None, signal: int | None, wall: float, output_bytes: int) -> dict[str, Any]:
    return {
        "event": EVENT_MODULE,
        "index": index,
        "status": status,
        "exit_code": exit_code,
        "signal": signal,
        "wall": round(wall, 4),
        "output_bytes": output_bytes,
    }


def read_job_stream(data: bytes, modules: int) -> JobStream:
    """Read the supervisor's frames in order: module 0, 1, ... then ``done``; stop at the first frame out of place."""
    stream = JobStream()
    buffer = bytearray(data)
    try:
        frames = list(split_frames(buffer))
    except ProtocolError as error:
        stream.problem = str(error)
        return stream
    if buffer:
        stream.problem = "the stream ends inside a frame"
    position = 0
    while position < len(frames):
        try:
            header = bounded_loads(frames[position])
        except ProtocolError as error:
            stream.problem = str(error)
            return stream
        event = header.get("event") if type(header) is dict else None
        if event == EVENT_SANDBOX_ERROR and not stream.modules and position == 0:
            stream.sandbox_error = cap_text(header.get("message", ""), 2000)
            return stream
        if event == EVENT_DONE and len(stream.modules) == modules:
            stream.done = True
            return stream
        frame = _module_frame(header, frames[position + 1 : position + 3], len(stream.modules))
        if frame is None or len(stream.modules) >= modules:
            stream.problem = f"frame {position} is not module {len(stream.modules)}'s"
            return stream
        stream.modules.append(frame)
        position += 3
    return stream


def _module_frame(header: Any, payloads: list[bytes], index: int) -> ModuleFrame | None:
    if type(header) is not dict or header.get("event") != EVENT_MODULE or header.get("index") != index or len(payloads) != 2:
        return None
    status, exit_code, signal, wall, output_bytes = (header.get(k) for k in ("status", "exit_code", "signal", "wall", "output_bytes"))
    if status not in MODULE_STATUSES or not _optional_int(exit_code) or not _optional_int(signal):
        return None
    if not isinstance(wall, int | float) or type(output_bytes) is not int:
        return None
    return ModuleFrame(index, str(status), exit_code, signal, float(wall), payloads[0], payloads[1], output_bytes)


def _optional_int(value: object) -> bool:
    return value is None or type(value) is int


__all__ = [
    "EVENT_DONE",
    "EVENT_FINISHED",
    "EVENT_IMPORTED",
    "EVENT_MODULE",
    "EVENT_MODULE_DONE",
    "EVENT_PROBE",
    "EVENT_READY",
    "EVENT_SANDBOX_ERROR",
    "HEADER",
    "MAX_FRAME",
    "RESULT_FD",
    "JobStream",
    "ModuleFrame",
    "ModuleLines",
    "ProtocolError",
    "bounded_loads",
    "cap_text",
    "read_frame",
    "read_job_stream",
    "read_module",
    "split_frames",
    "write_frame",
]
