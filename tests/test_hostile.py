"""Hostile submissions against the real ``grade run`` command.

One temporary class holds one submission per attack (``tests/hostile/<attack>.py`` becomes
that submission's ``square.py``, next to a correct ``chain_rule.py`` copied from
``solutions/``). The class is graded once, by the real command line, and each test reads
the gradebook and the per-submission JSON.

Safety by construction (this runs as root on CI): every destructive action in a case
targets only the test's own tmp folder (``{{TMP}}``); every resource grab is bounded
(fixed process counts, children that exit by themselves within seconds, a fixed
allocation size, a finite ``sleep`` as the daemon); nothing aims at ``/``, the repository
or a parent of either. Every case renames its process (``prctl(PR_SET_NAME)``) and every
spawned ``sleep`` carries a unique argument, so a survivor is recognisable in ``/proc``;
the module's teardown fails if one survives (and ends it, by its pid).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from grade_command import REPO, Outcome, gradebook_by_submission, record_paths, records_by_file, run_grade

CASES = Path(__file__).resolve().parent / "hostile"
TIME_LIMIT = 4
RUN_TIMEOUT = 600

# attack -> the points it deserves for square (4 = answers correctly once the attack is over)
SQUARE_POINTS = {
    "infinite_loop": 0,
    "ignore_sigterm": 0,
    "exit_at_import": 0,
    "exit_code_70": 0,
    "forged_sandbox_error": 0,
    "sys_exit_in_call": 0,
    "keyboard_interrupt_in_call": 0,
    "segfault": 0,
    "recursion": 0,
    "memory_4gib": 0,
    "fork_bomb": 4,
    "daemon": 4,
    "files_outside": 4,
    "read_solutions": 0,
    "network": 4,
    "print_flood": 0,
    "tensor_subclass": 0,
    "lying_object": 0,
    "patched_comparisons": 0,
    "patched_builtins": 0,
    "frame_gc_inspection": 0,
    "steal_secret": 0,
}
ATTACKS = sorted(SQUARE_POINTS)
VICTIM_TEXT = "the victim's original text, which no submission may change\n"


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that records every connection (bounded: stops on request or after RUN_TIMEOUT)."""

    sock: socket.socket
    udp: socket.socket
    stop: threading.Event = field(default_factory=threading.Event)
    connections: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)
    thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def serve(self) -> None:
        deadline = time.monotonic() + RUN_TIMEOUT + 60
        self.sock.settimeout(0.25)
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                connection, address = self.sock.accept()
            except TimeoutError:
                with contextlib.suppress(BlockingIOError, OSError):
                    self.received.append(self.udp.recvfrom(4096)[0])
                continue
            except OSError:
                return
            self.connections.append(str(address))
            with connection:
                connection.settimeout(2)
                with contextlib.suppress(OSError):
                    self.received.append(connection.recv(4096))

    def start(self) -> None:
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.sock.close()
        self.udp.close()


@dataclass
class GradeRun:
    class_dir: Path
    out: Path
    outside: Path
    values: dict[str, str]
    needles: tuple[str, ...]
    completed: Outcome
    wall: float
    results: dict[str, dict[str, Any]]
    gradebook: dict[str, dict[str, str]]
    json_text: dict[str, str]
    leftovers_after_run: list[tuple[int, str]]
    listener_connections: list[str]
    listener_received: list[bytes]


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    assert "{{" not in template, f"unfilled placeholder in a hostile case: {template[template.index('{{') :][:40]}"
    return template


def _rename_header(comm: str) -> str:
    """Prepended to every case: name the process so that a survivor is found in /proc."""
    return f'import ctypes as _hx_ctypes; _hx_ctypes.CDLL(None).prctl(15, b"{comm}", 0, 0, 0)  # PR_SET_NAME\n'


def processes_matching(needles: tuple[str, ...]) -> list[tuple[int, str]]:
    """(pid, description) of every process whose cmdline or name contains one of the needles."""
    hits = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            comm = Path(f"/proc/{entry}/comm").read_text(errors="replace").strip()
            state = next(
                (line.split()[1] for line in Path(f"/proc/{entry}/status").read_text().splitlines() if line.startswith("State:")), "?"
            )
        except OSError:
            continue
        text = f"{cmdline} [{comm}]"
        if any(needle in text for needle in needles):
            hits.append((int(entry), f"{text} state {state}"))
    return hits


def _end_our_processes(needles: tuple[str, ...]) -> None:
    """Clean-up only: SIGKILL, by pid, processes carrying this test run's unique tokens."""
    for pid, _ in processes_matching(needles):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _tree_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        for file in sorted(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()):
            digest.update(str(file).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _grade(class_dir: Path, out: Path, exercises: list[str], env: dict[str, str] | None = None) -> tuple[Outcome, float]:
    picked = [arg for exercise in exercises for arg in ("--exercise", exercise)]
    started = time.monotonic()
    completed = run_grade(
        "run", class_dir, "--out", out, "--time-limit", str(TIME_LIMIT), "--jobs", "2", *picked, cwd=REPO, env=env, timeout=RUN_TIMEOUT
    )
    return completed, time.monotonic() - started


def _read_outputs(out: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]], dict[str, str]]:
    json_text = {path.stem: path.read_text(encoding="utf-8") for path in record_paths(out)}
    results = {name: json.loads(text) for name, text in json_text.items()}
    return results, gradebook_by_submission(out), json_text


PROTECTED = [REPO / "solutions", REPO / "course.yaml", REPO / "tests" / "hostile"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("hostile")
    class_dir, out, outside = base / "class", base / "out", base / "outside"
    for folder in (class_dir, outside):
        folder.mkdir()
    (outside / "victim.txt").write_text(VICTIM_TEXT)
    run_id = secrets.token_hex(3)
    values = {
        "TMP": str(outside),
        "REPO": str(REPO),
        "TOKEN": f"hostile-token-{secrets.token_hex(12)}",
        "SECRET": f"hostile-secret-{secrets.token_hex(16)}",
        "SLEEP_SHORT": f"3.{secrets.randbelow(10**8):08d}1",
        "SLEEP_LONG": f"90.{secrets.randbelow(10**8):08d}1",
    }
    server = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", server.getsockname()[1]))
    udp.setblocking(False)
    listener = Listener(server, udp)
    values["PORT"] = str(listener.port)
    listener.start()
    needles = (f"hx{run_id}", values["SLEEP_SHORT"], values["SLEEP_LONG"], values["TOKEN"])
    chain_rule = (REPO / "solutions" / "chain_rule.py").read_text(encoding="utf-8")
    for index, attack in enumerate(ATTACKS):
        folder = class_dir / attack
        folder.mkdir()
        source = _fill((CASES / f"{attack}.py").read_text(encoding="utf-8"), values)
        (folder / "square.py").write_text(_rename_header(f"hx{run_id}{index:02d}") + source, encoding="utf-8")
        (folder / "chain_rule.py").write_text(chain_rule, encoding="utf-8")
    protected_before = _tree_digest(PROTECTED)
    env = {"GRADER_TEST_SECRET": values["SECRET"]}
    try:
        completed, wall = _grade(class_dir, out, ["square", "chain_rule"], env)
        leftovers = processes_matching(needles)
        listener.stop.set()
        if listener.thread is not None:
            listener.thread.join(timeout=5)
        results, gradebook, json_text = _read_outputs(out) if (out / "gradebook.csv").exists() else ({}, {}, {})
        assert _tree_digest(PROTECTED) == protected_before, "the repository's solutions, course.yaml or cases changed during the run"
        print(f"\nhostile class graded in {wall:.1f} s (exit code {completed.returncode})")
        yield GradeRun(
            class_dir=class_dir,
            out=out,
            outside=outside,
            values=values,
            needles=needles,
            completed=completed,
            wall=wall,
            results=results,
            gradebook=gradebook,
            json_text=json_text,
            leftovers_after_run=leftovers,
            listener_connections=list(listener.connections),
            listener_received=list(listener.received),
        )
    finally:
        listener.close()
        survivors = processes_matching(needles)
        _end_our_processes(needles)
        assert not survivors, f"processes started by hostile submissions outlived the test module: {survivors}"


def exercise(run: GradeRun, attack: str, exercise_id: str = "square") -> dict[str, Any]:
    result = run.results[attack]
    return next(e for e in result["exercises"] if e["exercise"] == exercise_id)


def check_messages(ex: dict[str, Any]) -> str:
    return "\n".join(c["message"] for c in ex["checks"])


def describe(ex: dict[str, Any]) -> str:
    return json.dumps({k: ex[k] for k in ("status", "points", "message", "output")} | {"checks": check_messages(ex)}, indent=1)[:3000]


def test_the_grade_command_graded_the_whole_class(hostile: GradeRun) -> None:
    assert hostile.completed.returncode == 0, hostile.completed.stderr[-3000:]
    assert sorted(hostile.results) == ATTACKS, hostile.completed.stdout[-3000:]
    assert sorted(hostile.gradebook) == ATTACKS
    assert hostile.wall < RUN_TIMEOUT
    levels = {e["isolation"] for r in hostile.results.values() for e in r["exercises"] if e["isolation"]}
    if os.geteuid() == 0:
        assert levels == {"namespaces"}, levels


@pytest.mark.parametrize("attack", ATTACKS)
def test_square_gets_the_points_it_deserves_and_chain_rule_is_still_graded(hostile: GradeRun, attack: str) -> None:
    square, chain = exercise(hostile, attack), exercise(hostile, attack, "chain_rule")
    assert square["points"] == SQUARE_POINTS[attack], describe(square)
    assert chain["status"] == "graded" and chain["points"] == 4 and chain["max_points"] == 4, describe(chain)
    row = hostile.gradebook[attack]
    assert float(row["square"]) == SQUARE_POINTS[attack], row
    assert float(row["chain_rule"]) == 4, row
    assert float(row["total"]) == SQUARE_POINTS[attack] + 4, row


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_outside_was_touched(hostile: GradeRun, attack: str) -> None:
    assert sorted(p.name for p in hostile.outside.iterdir()) == ["victim.txt"]
    assert (hostile.outside / "victim.txt").read_text() == VICTIM_TEXT
    assert sorted(p.name for p in (hostile.class_dir / attack).iterdir()) == ["chain_rule.py", "square.py"]


@pytest.mark.parametrize("attack", ["infinite_loop", "ignore_sigterm"])
def test_endless_loops_time_out(hostile: GradeRun, attack: str) -> None:
    square = exercise(hostile, attack)
    assert square["status"] == "timeout", describe(square)
    assert f"stopped after {TIME_LIMIT} s" in square["message"]
    assert square["wall_seconds"] < TIME_LIMIT + 3, describe(square)
    assert all(c["status"] != "passed" for c in square["checks"])


@pytest.mark.parametrize(("attack", "code"), [("exit_at_import", 0), ("exit_code_70", 70), ("forged_sandbox_error", 70)])
def test_exit_at_import_is_reported_as_exited(hostile: GradeRun, attack: str, code: int) -> None:
    square = exercise(hostile, attack)
    assert square["status"] == "exited", describe(square)
    assert f"exit code {code})" in square["message"]


@pytest.mark.parametrize(("attack", "exception"), [("sys_exit_in_call", "SystemExit"), ("keyboard_interrupt_in_call", "KeyboardInterrupt")])
def test_exit_and_interrupt_in_the_call_cost_only_the_check(hostile: GradeRun, attack: str, exception: str) -> None:
    square = exercise(hostile, attack)
    assert square["status"] == "graded", describe(square)
    for check in square["checks"]:
        assert check["status"] == "failed" and exception in check["message"], describe(square)


def test_segfault_is_a_crash(hostile: GradeRun) -> None:
    square = exercise(hostile, "segfault")
    assert square["status"] == "crashed", describe(square)
    assert "segmentation fault" in square["message"]


def test_unbounded_recursion_crashes_or_raises(hostile: GradeRun) -> None:
    square = exercise(hostile, "recursion")
    if square["status"] == "crashed":
        assert "segmentation fault" in square["message"], describe(square)
    else:
        assert square["status"] == "graded", describe(square)
        assert "RecursionError" in check_messages(square) or "MemoryError" in check_messages(square), describe(square)


def test_a_4_gib_allocation_is_refused_not_fatal(hostile: GradeRun) -> None:
    square = exercise(hostile, "memory_4gib")
    assert square["status"] == "graded", describe(square)
    for check in square["checks"]:
        message = check["message"]
        assert ("RuntimeError" in message or "MemoryError" in message) and "allocate" in message, describe(square)


def test_a_fork_bomb_is_bounded_and_leaves_nothing(hostile: GradeRun) -> None:
    square = exercise(hostile, "fork_bomb")
    assert square["status"] == "graded", describe(square)
    assert "fork refused after" in square["output"], describe(square)
    assert [p for p in hostile.leftovers_after_run if hostile.values["SLEEP_SHORT"] in p[1]] == []


def test_a_daemon_does_not_outlive_the_job(hostile: GradeRun) -> None:
    square = exercise(hostile, "daemon")
    assert square["status"] == "graded", describe(square)
    assert [p for p in hostile.leftovers_after_run if hostile.values["SLEEP_LONG"] in p[1]] == []
    assert processes_matching((hostile.values["SLEEP_LONG"],)) == []


def test_files_outside_stay_intact(hostile: GradeRun) -> None:
    square = exercise(hostile, "files_outside")
    assert square["status"] == "graded", describe(square)
    assert (hostile.outside / "victim.txt").read_text() == VICTIM_TEXT
    for name in ("pwned.txt", "pwned_link"):
        assert not (hostile.outside / name).exists() and not (hostile.outside / name).is_symlink()
    assert "remove victim: done" not in square["output"], describe(square)


def test_solutions_cannot_be_read(hostile: GradeRun) -> None:
    square = exercise(hostile, "read_solutions")
    assert square["points"] == 0, describe(square)
    assert "READ " not in square["output"], describe(square)
    solution = (REPO / "solutions" / "square.py").read_text(encoding="utf-8")
    course = (REPO / "course.yaml").read_text(encoding="utf-8")
    submitted = "\n".join(p.read_text(encoding="utf-8") for p in hostile.class_dir.rglob("*.py"))
    secrets_in_text = [line.strip() for line in solution.splitlines() if len(line.strip()) > 25 and line.strip() not in submitted]
    secrets_in_text += ["Calculus gives dy/dx = 2x", "mutants:", "module_level_leaf", "seed: "]
    assert len(secrets_in_text) > 6 and all(s in solution or s in course for s in secrets_in_text)
    for name, text in hostile.json_text.items():
        leaked = [s for s in secrets_in_text if s in text]
        assert not leaked, f"{name}.json contains text of the solution or course.yaml: {leaked}"


def test_no_network_connection_reaches_the_host(hostile: GradeRun) -> None:
    square = exercise(hostile, "network")
    assert square["status"] == "graded", describe(square)
    assert hostile.listener_connections == [], hostile.listener_connections
    assert hostile.listener_received == [], hostile.listener_received
    assert "sent the token" not in square["output"], describe(square)


def test_print_flood_hits_the_output_limit(hostile: GradeRun) -> None:
    square = exercise(hostile, "print_flood")
    assert square["status"] == "output_limit", describe(square)
    assert "output limit" in square["message"]
    assert len(hostile.json_text["print_flood"]) < 64 * 1024
    assert (hostile.out / "submissions" / "print_flood.json").stat().st_size < 64 * 1024


def test_every_json_stays_small(hostile: GradeRun) -> None:
    for name, text in hostile.json_text.items():
        assert len(text.encode()) < 128 * 1024, name


def test_a_lying_tensor_subclass_is_refused_by_type(hostile: GradeRun) -> None:
    square = exercise(hostile, "tensor_subclass")
    assert square["status"] == "graded", describe(square)
    for check in square["checks"]:
        assert check["status"] == "failed" and "Evil" in check["message"] and "cannot read" in check["message"], describe(square)


def test_a_lying_object_is_never_called_by_the_grader(hostile: GradeRun) -> None:
    square = exercise(hostile, "lying_object")
    assert square["status"] == "graded", describe(square)
    for check in square["checks"]:
        assert check["status"] == "failed" and "Liar" in check["message"], describe(square)
    assert not list(hostile.outside.glob("marker_*")), "a special method of the student's object ran with access to the host"


def test_patched_comparison_functions_do_not_help(hostile: GradeRun) -> None:
    square = exercise(hostile, "patched_comparisons")
    assert square["status"] == "graded", describe(square)
    assert all(c["status"] == "failed" for c in square["checks"]), describe(square)


def test_patched_builtins_cost_the_exercise_not_the_class(hostile: GradeRun) -> None:
    # The worker's own reporting may break (json asks the patched isinstance): any end is
    # acceptable but a grader failure; the class run must go on (see the module fixture).
    square = exercise(hostile, "patched_builtins")
    assert square["status"] in ("graded", "crashed", "exited"), describe(square)
    assert all(c["status"] != "passed" for c in square["checks"]), describe(square)
    if square["status"] != "graded":
        assert square["message"], describe(square)


def test_frames_and_gc_hold_no_expected_values(hostile: GradeRun) -> None:
    square = exercise(hostile, "frame_gc_inspection")
    assert square["status"] == "graded", describe(square)
    assert all(c["status"] == "failed" for c in square["checks"]), describe(square)
    assert "found 0 candidates" in square["output"], describe(square)


def test_the_graders_secret_environment_is_not_readable(hostile: GradeRun) -> None:
    square = exercise(hostile, "steal_secret")
    assert square["points"] == 0, describe(square)
    secret = hostile.values["SECRET"]
    assert square["output"], "the case printed nothing: it did not run"
    for name, text in hostile.json_text.items():
        assert secret not in text, f"{name}.json contains the grader's secret"
    assert secret not in hostile.completed.stdout and secret not in hostile.completed.stderr
    assert secret not in (hostile.out / "gradebook.csv").read_text(encoding="utf-8")
    for path in hostile.out.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_no_process_of_the_run_is_left(hostile: GradeRun) -> None:
    assert hostile.leftovers_after_run == []
    assert processes_matching(hostile.needles) == []


# custom_square: a fake SQ that is not an autograd.Function


@pytest.fixture(scope="module")
def fake_sq(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("fake_sq")
    folder = base / "class" / "fake_sq"
    folder.mkdir(parents=True)
    shutil.copy(CASES / "custom_square_fake_sq.py", folder / "custom_square.py")
    completed, _ = _grade(base / "class", base / "out", ["custom_square"])
    assert completed.returncode == 0, completed.stderr[-3000:]
    return records_by_file(base / "out")["fake_sq"]


def test_a_fake_sq_class_fails_with_a_message_about_autograd_function(fake_sq: dict[str, Any]) -> None:
    ex = next(e for e in fake_sq["exercises"] if e["exercise"] == "custom_square")
    assert ex["status"] == "graded" and ex["points"] == 0, describe(ex)
    for check in ex["checks"]:
        assert check["status"] == "failed", describe(ex)
        assert "torch.autograd.Function" in check["message"], describe(ex)
