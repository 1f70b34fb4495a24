"""The trusted baseline is computed once per course and read back from ``$XDG_CACHE_HOME``, never from a stale file.

Most tests drive :func:`grader.baseline_cache.cached_baseline` with a stand-in ``compute``
(no sandbox); the end-to-end ones grade a two-exercise copy of the course with the real
fork server, counting how often :func:`grader.evaluate.evaluate_baseline` runs. Every
test points ``XDG_CACHE_HOME`` at its own tmp folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from grader import baseline_cache, engine
from grader.baseline_cache import cache_dir, cached_baseline
from grader.checks.judge import MutantBehaviour
from grader.course.load import LoadedCourse, load_course
from grader.engine import GradeOptions, grade
from grader.evaluate import Baseline
from grader.plan import Plan, build_plan
from grader.release import release
from grader.submissions import load_submission
from grader.validation import validate

REPO = Path(__file__).resolve().parents[1]
KEPT = ("square", "partials")
"""Two exercises with mutants: enough to see every part of the key, quick to evaluate."""


def _mini_course(target: Path) -> Path:
    data = yaml.safe_load((REPO / "course.yaml").read_text(encoding="utf-8"))
    data["exercises"] = [e for e in data["exercises"] if e["id"] in KEPT]
    target.mkdir()
    (target / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for folder in ("exercises", "solutions"):
        (target / folder).mkdir()
        for eid in KEPT:
            shutil.copyfile(REPO / folder / f"{eid}.py", target / folder / f"{eid}.py")
    for eid in KEPT:
        shutil.copytree(REPO / "mutants" / eid, target / "mutants" / eid)
    return target


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GRADER_NO_CACHE", raising=False)
    return tmp_path / "xdg" / "autograd-grader" / "baselines"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return _mini_course(tmp_path / "course")


class Computer:
    """A stand-in for ``evaluate_baseline``: a baseline of the plan's shape, and a count of calls."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.calls = 0

    def __call__(self) -> Baseline:
        self.calls += 1
        return Baseline(
            references={p.id: {probe["id"]: {"value": 1.5, "nan": float("nan")} for probe in p.probes()} for p in self.plan.exercises},
            mutants={
                p.id: tuple(MutantBehaviour(m.name, m.hint, {"x": {"value": 2}}) for m in p.exercise.mutants) for p in self.plan.exercises
            },
        )


def _plan(loaded: LoadedCourse) -> Plan:
    return build_plan(loaded.course, loaded.course.seed)


def _twice(course: Path) -> Computer:
    """The baseline asked for by two runs, each loading the course afresh; returns the counter."""
    counter = Computer(_plan(load_course(course)))
    for _ in range(2):
        loaded = load_course(course)
        counter.plan = _plan(loaded)
        cached_baseline(loaded, counter.plan, counter)
    return counter


def _same(a: Baseline, b: Baseline) -> bool:
    dump = json.dumps  # NaN == NaN in text
    return (
        dump(a.references, sort_keys=True) == dump(b.references, sort_keys=True)
        and a.mutants.keys() == b.mutants.keys()
        and all(
            [(m.name, m.hint, dump(m.observations, sort_keys=True)) for m in a.mutants[k]]
            == [(m.name, m.hint, dump(m.observations, sort_keys=True)) for m in b.mutants[k]]
            for k in a.mutants
        )
    )


def test_the_second_request_reads_the_stored_baseline(cache: Path, course: Path) -> None:
    loaded = load_course(course)
    plan = _plan(loaded)
    computer = Computer(plan)
    first = cached_baseline(loaded, plan, computer)
    second = cached_baseline(load_course(course), _plan(load_course(course)), computer)
    assert computer.calls == 1
    assert _same(first, second)
    assert len(list(cache.glob("*.json"))) == 1


@pytest.mark.parametrize(
    "change",
    ["solution", "mutant_file", "mutant_hint", "seed", "hidden_input", "time_limit"],
)
def test_a_change_to_anything_the_observations_depend_on_recomputes(cache: Path, course: Path, change: str) -> None:
    counter = _twice(course)
    assert counter.calls == 1
    yaml_path = course / "course.yaml"
    data = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    if change == "solution":
        with (course / "solutions" / "square.py").open("a", encoding="utf-8") as handle:
            handle.write("\n# edited\n")
    elif change == "mutant_file":
        mutant = next((course / "mutants" / "partials").glob("*.py"))
        mutant.write_text(mutant.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    elif change == "mutant_hint":
        data["exercises"][1]["mutants"][0]["hint"] += " (reworded)"
    elif change == "seed":
        data["seed"] += 1
    elif change == "hidden_input":
        hidden = next(c for e in data["exercises"] for c in e["checks"] if not c.get("visible") and c.get("cases"))
        hidden["cases"].append(hidden["cases"][0])
    elif change == "time_limit":
        data.setdefault("defaults", {}).setdefault("limits", {})["time_limit"] = 7.5
    yaml_path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    loaded = load_course(course)
    plan = _plan(loaded)
    cached_baseline(loaded, plan, counter)
    assert counter.calls == 2, f"a changed {change} must not reuse the stored baseline"


def test_another_torch_version_or_grader_source_gives_another_key(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_course(course)
    plan = _plan(loaded)
    key = baseline_cache.baseline_key(loaded, plan)
    monkeypatch.setattr(baseline_cache.torch, "__version__", "0.0.1")
    assert baseline_cache.baseline_key(loaded, plan) != key
    monkeypatch.undo()
    monkeypatch.setattr(baseline_cache, "_grader_code", lambda: {"sandbox/worker.py": "edited"})
    assert baseline_cache.baseline_key(loaded, plan) != key


@pytest.mark.parametrize(
    "damage",
    ["truncated", "not_json", "empty", "a_list", "wrong_key", "missing_exercise", "renamed_mutant", "bad_observations", "binary"],
)
def test_a_damaged_cache_file_is_recomputed_and_overwritten(cache: Path, course: Path, damage: str) -> None:
    loaded = load_course(course)
    plan = _plan(loaded)
    computer = Computer(plan)
    good = cached_baseline(loaded, plan, computer)
    (path,) = cache.glob("*.json")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    if damage == "truncated":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "not_json":
        path.write_text("cos(x) # not json", encoding="utf-8")
    elif damage == "empty":
        path.write_text("", encoding="utf-8")
    elif damage == "a_list":
        path.write_text("[1, 2, 3]", encoding="utf-8")
    elif damage == "wrong_key":
        path.write_text(json.dumps({**data, "key": "0" * 64}), encoding="utf-8")
    elif damage == "missing_exercise":
        del data["references"]["square"]
        path.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "renamed_mutant":
        data["mutants"]["partials"][0]["name"] = "someone_else"
        path.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "bad_observations":
        data["references"]["square"] = {"probe": [1, 2]}
        path.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "binary":
        path.write_bytes(b"\x80\x04\x95 pickle-ish \xff\x00")
    again = cached_baseline(loaded, plan, computer)
    assert computer.calls == 2
    assert _same(good, again)
    assert json.loads(path.read_text(encoding="utf-8"))["key"] == data["key"]  # overwritten with a good entry
    cached_baseline(loaded, plan, computer)
    assert computer.calls == 2


def test_a_file_others_can_write_is_not_trusted(cache: Path, course: Path) -> None:
    loaded = load_course(course)
    plan = _plan(loaded)
    computer = Computer(plan)
    cached_baseline(loaded, plan, computer)
    (path,) = cache.glob("*.json")
    path.chmod(0o666)
    cached_baseline(loaded, plan, computer)
    assert computer.calls == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_file_is_private_json_in_the_cache_folder_outside_the_course(cache: Path, course: Path, tmp_path: Path) -> None:
    loaded = load_course(course)
    plan = _plan(loaded)
    cached_baseline(loaded, plan, Computer(plan))
    assert cache_dir() == cache
    (path,) = cache.glob("*.json")
    assert path.name == f"{baseline_cache.baseline_key(loaded, plan)}.json"
    assert not path.resolve().is_relative_to(course.resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert json.loads(path.read_text(encoding="utf-8"))["course"] == "autograd-basics"
    assert not list(cache.glob(".*.tmp"))


def test_a_cache_folder_inside_the_course_is_never_used(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(course / ".cache"))
    loaded = load_course(course)
    plan = _plan(loaded)
    computer = Computer(plan)
    cached_baseline(loaded, plan, computer)
    cached_baseline(loaded, plan, computer)
    assert computer.calls == 2
    assert not (course / ".cache").exists()


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "autograd-grader" / "baselines"


def test_grader_no_cache_turns_it_off(cache: Path, course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_NO_CACHE", "1")
    assert _twice(course).calls == 2
    assert not cache.exists()


def test_an_unwritable_cache_folder_costs_only_speed(course: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _twice(course).calls == 2


def test_old_entries_are_pruned_least_recently_used_first(cache: Path, course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baseline_cache, "MAX_ENTRIES", 3)
    loaded = load_course(course)
    plans = [build_plan(loaded.course, seed) for seed in range(5)]
    keys = [baseline_cache.baseline_key(loaded, plan) for plan in plans]
    computers = [Computer(plan) for plan in plans]
    for number in range(5):
        cached_baseline(loaded, plans[number], computers[number])
        os.utime(cache / f"{keys[number]}.json", (1000 + number, 1000 + number))  # distinct ages without sleeping
        if number == 1:
            cached_baseline(loaded, plans[0], computers[0])  # read again: now the most recently used
    assert computers[0].calls == 1
    assert {path.stem for path in cache.glob("*.json")} == {keys[0], keys[3], keys[4]}


class _Counting:
    """Wraps ``engine.evaluate_baseline`` (the real sandboxed one) and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = engine.evaluate_baseline

    def __call__(self, *args: object, **kwargs: object) -> Baseline:
        self.calls += 1
        return self.real(*args, **kwargs)  # type: ignore[arg-type]


def test_a_second_grading_runs_no_solution_or_mutant_and_grades_the_same(
    cache: Path, course: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    counting = _Counting()
    monkeypatch.setattr(engine, "evaluate_baseline", counting)
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copyfile(course / "solutions" / "square.py", folder / "square.py")
    shutil.copyfile(course / "mutants" / "partials" / "swapped_outputs.py", folder / "partials.py")
    student = load_submission(folder, list(KEPT))
    runs = [grade(load_course(course), [student], GradeOptions(parallel=2)) for _ in range(2)]
    assert counting.calls == 1
    first, second = (run.results[0] for run in runs)
    assert [(e.exercise, e.points, [(c.name, c.status, c.diagnosis) for c in e.checks]) for e in first.exercises] == [
        (e.exercise, e.points, [(c.name, c.status, c.diagnosis) for c in e.checks]) for e in second.exercises
    ]
    assert second.exercise("square").points == second.exercise("square").max_points
    assert any(c.diagnosis == "swapped_outputs" for c in second.exercise("partials").checks), "named from the cached baseline"
    assert len(list(cache.glob("*.json"))) == 1


def test_per_student_seeds_are_not_cached(cache: Path, course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _Counting()
    monkeypatch.setattr(engine, "evaluate_baseline", counting)
    student = load_submission(REPO / "examples" / "class" / "ada_correct", list(KEPT))
    for _ in range(2):
        grade(load_course(course), [student], GradeOptions(parallel=2, per_student_seed=True))
    assert counting.calls == 2
    assert not list(cache.glob("*.json"))


def test_validate_runs_the_solutions_and_mutants_again_and_refreshes_the_cache(
    cache: Path, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_course(course)
    plan = _plan(loaded)
    cached_baseline(loaded, plan, Computer(plan))  # a wrong baseline under the right key: validate must not read it
    (path,) = cache.glob("*.json")
    counting = _Counting()
    monkeypatch.setattr(engine, "evaluate_baseline", counting)
    report = validate(loaded, parallel=2)
    assert report.ok, report.lines
    assert counting.calls == 1
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["references"]["square"] != Computer(plan)().references["square"], "refreshed with the real observations"
    student = load_submission(REPO / "examples" / "class" / "ada_correct", list(KEPT))
    grade(load_course(course), [student], GradeOptions(parallel=2))
    assert counting.calls == 1, "grade run after validate starts warm"


def test_the_release_bundle_holds_no_cached_baseline(cache: Path, course: Path, tmp_path: Path) -> None:
    loaded = load_course(course)
    student = load_submission(REPO / "examples" / "class" / "ada_correct", list(KEPT))
    grade(loaded, [student], GradeOptions(parallel=2))
    (entry,) = cache.glob("*.json")
    out = tmp_path / "release"
    written = release(loaded, out)
    cached = entry.read_bytes()
    released = [p for p in out.rglob("*") if p.is_file()]
    assert written and released
    assert not entry.resolve().is_relative_to(out.resolve())
    assert all(p.read_bytes() != cached and p.name != entry.name for p in released)
    seed = str(loaded.course.seed)
    assert all(seed not in p.read_text(encoding="utf-8") for p in released)
    assert list(cache.glob("*.json")) == [entry], "release neither reads nor adds cache entries"
