"""``load_course``: a valid course loads; every broken one is explained with ``file:line:col``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.course.load import LoadedCourse, load_course
from grader.errors import CourseError

VALID = """\
course: autograd-101
title: Autograd 101
seed: 1234
exercises:
  - id: relu
    title: ReLU
    description: Write a ReLU.
    entry_points: [relu]
    checks:
      - name: forward
        kind: value
        entry: relu
        points: 2
        cases:
          - args: [[-1.0, 2.0]]
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path) -> Iterator[None]:
    """Run from ``tmp_path`` so messages name ``course.yaml`` as an instructor would type it."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield
    finally:
        os.chdir(old)


def _course(tmp_path: Path, text: str, *, files: tuple[str, ...] = ("relu",)) -> Path:
    for ex_id in files:
        for folder in ("exercises", "solutions"):
            (tmp_path / folder).mkdir(exist_ok=True)
            (tmp_path / folder / f"{ex_id}.py").write_text("def relu(x): ...\n")
    path = tmp_path / "course.yaml"
    path.write_text(text)
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(CourseError) as info:
        load_course(path)
    return info.value.problems


def _edit(replacements: dict[str, str]) -> str:
    text = VALID
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_a_valid_course_loads_with_its_root(tmp_path: Path) -> None:
    loaded = load_course(_course(tmp_path, VALID))
    assert isinstance(loaded, LoadedCourse)
    assert loaded.course.exercise("relu").points == 2
    assert loaded.root == tmp_path.resolve()
    assert loaded.path == (tmp_path / "course.yaml").resolve()


def test_the_folder_holding_course_yaml_is_accepted_too(tmp_path: Path) -> None:
    _course(tmp_path, VALID)
    assert load_course(tmp_path).course.course == "autograd-101"


def test_a_misspelt_key_gets_its_line_and_a_did_you_mean(tmp_path: Path) -> None:
    text = VALID + "    tolerance:\n      float32: {rtol: 0.01, atoll: 0.001}\n"
    problems = _problems(_course(tmp_path, text))
    assert problems == [
        ("course.yaml:17:16: exercises[0].tolerance.float32: expected a value for `atol` (required), found no `atol` key"),
        (
            "course.yaml:17:29: exercises[0].tolerance.float32.atoll: expected no key `atoll` here, "
            "found `atoll: 0.001`; did you mean `atol`?"
        ),
    ]


def test_an_unknown_key_far_from_any_name_lists_the_allowed_ones(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, VALID + "maintainer: Ada\n"))
    assert problems == [
        (
            'course.yaml:16:1: maintainer: expected no key `maintainer` here, found `maintainer: "Ada"`; allowed here: '
            "`course`, `title`, `seed`, `defaults`, `checks_dir`, `released`, `exercises`, `deadline`"
        )
    ]


def test_a_wrong_kind_suggests_the_closest_literal(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"kind: value": "kind: function_backwards"})))
    assert problems == [
        (
            "course.yaml:11:15: exercises[0].checks[0].kind: expected one of `value`, `figure`, `graph`, "
            "`function_forward`, `function_backward`, `function_gradcheck`, `function_double_backward`, "
            '`function_inplace`, `func_transforms`, found "function_backwards"; '
            "did you mean `function_backward`?"
        )
    ]


def test_negative_points_name_the_path_and_the_value_found(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"points: 2": "points: -1"})))
    assert problems == ["course.yaml:13:17: exercises[0].checks[0].points: expected a number greater than 0, found -1"]


def test_a_missing_required_key_names_the_line_of_the_mapping_lacking_it(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"        entry: relu\n": ""})))
    assert problems == ["course.yaml:10:9: exercises[0].checks[0]: expected a value for `entry` (required), found no `entry` key"]


def test_a_rule_across_keys_names_the_line_of_its_mapping(tmp_path: Path) -> None:
    text = _edit({"        cases:\n          - args: [[-1.0, 2.0]]\n": ""})
    problems = _problems(_course(tmp_path, text))
    assert problems == ["course.yaml:10:9: exercises[0].checks[0]: a check needs `cases`, `random` or both"]


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"title: ReLU": "title: ReLU: max(0, x)"})))
    assert problems == ["course.yaml:6:16: invalid YAML: mapping values are not allowed here"]


def test_a_duplicate_key_is_reported_with_both_lines(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"        points: 2\n": "        points: 2\n        points: 3\n"})))
    assert problems == [
        (
            "course.yaml:14:9: exercises[0].checks[0].points: duplicate key `points` (first at line 13, "
            "again at line 14); YAML would silently keep only the last"
        )
    ]


def test_a_missing_solution_file_is_reported_at_its_exercise(tmp_path: Path) -> None:
    path = _course(tmp_path, VALID)
    (tmp_path / "solutions" / "relu.py").unlink()
    problems = _problems(path)
    assert problems == [
        (
            "course.yaml:5:5: exercises[0]: expected the reference solution of `relu` at solutions/relu.py, "
            f"found no such file (looked at {tmp_path.resolve() / 'solutions' / 'relu.py'})"
        )
    ]


def test_missing_mutant_files_and_checks_dir_are_reported(tmp_path: Path) -> None:
    text = VALID.replace("seed: 1234\n", "seed: 1234\nchecks_dir: hidden\n") + (
        "    mutants:\n      - {name: no_grad, hint: forgot grad_output}\n      - {name: other, hint: h, file: elsewhere/other.py}\n"
    )
    problems = [p.split(" (looked at")[0] for p in _problems(_course(tmp_path, text))]
    assert problems == [
        "course.yaml:4:13: checks_dir: expected the folder of instructor checks at hidden, found no such folder",
        ("course.yaml:18:9: exercises[0].mutants[0]: expected the mutant `no_grad` at mutants/relu/no_grad.py, found no such file"),
        ("course.yaml:19:38: exercises[0].mutants[1].file: expected the mutant `other` at elsewhere/other.py, found no such file"),
    ]


def test_several_problems_are_all_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = (
        _edit(
            {
                "seed: 1234": "seed: -5",
                "kind: value": "kind: valeu",
                "points: 2": "points: 0",
            }
        )
        + "    forbid_autogard: true\n"
    )
    path = _course(tmp_path, text)
    (tmp_path / "exercises" / "relu.py").unlink()
    problems = _problems(path)
    assert [p.split(": ")[0] for p in problems] == [
        "course.yaml:3:7",
        "course.yaml:5:5",
        "course.yaml:11:15",
        "course.yaml:13:17",
        "course.yaml:16:5",
    ]
    assert "seed: expected a whole number of at least 0, found -5" in problems[0]
    assert "student template of `relu`" in problems[1]
    assert "did you mean `value`?" in problems[2]
    assert "did you mean `forbid_autograd`?" in problems[4]


def test_a_missing_course_yaml_gives_a_clear_message(tmp_path: Path) -> None:
    problems = _problems(tmp_path / "course.yaml")
    expected = tmp_path.resolve() / "course.yaml"
    assert problems == [f"course.yaml: not found (expected the course definition at {expected})"]


def test_a_file_outside_the_working_directory_is_named_by_its_absolute_path(tmp_path: Path) -> None:
    path = _course(tmp_path, _edit({"points: 2": "points: -1"}))
    (tmp_path / "elsewhere").mkdir()
    os.chdir(tmp_path / "elsewhere")
    assert _problems(path)[0].startswith(f"{path.resolve()}:13:17: ")


def test_an_empty_file_is_explained(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, "# nothing yet\n"))
    assert problems[0].startswith("course.yaml:1:1: expected the course definition")
    assert problems[0].endswith("found an empty file")


def test_a_long_found_value_is_cut_to_sixty_characters(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(VALID)
    data["seed"] = "x" * 200
    problem = _problems(_course(tmp_path, yaml.safe_dump(data, sort_keys=False)))[0]
    found = problem.split("found ", 1)[1]
    assert len(found) == 60
    assert found.endswith("...")


HIDDEN_RANDOM = """\
      - name: hidden
        kind: value
        entry: relu
        points: 1
        random:
          count: 2
          args: [{uniform: [-1, 1], shape: [3]}]
"""


def test_a_random_spec_in_a_fixed_case_is_placed_at_its_value_and_sent_under_random(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"args: [[-1.0, 2.0]]": "args: [{uniform: [0, 1]}]"})))
    assert problems == [
        "course.yaml:15:20: exercises[0].checks[0].cases[0].args[0]: expected a fixed value (a number, a list, {tensor: ...} "
        'or {function: NAME}), found the random spec {"uniform": [0, 1]}: random specs are only allowed under `random:` '
        "in a hidden check"
    ]


def test_an_unknown_sample_function_names_its_line_and_the_functions_there_are(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"args: [[-1.0, 2.0]]": "args: [[1.0], {function: sine}]"})))
    assert problems == [
        "course.yaml:15:27: exercises[0].checks[0].cases[0].args[1]: expected `{function: NAME}` with NAME one of `cube`, "
        '`exp_sum`, `poly2`, `scaled_sin`, `steep`, `sum_of_squares`, found {"function": "sine"}'
    ]


def test_a_tensor_spec_with_an_unknown_dtype_names_its_line_and_the_dtypes_expected(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"args: [[-1.0, 2.0]]": "args: [{tensor: [1.0], dtype: float46}]"})))
    assert problems == [
        "course.yaml:15:20: exercises[0].checks[0].cases[0].args[0]: expected a torch dtype such as `float32` or `float64` "
        'for `dtype`, found "float46"'
    ]


def test_a_misspelt_key_in_a_tensor_spec_inside_kwargs_lists_the_keys_it_takes(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"args: [[-1.0, 2.0]]": "kwargs: {x: {tensor: [1.0], requires_gradient: true}}"})))
    assert problems == [
        "course.yaml:15:25: exercises[0].checks[0].cases[0].kwargs.x: expected only the keys `tensor`, `dtype`, "
        "`requires_grad` in a tensor spec, found `requires_gradient`"
    ]


def test_a_value_spec_nested_in_a_list_is_checked_too(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, _edit({"args: [[-1.0, 2.0]]": "args: [[1.0, {tensr: [2.0]}]]"})))
    assert problems == [
        "course.yaml:15:20: exercises[0].checks[0].cases[0].args[0]: expected a number, a list, {tensor: ...}, "
        '{function: NAME} or, under `random:`, a random spec (uniform, normal, randint, choice), found {"tensr": [2.0]}'
    ]


def test_a_random_spec_with_a_misspelt_key_under_random_names_its_line(tmp_path: Path) -> None:
    text = VALID + HIDDEN_RANDOM.replace("shape: [3]", "shap: [3]")
    problems = _problems(_course(tmp_path, text))
    assert problems == [
        "course.yaml:22:18: exercises[0].checks[1].random.args[0]: expected only the keys `uniform`, `normal`, `randint`, "
        "`choice`, `shape`, `dtype` in a random spec, found `shap`"
    ]


def test_a_random_spec_drawing_two_ways_at_once_is_refused(tmp_path: Path) -> None:
    text = VALID + HIDDEN_RANDOM.replace("{uniform: [-1, 1], shape: [3]}", "{uniform: [-1, 1], normal: [0, 1]}")
    problems = _problems(_course(tmp_path, text))
    assert problems == [
        "course.yaml:22:18: exercises[0].checks[1].random.args[0]: expected one of `uniform`, `normal`, `randint`, "
        "`choice` in a random spec, found 2"
    ]


def test_a_random_range_that_is_not_two_numbers_says_what_it_should_be(tmp_path: Path) -> None:
    text = VALID + HIDDEN_RANDOM.replace("{uniform: [-1, 1], shape: [3]}", "{uniform: [-1], shape: [3]}")
    problems = _problems(_course(tmp_path, text))
    assert problems == ["course.yaml:22:18: exercises[0].checks[1].random.args[0]: expected `uniform: [a, b]` (two numbers), found [-1]"]


BACKWARD_CHECK = """\
      - name: backward
        kind: function_backward
        entry: relu
        points: 1
        visible: true
        cases:
          - inputs: [[1.0, -2.0]]
"""


def test_a_function_backward_case_without_upstream_gradients_names_the_case(tmp_path: Path) -> None:
    problems = _problems(_course(tmp_path, VALID + BACKWARD_CHECK))
    assert problems == ["course.yaml:16:9: exercises[0].checks[1]: cases[0]: a `function_backward` check needs `upstreams`, found none"]


def test_requires_grad_flags_must_match_the_inputs_one_for_one(tmp_path: Path) -> None:
    text = VALID + BACKWARD_CHECK.replace(
        "inputs: [[1.0, -2.0]]", "inputs: [[1.0, -2.0]]\n            upstreams: [1.0]\n            requires_grad: [true, false]"
    )
    problems = _problems(_course(tmp_path, text))
    assert problems == ["course.yaml:16:9: exercises[0].checks[1]: cases[0]: expected one `requires_grad` entry per input (1), found 2"]


def test_a_func_transforms_case_with_extra_arguments_says_the_shape_a_case_takes(tmp_path: Path) -> None:
    text = VALID + BACKWARD_CHECK.replace("function_backward", "func_transforms").replace(
        "[[1.0, -2.0]]", "[[1.0, -2.0]]\n            extra: [2]"
    )
    problems = _problems(_course(tmp_path, text))
    assert problems == [
        "course.yaml:16:9: exercises[0].checks[1]: cases[0]: a `func_transforms` case takes one input (a 0-d or 1-d tensor of "
        "points) and no `extra`"
    ]
