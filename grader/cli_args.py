"""The ``grade`` command line's conventions, kept apart from the verbs so :mod:`grader.cli` stays a list of verbs.

What users of git, pytest and pip expect from a command line: numbers that refuse
nonsense at parse time (exit 2, one line naming what is allowed), ``--course`` before
or after the verb, ``course.yaml`` found by looking upward from the current folder,
"did you mean" for a misspelt name, and a description and an example in every verb's
``--help``. Nothing here imports torch or the grader's engine: a usage error prints
before anything heavy is loaded.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from grader.course.load import check_exercise_ids
from grader.errors import CourseError
from grader.sandbox.platform_support import LEVELS

COURSE_FILE = "course.yaml"


# ---------------------------------------------------------------- numbers


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--jobs``, ``--chunk``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number of seconds above 0 (``--time-limit``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


# ---------------------------------------------------------------- did you mean


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean `square`?)`` when a known name is close to ``word``, else the empty string."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class GradeArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose "invalid choice" error suggests the closest choice (``grade chek`` -> ``check``).

    Sub-parsers are built from ``type(self)``, so every verb and sub-verb gets the same behaviour.
    """

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices and isinstance(value, str):
            choices = [str(choice) for choice in action.choices]
            hint = did_you_mean(value, choices)
            raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint} (choose from {', '.join(choices)})")
        super()._check_value(action, value)


# ---------------------------------------------------------------- the parser tree


def verb_parsers(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every verb's parser with its path (``check``, ``nbgrader build``), depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                yield path, sub
                yield from verb_parsers(sub, path)


def _verb_helps(parser: argparse.ArgumentParser) -> dict[int, str]:
    """The one-line ``help`` each verb was added with, by the id of its parser."""
    helps: dict[int, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            by_name = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                helps[id(sub)] = by_name.get(name, "")
                helps.update(_verb_helps(sub))
    return helps


def describe_verbs(parser: argparse.ArgumentParser, examples: Mapping[str, str]) -> None:
    """Give every verb's ``--help`` a description (its one-line help unless it has its own) and its example."""
    helps = _verb_helps(parser)
    for path, sub in verb_parsers(parser):
        if not sub.description:
            sub.description = helps.get(id(sub), "")
        example = examples.get(path)
        if example and not sub.epilog:
            sub.epilog = "example:\n" + "\n".join(f"  {line}" for line in example.splitlines())
            sub.formatter_class = argparse.RawDescriptionHelpFormatter


def accept_course_anywhere(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--course`` before or after any verb (``grade check square --course ../course``).

    The verbs' copies default to SUPPRESS, so a verb's parser never overwrites a
    ``--course`` given before the verb with its own default.
    """
    for _, sub in verb_parsers(parser):
        if not any("--course" in action.option_strings for action in sub._actions):
            sub.add_argument("--course", type=Path, default=argparse.SUPPRESS, help=help_text)


# ---------------------------------------------------------------- finding the course


def find_course(given: Path | None, start: Path | None = None) -> Path:
    """``course.yaml``: ``given`` when the user named it, else the nearest one in ``start`` or a folder above it.

    Like git and pytest finding their root, so ``grade check`` works from a release's
    ``exercises/`` folder. Raises :class:`CourseError` naming the folders searched.
    """
    if given is not None:
        return given
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / COURSE_FILE
        if candidate.is_file():
            return candidate
    raise CourseError(
        [f"{COURSE_FILE}: not found in {here} or any folder above it; run grade from the course's folder or pass --course PATH"]
    )


def add_isolation_option(parser: argparse.ArgumentParser, default_text: str) -> None:
    """``--isolation LEVEL``: force a sandbox level (as ``GRADER_ISOLATION`` does); docs/security.md compares them."""
    parser.add_argument(
        "--isolation",
        choices=("auto", *LEVELS),
        default=None,
        help=f"the sandbox's isolation level ({default_text}; portable: a spawned process per exercise, weaker)",
    )


def package_version() -> str:
    """The installed package's version for ``grade --version`` (a source tree that was never installed says so)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autograd-grader")
    except PackageNotFoundError:
        return "unknown (not installed)"


__all__ = [
    "GradeArgumentParser",
    "accept_course_anywhere",
    "add_isolation_option",
    "check_exercise_ids",
    "describe_verbs",
    "did_you_mean",
    "find_course",
    "package_version",
    "positive_float",
    "positive_int",
    "verb_parsers",
]
