"""The sandbox protocol's one reader against forged, truncated, reordered, duplicated, nested and oversized input.

No fork: these feed bytes straight to :mod:`grader.sandbox.protocol`, as a
hostile module process could write them on its result pipe.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.sandbox import protocol
from grader.sandbox.jobs import Job, Module, parse_run

PLAN = ["p1", "p2", "p3"]


def line(record: object) -> bytes:
    return json.dumps(record).encode() + b"\n"


def honest(ids: list[str] = PLAN, done: bool = True) -> bytes:
    lines = [line({"event": "imported", "error": None})]
    lines += [line({"event": "probe", "id": probe_id, "observation": {"calls": [probe_id]}}) for probe_id in ids]
    if done:
        lines.append(line({"event": "module_done"}))
    return b"".join(lines)


def probe(probe_id: str) -> bytes:
    return line({"event": "probe", "id": probe_id, "observation": {"calls": ["forged"]}})


def test_an_honest_module_keeps_every_observation_in_plan_order() -> None:
    module = protocol.read_module(honest(), PLAN)
    assert module.completed and not module.interfered
    assert list(module.observations) == PLAN
    assert module.observations["p2"] == {"calls": ["p2"]}


def test_a_module_cut_short_keeps_the_probes_it_answered_and_is_not_complete() -> None:
    cut = honest(["p1", "p2"], done=False) + b'{"event": "probe", "id": "p3", "observ'
    module = protocol.read_module(cut, PLAN)
    assert not module.completed and not module.interfered
    assert list(module.observations) == ["p1", "p2"]


@pytest.mark.parametrize(
    ("name", "result"),
    [
        ("duplicated", honest(["p1"], done=False) + probe("p1") + probe("p2") + probe("p3") + line({"event": "module_done"})),
        ("reordered", honest(["p2", "p1", "p3"])),
        ("unknown id", honest(["p1", "p2", "p3", "p4"])),
        ("skipped id", honest(["p1", "p3"])),
        ("done too early", honest(["p1"])),
        ("a forged module marker", honest(["p1"], done=False) + line({"event": "module", "index": 1}) + probe("p2") + probe("p3")),
        ("a line after done", honest() + probe("p1")),
        ("a second import line", honest(["p1"], done=False) + line({"event": "imported", "error": None}) + probe("p2")),
        ("not json", honest(["p1"], done=False) + b"this is not json\n"),
        ("a list, not an object", honest(["p1"], done=False) + b"[1, 2]\n"),
        ("an observation that is not an object", honest(["p1"], done=False) + line({"event": "probe", "id": "p2", "observation": 3})),
    ],
)
def test_a_module_that_breaks_the_order_loses_every_observation(name: str, result: bytes) -> None:
    module = protocol.read_module(result, PLAN)
    assert module.interfered, name
    assert module.observations == {}, name


def test_a_deeply_nested_line_is_refused_before_parsing_and_costs_only_its_module() -> None:
    nested = b'{"event": "probe", "id": "p1", "observation": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    module = protocol.read_module(line({"event": "imported", "error": None}) + nested, PLAN)
    assert module.interfered and module.observations == {}
    assert "deeper" in module.problem


def test_nesting_inside_strings_does_not_count_as_depth() -> None:
    text = json.dumps({"message": "[" * 1000 + '\\"{' * 500})
    assert protocol.nesting_depth(text) == 1
    assert protocol.bounded_loads(text)["message"].startswith("[[[")


def test_too_many_lines_are_refused_without_parsing_them() -> None:
    flood = honest(["p1"], done=False) + b"{}\n" * 100_000
    module = protocol.read_module(flood, PLAN)
    assert module.interfered and "result lines" in module.problem


def test_an_oversized_line_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protocol, "MAX_LINE_BYTES", 1000)
    big = line({"event": "probe", "id": "p1", "observation": {"calls": ["x" * 5000]}})
    module = protocol.read_module(line({"event": "imported", "error": None}) + big, PLAN)
    assert module.interfered and module.observations == {}


def test_a_6_mb_type_name_becomes_a_short_string_with_a_marker() -> None:
    forged = {"calls": [{"value": {"type": "unsupported", "type_name": "A" * 6_000_000}}]}
    result = line({"event": "imported", "error": {"type": "E" * 6_000_000, "message": "m" * 6_000_000, "frames": []}})
    result += line({"event": "probe", "id": "p1", "observation": forged})
    module = protocol.read_module(result, PLAN)
    type_name = module.observations["p1"]["calls"][0]["value"]["type_name"]
    assert len(type_name) <= protocol.MAX_STRING + len(protocol.TRUNCATED) and type_name.endswith(protocol.TRUNCATED)
    assert module.import_error is not None
    assert len(json.dumps(module.import_error)) < 3 * (protocol.MAX_STRING + 100)


def test_tensor_payloads_are_not_cut() -> None:
    payload = "A" * (protocol.MAX_STRING * 3)
    record = protocol.bounded_loads(json.dumps({"type": "tensor", "data": payload, "dtype": "float32"}))
    assert record["data"] == payload


def test_a_huge_key_makes_the_line_malformed() -> None:
    with pytest.raises(protocol.ProtocolError):
        protocol.bounded_loads(json.dumps({"k" * 1000: 1}))


def frames(*parts: bytes) -> bytes:
    return b"".join(protocol.encode_frame(part) for part in parts)


def module_frame(index: int, result: bytes = b"", output: bytes = b"", status: str = "exited") -> bytes:
    header = protocol.module_header(index, status, 0, None, 0.1, len(output))
    return protocol.json_frame(header) + frames(result, output)


def test_the_job_stream_is_read_module_by_module_until_done() -> None:
    data = module_frame(0, honest(), b"hello\n") + module_frame(1, b"", b"", "timeout") + protocol.json_frame({"event": "done"})
    stream = protocol.read_job_stream(data, 2)
    assert stream.done and not stream.problem
    assert [m.status for m in stream.modules] == ["exited", "timeout"]
    assert stream.modules[0].output == b"hello\n"


@pytest.mark.parametrize(
    ("name", "data", "kept"),
    [
        ("truncated", module_frame(0)[:-3], 0),
        ("out of order", module_frame(1) + module_frame(0), 0),
        ("repeated", module_frame(0) + module_frame(0), 1),
        ("too many", module_frame(0) + module_frame(1), 1),
        ("unknown status", module_frame(0, status="passed"), 0),
        ("a late sandbox error", module_frame(0) + protocol.json_frame({"event": "sandbox_error", "message": "x"}), 1),
        ("an oversized length", protocol.HEADER.pack(protocol.MAX_FRAME + 1), 0),
    ],
)
def test_a_broken_job_stream_keeps_only_what_came_before_the_break(name: str, data: bytes, kept: int) -> None:
    stream = protocol.read_job_stream(data, 1)
    assert not stream.done and stream.problem, name
    assert len(stream.modules) == kept and stream.sandbox_error is None, name


def test_a_sandbox_error_is_read_only_as_the_first_frame() -> None:
    stream = protocol.read_job_stream(protocol.json_frame({"event": "sandbox_error", "message": "E" * 100_000}), 2)
    assert stream.sandbox_error is not None and len(stream.sandbox_error) < 2100


def test_a_job_whose_supervisor_died_blames_the_module_it_was_running() -> None:
    job = Job(7, {}, (Module("a", [{"id": "p1"}], 1.0), Module("b", [{"id": "p1"}], 1.0), Module("c", [], 1.0)), {})
    finished = {"job": 7, "status": "exited", "exit_code": None, "signal": 9, "wall": 1.0, "isolation": "process"}
    run = parse_run(finished, module_frame(0, honest(["p1"])), job)
    assert [m.name for m in run.modules] == ["a", "b"]
    assert run.modules[0].completed and not run.modules[1].completed
    assert run.modules[1].signal == 9 and run.stopped_in == 1 and not run.said_done


def test_a_job_the_dispatcher_cannot_start_fails_alone_with_its_reason(tmp_path: Path) -> None:
    import io
    import socket

    from grader.sandbox.dispatcher import Dispatcher

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with ours, theirs:
        dispatcher = Dispatcher("process", ours)
        dispatcher.out = io.BytesIO()  # type: ignore[assignment]
        missing = tmp_path / "gone" / "request.json"
        dispatcher._start({"job": 5, "request": str(missing), "modules": 1, "time_limit": 1.0, "max_output": 1024})
        dispatcher._check_jobs()
    assert not dispatcher.jobs
    sent = io.BytesIO(dispatcher.out.getvalue())
    frame = protocol.read_frame(sent)
    stream = protocol.read_raw_frame(sent)
    assert frame is not None and stream is not None and frame["event"] == "finished"
    run = parse_run(frame, stream, Job(5, {}, (Module("a", [], 1.0),), {}))
    assert run.status == "sandbox_error" and run.sandbox_message is not None and "FileNotFoundError" in run.sandbox_message
