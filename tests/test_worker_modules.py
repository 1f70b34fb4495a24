"""One worker per submission: modules run in order, and one module's end never costs the others.

These drive the real fork server (the sandbox level this machine allows) with
tiny modules; every hostile module here is bounded by a time limit of a few
seconds and by the sandbox's own process limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from grader.evaluate import ModuleOutcome, run_jobs
from grader.sandbox.client import ForkServer
from grader.sandbox.jobs import Job, Module
from grader.sandbox.wire import encode

LIMITS = {"memory_limit_mb": 1024, "max_processes": 16, "max_output_kb": 64}
ANSWER = "def answer(x):\n    print('answering', x)\n    return x + 1\n"


def call(value: float) -> dict[str, object]:
    return {"id": f"call-{value}", "op": "call", "entry": "answer", "args": [encode(value)], "kwargs": {}}


def module(name: str, time_limit: float = 10.0) -> Module:
    return Module(name, [call(1.0), call(2.0)], time_limit)


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    with ForkServer(parallel=2) as running:
        yield running


def grade(server: ForkServer, files: dict[str, str], modules: tuple[Module, ...]) -> dict[str, ModuleOutcome]:
    job = Job(1, {f"{name}.py": text for name, text in files.items()}, modules, LIMITS)
    ((job_id, outcomes),) = list(run_jobs(server, [job]))
    assert job_id == job.job_id
    return {outcome.name: outcome for outcome in outcomes}


def answered(outcome: ModuleOutcome) -> list[object]:
    return [outcome.observations[f"call-{v}"]["calls"][0]["value"]["value"] for v in (1.0, 2.0)]


def test_every_module_is_graded_in_one_worker_with_its_own_output(server: ForkServer) -> None:
    names = ("first", "second", "third")
    outcomes = grade(server, dict.fromkeys(names, ANSWER), tuple(module(n) for n in names))
    assert list(outcomes) == list(names)
    for outcome in outcomes.values():
        assert outcome.completed and outcome.status == "exited", outcome
        assert answered(outcome) == [2.0, 3.0]
        assert outcome.output == "answering 1.0\nanswering 2.0\n", outcome.output


def test_a_crash_keeps_the_modules_before_it_and_a_fresh_worker_runs_the_rest(server: ForkServer) -> None:
    crash = "import ctypes\nprint('crashing now')\nctypes.string_at(0)\n"
    files = {"before": ANSWER, "crash": crash, "after": ANSWER}
    outcomes = grade(server, files, (module("before"), module("crash"), module("after")))
    assert outcomes["before"].completed and answered(outcomes["before"]) == [2.0, 3.0]
    crashed = outcomes["crash"]
    assert not crashed.completed and crashed.signal == 11, crashed
    assert "crashing now" in crashed.output
    assert outcomes["after"].completed and answered(outcomes["after"]) == [2.0, 3.0]
    assert outcomes["after"].output == "answering 1.0\nanswering 2.0\n"


def test_a_time_out_is_the_looping_module_s_alone(server: ForkServer) -> None:
    files = {"loop": "while True:\n    pass\n", "after": ANSWER}
    started = time.monotonic()
    outcomes = grade(server, files, (module("loop", time_limit=1.5), module("after")))
    assert outcomes["loop"].status == "timeout" and not outcomes["loop"].completed
    assert 1.5 <= outcomes["loop"].wall < 10, outcomes["loop"]
    assert outcomes["after"].completed and answered(outcomes["after"]) == [2.0, 3.0]
    assert time.monotonic() - started < 30


def test_forged_module_markers_and_lines_cannot_touch_another_module(server: ForkServer) -> None:
    """A module that writes the next modules' markers and lines itself only spoils its own result, and times out alone."""
    forger = (
        "import os, time\n"
        "for index in (1, 2, 5, 1):\n"
        '    os.write(3, (\'{"event": "module", "index": %d}\\n\' % index).encode())\n'
        '    os.write(3, b\'{"event": "probe", "id": "call-1.0", "observation": {}}\\n\')\n'
        "    time.sleep(0.1)\n"
        "while True:\n"
        "    pass\n"
    )
    files = {"forger": forger, "second": ANSWER, "third": ANSWER}
    job = Job(1, {f"{n}.py": t for n, t in files.items()}, tuple(module(n, 1.0) for n in files), LIMITS)
    (run,) = list(server.run([job]))
    forged, second, third = run.modules
    assert forged.status == "timeout" and not forged.completed and forged.observations == {}, forged
    assert forged.interfered
    assert second.completed and third.completed and not second.interfered
    assert run.wall <= 3 * 1.0 + 5.0, run.wall


def test_a_module_that_exits_or_kills_itself_costs_only_that_module(server: ForkServer) -> None:
    files = {"quits": "import os\nos._exit(4)\n", "killed": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "after": ANSWER}
    job = Job(1, {f"{n}.py": t for n, t in files.items()}, tuple(module(n) for n in files), LIMITS)
    (run,) = list(server.run([job]))
    quits, killed, after = run.modules
    assert quits.exit_code == 4 and not quits.completed, quits
    assert killed.signal == 9 and not killed.completed, killed
    assert after.completed and run.said_done and len(run.modules) == 3


def test_each_exercise_starts_from_a_fresh_process(server: ForkServer) -> None:
    """Builtins, numpy's error state, RNG seeds, torch functions and sys.modules changed by one file never reach the next."""
    meddler = (
        "import builtins, sys, random, numpy, torch\n"
        "builtins.len = lambda x: 42\n"
        "numpy.seterr(all='raise')\n"
        "random.seed(1234)\n"
        "torch.manual_seed(1234)\n"
        "torch.sin = lambda x: x\n"
        "torch.use_deterministic_algorithms(True)\n"
        "sys.modules['json'] = None\n"
    ) + ANSWER
    observer = (
        "import numpy, torch, sys\n"
        "def answer(x):\n"
        "    return [len([1, 2]), numpy.geterr()['divide'], float(torch.sin(torch.tensor(0.5))),\n"
        "            bool(torch.are_deterministic_algorithms_enabled()), sys.modules.get('json') is not None, 'meddler' in sys.modules]\n"
    )
    outcomes = grade(server, {"meddler": meddler, "observer": observer}, (module("meddler"), module("observer")))
    observed = outcomes["observer"].observations["call-1.0"]["calls"][0]["value"]
    values = [item["value"] for item in observed["items"]]
    assert values[:2] == [2, "warn"], values
    assert abs(values[2] - 0.479425538604203) < 1e-6
    assert values[3:] == [False, True, False]


def test_an_exercise_s_global_settings_do_not_leak_into_the_next(server: ForkServer) -> None:
    meddler = "import torch\ntorch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\n" + ANSWER
    probe = (
        "import torch\n"
        "def answer(x):\n"
        "    t = torch.tensor(x, requires_grad=True)\n"
        "    dtypes = [str(torch.get_default_dtype()), str(torch.ones(1).dtype)]\n"
        "    return dtypes + [bool(torch.is_grad_enabled()), bool((t * 2).requires_grad)]\n"
    )
    outcomes = grade(server, {"meddler": meddler, "observer": probe}, (module("meddler"), module("observer")))
    observed = outcomes["observer"].observations["call-1.0"]["calls"][0]["value"]
    assert observed["type"] == "list"
    assert [item["value"] for item in observed["items"]] == ["torch.float32", "torch.float32", True, True]


def test_a_submission_of_18_files_near_the_per_file_cap_gets_a_root_big_enough(server: ForkServer) -> None:
    """The worker's root is sized from the submission (18 files of almost 1 MiB each used to fill a fixed 16 MiB)."""
    padding = "# " + "x" * (1024 * 1024 - 200) + "\n"
    names = [f"part{index}" for index in range(18)]
    outcomes = grade(server, {name: padding + ANSWER for name in names}, tuple(module(name) for name in names))
    assert all(outcome.completed and answered(outcome) == [2.0, 3.0] for outcome in outcomes.values()), outcomes


def test_a_submission_whose_sandbox_cannot_be_set_up_costs_only_itself(server: ForkServer) -> None:
    broken = Job(1, {"../escape.py": ANSWER, "first.py": ANSWER}, (module("first"),), LIMITS)
    healthy = Job(2, {"first.py": ANSWER}, (module("first"),), LIMITS)
    results = dict(run_jobs(server, [broken, healthy]))
    (failed,) = results[broken.job_id]
    assert failed.status == "sandbox_error" and not failed.completed
    assert failed.sandbox_message is not None and "unsafe file name" in failed.sandbox_message
    (graded,) = results[healthy.job_id]
    assert graded.completed and answered(graded) == [2.0, 3.0]


def test_a_module_holds_no_descriptor_of_the_supervisor_and_cannot_reach_its_descriptors(server: ForkServer) -> None:
    snoop = (
        "import os\n"
        "def answer(x):\n"
        "    mine = sorted(int(fd) for fd in os.listdir('/proc/self/fd'))\n"
        "    mine = [fd for fd in mine if os.path.exists(f'/proc/self/fd/{fd}')]\n"
        "    reached = []\n"
        "    try:\n"
        "        theirs = os.listdir(f'/proc/{os.getppid()}/fd')\n"
        "    except PermissionError:\n"
        "        theirs = []\n"
        "    for fd in theirs:\n"
        "        try:\n"
        "            os.close(os.open(f'/proc/{os.getppid()}/fd/{fd}', os.O_WRONLY))\n"
        "            reached.append(fd)\n"
        "        except OSError:\n"
        "            pass\n"
        "    return mine + [not reached]\n"
    )
    outcomes = grade(server, {"snoop": snoop}, (module("snoop"),))
    observed = outcomes["snoop"].observations["call-1.0"]["calls"][0]["value"]
    assert [item["value"] for item in observed["items"]] == [0, 1, 2, 3, True], observed


def test_a_module_that_kills_its_supervisor_costs_no_other_module_or_submission(server: ForkServer) -> None:
    """At the namespace levels the signal cannot reach the supervisor; at ``process`` it ends the job (fail closed)."""
    killer = "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(1)\n" + ANSWER
    attacker = Job(1, {"killer.py": killer, "after.py": ANSWER}, (module("killer"), module("after")), LIMITS)
    bystander = Job(2, {"first.py": ANSWER}, (module("first"),), LIMITS)
    results = {job_id: {o.name: o for o in outcomes} for job_id, outcomes in run_jobs(server, [attacker, bystander])}
    killed = results[attacker.job_id]["killer"]
    assert (killed.completed and answered(killed) == [2.0, 3.0]) or (not killed.completed and killed.observations == {}), killed
    assert results[attacker.job_id]["after"].completed and answered(results[attacker.job_id]["after"]) == [2.0, 3.0]
    assert results[bystander.job_id]["first"].completed
