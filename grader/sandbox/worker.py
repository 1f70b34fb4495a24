"""The untrusted side: import a submission's modules one after another and run the probes asked for.

Runs inside the sandboxed process (see :mod:`grader.sandbox.isolation`),
after limits and isolation are in place. One worker grades all of a
submission's exercises: a fork of the warm server costs more than most
exercises' probes, so one per submission instead of one per exercise is what
makes a class fast. Each module's observations are written as JSON lines on
the result descriptor as soon as they are done, after a ``module`` marker
that starts that module's clock in the server; a crash or time-out in one
module keeps everything before it, and the grader starts a new worker for the
modules after it. Before each module the process-wide settings a student
file may change (grad mode, default dtype, anomaly mode, open figures, the
working folder) are put back, so one exercise's side effects do not grade
another.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from typing import Any

import torch

from grader.sandbox.forkserver import OUTPUT_SEPARATOR
from grader.sandbox.plot_probes import PLOT_PROBES, start_clock
from grader.sandbox.probes import PROBES, describe_exception

RESULT_FD = 3
"""The worker's result channel; stdout and stderr only carry the student's prints."""


def _write_line(record: dict[str, Any]) -> None:
    data = (json.dumps(record, allow_nan=False) + "\n").encode()
    view = memoryview(data)
    while view:
        written = os.write(RESULT_FD, view)
        view = view[written:]


def _fresh_state() -> None:
    """Undo what an earlier module may have changed process-wide (best effort: student code is not trusted)."""
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    torch.autograd.set_detect_anomaly(False)
    os.chdir("/tmp" if os.path.isdir("/tmp") else "/")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # a student may have replaced or closed the stream
            stream.flush()


def run_module(index: int, name: str, student_file: str, probes: list[dict[str, Any]]) -> None:
    """Import one student file and answer every probe, one line each."""
    _flush_output()  # what the previous module printed is attributed to it
    if index > 0:
        with contextlib.suppress(OSError):
            os.write(1, OUTPUT_SEPARATOR.format(index=index).encode())
    _write_line({"event": "module", "index": index})
    _fresh_state()
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
    _write_line({"event": "imported", "error": import_error})
    for probe in probes:
        if module is None:
            observation: dict[str, Any] = {"error": import_error, "at_import": True}
        else:
            try:
                operation = PROBES.get(probe["op"]) or PLOT_PROBES[probe["op"]]
                observation = operation(module, student_file, probe)
            except BaseException as error:  # a failure of the probe's own bookkeeping, caused by student objects
                observation = {"error": describe_exception(error, student_file)}
        _write_line({"event": "probe", "id": probe["id"], "observation": observation})
    _write_line({"event": "module_done", "index": index})


def run(modules: list[dict[str, Any]]) -> None:
    """Grade each module in order (``name``, ``path``, ``probes``), then say so."""
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a crash keeps what was printed before it
    for index, module in enumerate(modules):
        run_module(index, module["name"], module["path"], module["probes"])
    _write_line({"event": "done"})
