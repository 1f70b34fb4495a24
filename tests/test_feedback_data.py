"""Plot planning, the plot probes and the plot data stored in records.

The probes are plain functions of a module object, so these tests call them
in-process on small modules written here (they are the test's own code, not a
submission); the end-to-end path through the sandbox is in test_pages_in_browser.
"""

from __future__ import annotations

import base64
import json
import types
from typing import Any

import pytest
from matplotlib.figure import Figure

from grader.course.schema import Exercise, Tolerance
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.feedback_data import first_traceback, plot_record
from grader.plan import ExercisePlan, PlannedCase, PlannedCheck
from grader.plot_numbers import pack_numbers, unpack_numbers
from grader.plot_plan import plot_request
from grader.png import sanitize_png
from grader.report.plots import differing
from grader.sandbox.plot_probes import PLOT_PROBES, probe_backward_grid, probe_curve, probe_figure_png
from grader.sandbox.wire import encode


def _exercise(checks: list[dict[str, Any]], entry_points: tuple[str, ...] = ("f",)) -> Exercise:
    return Exercise.model_validate({"id": "ex", "title": "Ex", "description": "d", "entry_points": list(entry_points), "checks": checks})


def _module(source: str, name: str = "student") -> tuple[types.ModuleType, str]:
    path = f"/virtual/{name}.py"
    module = types.ModuleType(name)
    module.__file__ = path
    exec(compile(source, path, "exec"), module.__dict__)
    return module, path


# ---------------------------------------------------------------- which plot


def test_a_value_check_on_one_number_gets_a_curve_over_a_range_around_its_visible_points() -> None:
    request = plot_request(
        _exercise(
            [
                {"name": "shown", "kind": "value", "entry": "f", "points": 1, "visible": True, "cases": [{"args": [9]}, {"args": [2]}]},
                {"name": "secret", "kind": "value", "entry": "f", "points": 1, "cases": [{"args": [1000]}]},
            ]
        )
    )
    assert request is not None and request.kind == "curve" and request.check == "shown"
    assert min(request.x) < 0 < 9 < max(request.x) < 20, "the range covers 0 and the visible points, padded"
    assert max(request.x) < 1000, "a hidden fixed input never shapes the grid"
    assert request.probe["op"] == "curve" and request.probe["points"] == list(request.x)


def test_only_hidden_checks_give_no_plot() -> None:
    exercise = _exercise(
        [{"name": "secret", "kind": "value", "entry": "f", "points": 1, "random": {"count": 2, "args": [{"uniform": [-3, 3]}]}}]
    )
    assert plot_request(exercise) is None


def test_values_with_keyword_arguments_or_graph_checks_give_no_curve() -> None:
    exercise = _exercise(
        [
            {"name": "kw", "kind": "value", "entry": "f", "points": 1, "visible": True, "cases": [{"kwargs": {"steps": 3}}]},
            {"name": "g", "kind": "graph", "entry": "f", "points": 1, "visible": True, "cases": [{"args": [2]}]},
        ]
    )
    assert plot_request(exercise) is None


def test_a_function_backward_check_gets_a_backward_grid_with_the_visible_upstreams() -> None:
    request = plot_request(
        _exercise(
            [
                {"name": "fwd", "kind": "function_forward", "entry": "F", "points": 1, "visible": True, "cases": [{"inputs": [2.0]}]},
                {
                    "name": "bwd",
                    "kind": "function_backward",
                    "entry": "F",
                    "points": 1,
                    "visible": True,
                    "cases": [{"inputs": [[1.0, -2.0]], "upstreams": [3, -0.5, 3]}],
                },
            ],
            entry_points=("F",),
        )
    )
    assert request is not None and request.kind == "backward" and request.check == "bwd"
    assert request.probe["upstreams"] == [3.0, -0.5]
    assert request.series == ("upstream 3", "upstream -0.5")


def test_a_figure_check_wins_over_a_curve() -> None:
    request = plot_request(
        _exercise(
            [
                {"name": "v", "kind": "value", "entry": "f", "points": 1, "visible": True, "cases": [{"args": [1]}]},
                {"name": "fig", "kind": "figure", "entry": "plot", "points": 1, "visible": True, "cases": [{"kwargs": {"steps": 5}}]},
            ],
            entry_points=("f", "plot"),
        )
    )
    assert request is not None and request.kind == "figure" and request.probe["op"] == "call"  # line data, no PNG


# ---------------------------------------------------------------- probes in the worker


def test_the_curve_probe_evaluates_every_point_and_keeps_only_the_first_error_message() -> None:
    module, path = _module(
        "import torch\ndef f(x0):\n    if x0 > 0:\n        raise ValueError('positive ' + str(x0))\n    return torch.tensor(2 * x0)\n"
    )
    observation = probe_curve(module, path, {"entry": "f", "points": [-1.0, 0.0, 1.0, 2.0], "fixed": [], "budget": 120})
    points = observation["points"]
    assert [p.get("value", {}).get("type") for p in points[:2]] == ["tensor", "tensor"]
    assert points[2]["error"]["message"] == "positive 1.0" and points[2]["error"]["frames"][-1]["line"] == 4
    assert points[3]["error"] == {"type": "ValueError", "message": "", "frames": []}


def test_the_backward_grid_probe_shows_a_backward_that_ignores_its_upstream() -> None:
    module, path = _module(
        "import torch\n"
        "class SQ(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, i):\n"
        "        ctx.save_for_backward(i)\n"
        "        return i ** 2\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad_output):\n"
        "        (i,) = ctx.saved_tensors\n"
        "        return 2 * i\n"
    )
    request = plot_request(
        _exercise(
            [
                {
                    "name": "b",
                    "kind": "function_backward",
                    "entry": "SQ",
                    "points": 1,
                    "visible": True,
                    "cases": [{"inputs": [2.0], "upstreams": [3, 0]}],
                }
            ],
            entry_points=("SQ",),
        )
    )
    assert request is not None
    observation = probe_backward_grid(module, path, {**request.probe, "budget": 120})  # the first backward here imports lazily
    record = plot_record(request, observation, observation, DEFAULT_TOLERANCES)
    assert record is not None
    student = [unpack_numbers(series["student"]) for series in record["series"]]
    assert student[0] == student[1], "the same gradient for upstream 3 and upstream 0"
    assert student[0][-1] == pytest.approx(2 * request.x[-1], rel=1e-6)


def test_the_figure_probe_returns_a_png_that_passes_the_trusted_check() -> None:
    module, path = _module(
        "from matplotlib.figure import Figure\n"
        "def plot(steps=5):\n"
        "    fig = Figure()\n"
        "    ax = fig.add_subplot()\n"
        "    ax.plot(range(steps), label='function')\n"
        "    return fig\n"
    )
    observation = probe_figure_png(module, path, {"entry": "plot", "args": [], "kwargs": {}})
    raw = base64.b64decode(observation["png"])
    assert sanitize_png(raw).startswith(b"\x89PNG")


def test_the_figure_probe_reports_a_value_that_is_not_a_figure() -> None:
    module, path = _module("def plot():\n    return 42\n")
    assert probe_figure_png(module, path, {"entry": "plot"}) == {"png": None, "reason": "did not return a matplotlib Figure"}


# ---------------------------------------------------------------- records


def _curve_request() -> Any:
    request = plot_request(
        _exercise([{"name": "v", "kind": "value", "entry": "f", "points": 1, "visible": True, "cases": [{"args": [1]}]}])
    )
    assert request is not None
    return request


def _points(values: list[float | None]) -> dict[str, Any]:
    return {
        "points": [
            {"value": {"type": "float", "value": v}} if v is not None else {"error": {"type": "E", "message": "boom"}} for v in values
        ]
    }


def test_a_curve_record_holds_both_lines_as_plain_json_numbers() -> None:
    request = _curve_request()
    reference = _points([2 * x for x in request.x])
    student = _points([2 * x if x < 1 else 3 * x for x in request.x])
    record = plot_record(request, student, reference, DEFAULT_TOLERANCES)
    assert record is not None
    json.dumps(record, allow_nan=False)
    series = record["series"][0]
    student_line, reference_line = unpack_numbers(series["student"]), unpack_numbers(series["reference"])
    flags = differing(student_line, reference_line, record["tolerance"]["rtol"], record["tolerance"]["atol"])
    assert any(flags) and not all(flags)
    assert flags == [x >= 1 and x != 0 for x in request.x]


def test_a_plots_numbers_are_stored_as_one_string_per_line_and_read_back_exactly() -> None:
    request = _curve_request()
    record = plot_record(request, _points([None, *request.x[1:]]), _points([1 / 3] * len(request.x)), DEFAULT_TOLERANCES)
    assert record is not None and isinstance(record["x"], str) and isinstance(record["series"][0]["student"], str)
    assert unpack_numbers(record["x"]) == list(request.x)
    assert unpack_numbers(record["series"][0]["student"]) == [None, *request.x[1:]]
    assert unpack_numbers(record["series"][0]["reference"])[0] == float(f"{1 / 3:.7g}")
    values = [0.1, -2.5e-300, 1e300, None, 0.0, -0.0, 123456789.0]
    assert unpack_numbers(pack_numbers(values)) == values and unpack_numbers(pack_numbers([])) == []
    assert unpack_numbers([1, None, 2.5]) == [1.0, None, 2.5]  # a record written before the strings
    for bad in ("1,x", {"a": 1}, 3.0):
        with pytest.raises((ValueError, TypeError)):
            unpack_numbers(bad)


def test_a_curve_record_counts_the_points_where_the_student_raised() -> None:
    request = _curve_request()
    student = _points([None] + [1.0] * (len(request.x) - 1))
    record = plot_record(request, student, _points([1.0] * len(request.x)), DEFAULT_TOLERANCES)
    assert record is not None and record["errors"] == 1 and record["first_error"] == "E: boom"


def test_a_missing_student_observation_keeps_the_reference_and_says_why() -> None:
    request = _curve_request()
    record = plot_record(request, None, _points([1.0] * len(request.x)), DEFAULT_TOLERANCES)
    assert record is not None and record["series"][0]["student"] is None
    assert "did not get this far" in record["problem"]


def _figure_request() -> Any:
    request = plot_request(
        _exercise([{"name": "fig", "kind": "figure", "entry": "plot", "points": 1, "visible": True, "cases": [{"args": []}]}], ("plot",))
    )
    assert request is not None
    return request


def _figure_call(lines: dict[str, tuple[list[float], list[float]]], xlabel: str = "x") -> dict[str, Any]:
    figure = Figure()
    axes = figure.add_subplot()
    for label, (x, y) in lines.items():
        axes.plot(x, y, label=label)
    axes.set_xlabel(xlabel)
    return {"calls": [{"value": encode(figure)}]}


def test_a_figure_is_drawn_from_its_line_data_by_label() -> None:
    x = [0.0, 1.0, 2.0]
    reference = _figure_call({"function": (x, [0.0, 1.0, 4.0]), "derivative": (x, [0.0, 2.0, 4.0])})
    student = _figure_call({"derivative": (x, [0.0, 2.0, 5.0]), "function": (x, [0.0, 1.0, 4.0])})
    record = plot_record(_figure_request(), student, reference, DEFAULT_TOLERANCES)
    assert record is not None and record["kind"] == "figure_lines" and record["problem"] == ""
    json.dumps(record, allow_nan=False)
    assert unpack_numbers(record["x"]) == x
    by_label = {s["label"]: s for s in record["series"]}
    assert unpack_numbers(by_label["derivative"]["student"]) == [0.0, 2.0, 5.0]
    assert unpack_numbers(by_label["function"]["reference"]) == [0.0, 1.0, 4.0]


def test_a_figure_missing_a_line_or_its_x_label_says_so_and_shows_only_the_reference_labels() -> None:
    x = [0.0, 1.0, 2.0]
    reference = _figure_call({"function": (x, [0.0, 1.0, 4.0]), "derivative": (x, [0.0, 2.0, 4.0])})
    student = _figure_call({"function": ([5.0, 6.0, 7.0], [0.0, 1.0, 4.0]), "<script>": (x, [1.0, 1.0, 1.0])}, xlabel="t")
    record = plot_record(_figure_request(), student, reference, DEFAULT_TOLERANCES)
    assert record is not None
    assert "no line labelled 'derivative'" in record["problem"]
    assert "'function' is drawn over other x values" in record["problem"]
    assert "x axis label should be 'x'" in record["problem"]
    assert [s["label"] for s in record["series"]] == ["function", "derivative"]
    assert all(s["student"] is None for s in record["series"])


def test_a_figure_that_is_not_a_figure_keeps_the_reference_and_says_why() -> None:
    x = [0.0, 1.0]
    reference = _figure_call({"function": (x, [0.0, 1.0])})
    record = plot_record(_figure_request(), {"calls": [{"value": encode(42)}]}, reference, DEFAULT_TOLERANCES)
    assert record is not None and "did not return a matplotlib Figure" in record["problem"]
    record = plot_record(_figure_request(), {}, reference, DEFAULT_TOLERANCES)
    assert record is not None and "did not get this far" in record["problem"]


def test_a_figure_whose_call_raised_names_the_exception_and_keeps_the_reference() -> None:
    x = [0.0, 1.0]
    reference = _figure_call({"function": (x, [0.0, 1.0])})
    raised = {"calls": [{"error": {"type": "ValueError", "message": "no data\nsecond line"}}]}
    record = plot_record(_figure_request(), raised, reference, DEFAULT_TOLERANCES)
    assert record is not None and record["problem"] == "calling plot() raised ValueError: no data"
    assert [s["student"] for s in record["series"]] == [None] and unpack_numbers(record["series"][0]["reference"]) == [0.0, 1.0]


def test_a_figure_record_carries_the_exercise_float32_tolerance_or_the_default_table_one() -> None:
    x = [0.0, 1.0]
    reference = _figure_call({"function": (x, [0.0, 1.0])})
    own = plot_record(_figure_request(), reference, reference, {"float32": Tolerance(rtol=0.1, atol=0.2)})
    default = plot_record(_figure_request(), reference, reference, {})
    assert own is not None and own["tolerance"] == {"rtol": 0.1, "atol": 0.2}
    float32 = DEFAULT_TOLERANCES["float32"]
    assert default is not None and default["tolerance"] == {"rtol": float32.rtol, "atol": float32.atol}


def _plan_with(visible_probe: str, hidden_probe: str) -> ExercisePlan:
    exercise = _exercise(
        [
            {"name": "shown", "kind": "value", "entry": "f", "points": 1, "visible": True, "cases": [{"args": [1]}]},
            {"name": "secret", "kind": "value", "entry": "f", "points": 1, "cases": [{"args": [2]}]},
        ]
    )
    hidden = PlannedCheck("ex", exercise.checks[1], (PlannedCase(hidden_probe, {}, "a hidden input"),))
    visible = PlannedCheck("ex", exercise.checks[0], (PlannedCase(visible_probe, {}, "f(1)"),))
    return ExercisePlan(exercise=exercise, checks=(hidden, visible), limits=None, tolerances=DEFAULT_TOLERANCES)  # type: ignore[arg-type]


def test_the_traceback_comes_from_a_visible_check_first_and_skips_stubs() -> None:
    plan = _plan_with("v", "h")
    error = {"type": "TypeError", "message": "bad", "frames": [{"line": 3, "code": "return x + 's'", "function": "f"}]}
    hidden_error = {"type": "KeyError", "message": "hidden", "frames": []}
    found = first_traceback(plan, {"v": {"calls": [{"error": error}]}, "h": {"calls": [{"error": hidden_error}]}})
    assert found == {**error, "hidden_input": False}
    multi_line = {"type": "ValueError", "message": "first line\nsecret 0.123", "frames": []}
    hidden = first_traceback(plan, {"v": {"calls": [{"value": {"type": "int", "value": 1}}]}, "h": {"calls": [{"error": multi_line}]}})
    assert hidden == {"type": "ValueError", "message": "first line", "frames": [], "hidden_input": True}
    assert first_traceback(plan, {"v": {"calls": [{"error": {"type": "NotImplementedError", "message": "todo"}}]}}) is None


def test_what_the_student_prints_during_a_plot_probe_is_discarded(capsys: pytest.CaptureFixture[str]) -> None:
    module, path = _module("def f(x0):\n    print('x' * 10000)\n    return x0\n")
    observation = PLOT_PROBES["curve"](module, path, {"entry": "f", "points": [0.0, 1.0], "fixed": []})
    assert [p["value"]["value"] for p in observation["points"]] == [0.0, 1.0]
    assert capsys.readouterr() == ("", "")
