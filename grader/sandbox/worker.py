"""The untrusted side: import one student module in its own fresh process and run the probes asked for.

Runs inside a module process forked by the confined supervisor
(:mod:`grader.sandbox.supervisor`) after the confinement and the module's own
limits are in place, and before any student import: a fresh process per
exercise, so whatever a student file changes process-wide (builtins, numpy's
error state, RNG seeds, torch flags, patched functions, ``sys.modules``) ends
with its process and never reaches another exercise. Observations are written
as JSON lines on :data:`~grader.sandbox.protocol.RESULT_FD` as soon as each is
done, so a crash keeps every probe answered before it; the supervisor frames
them for the trusted side, which reads them with
:func:`grader.sandbox.protocol.read_module`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from typing import Any

from grader.sandbox.plot_probes import PLOT_PROBES, start_clock
from grader.sandbox.probes import PROBES, describe_exception
from grader.sandbox.protocol import EVENT_IMPORTED, EVENT_MODULE_DONE, EVENT_PROBE, RESULT_FD


def _write_line(record: dict[str, Any]) -> None:
    data = (json.dumps(record, allow_nan=False) + "\n").encode()
    view = memoryview(data)
    while view:
        written = os.write(RESULT_FD, view)
        view = view[written:]


def run_module(name: str, student_file: str, probes: list[dict[str, Any]]) -> None:
    """Import one student file and answer every probe, one line each, in plan order."""
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a crash keeps what was printed before it
    os.chdir("/tmp" if os.path.isdir("/tmp") else "/")
    start_clock()
    submission_dir = os.path.dirname(student_file)
    if submission_dir not in sys.path:
        sys.path.append(submission_dir)  # appended: a student file named torch.py cannot shadow torch
    module = None
    import_error = None
    try:
        spec = importlib.util.spec_from_file_location(name, student_file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {student_file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except BaseException as error:  # the student's import may raise anything
        import_error = describe_exception(error, student_file)
        module = None  # half-imported: every probe reports the import's error, not "does not define ..."
    _write_line({"event": EVENT_IMPORTED, "error": import_error})
    for probe in probes:
        if module is None:
            observation: dict[str, Any] = {"error": import_error, "at_import": True}
        else:
            try:
                operation = PROBES.get(probe["op"]) or PLOT_PROBES[probe["op"]]
                observation = operation(module, student_file, probe)
            except BaseException as error:  # a failure of the probe's own bookkeeping, caused by student objects
                observation = {"error": describe_exception(error, student_file)}
        _write_line({"event": EVENT_PROBE, "id": probe["id"], "observation": observation})
    _flush_output()
    _write_line({"event": EVENT_MODULE_DONE})


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # a student may have replaced or closed the stream
            stream.flush()


__all__ = ["run_module"]
