"""The untrusted side: import one student module and run the probes asked for.

Runs inside the sandboxed process (see :mod:`grader.sandbox.isolation`),
after limits and isolation are in place. Each probe's observation is written
as one JSON line on the result descriptor as soon as it is done, so a crash
in a later probe keeps the earlier observations.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

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


def run(job: dict[str, Any]) -> None:
    """Import the student's file and answer every probe, one line each."""
    start_clock()
    student_file = job["module_path"]
    submission_dir = os.path.dirname(student_file)
    if submission_dir not in sys.path:
        sys.path.append(submission_dir)  # appended: a student file named torch.py cannot shadow torch
    module = None
    import_error = None
    try:
        spec = importlib.util.spec_from_file_location(job["module_name"], student_file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {student_file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[job["module_name"]] = module
        spec.loader.exec_module(module)
    except BaseException as error:  # the student's import may raise anything
        import_error = describe_exception(error, student_file)
    _write_line({"event": "imported", "error": import_error})
    for probe in job["probes"]:
        if module is None:
            observation: dict[str, Any] = {"error": import_error, "at_import": True}
        else:
            try:
                operation = PROBES.get(probe["op"]) or PLOT_PROBES[probe["op"]]
                observation = operation(module, student_file, probe)
            except BaseException as error:  # a failure of the probe's own bookkeeping, caused by student objects
                observation = {"error": describe_exception(error, student_file)}
        _write_line({"event": "probe", "id": probe["id"], "observation": observation})
    _write_line({"event": "done"})
