"""The README and the pages under docs/ hold together as a newcomer reads them.

Every relative link and image points to a file that exists (and, with ``#anchor``, to a heading
of that file, slugged as GitHub does); every docs page is reachable from the README; every
command the README shows is a real ``make`` target or ``grade`` verb. Markdown is parsed with
markdown-it (rich's own parser), so text inside code blocks is never mistaken for a link.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]


def _tokens(page: Path) -> Iterator[Token]:
    """Every token of a page, inline children included (links and images live there)."""
    for token in MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8")):
        yield token
        yield from token.children or []


def _targets(page: Path) -> list[str]:
    """Where the page's links and images point, as written."""
    found = []
    for token in _tokens(page):
        if token.type == "link_open":
            found.append(str(token.attrs["href"]))
        elif token.type == "image":
            found.append(str(token.attrs["src"]))
    return found


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    tokens = list(MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8")))
    return {
        _slug("".join(child.content for child in inline.children or []))
        for opening, inline in pairwise(tokens)
        if opening.type == "heading_open"
    }


def _broken(page: Path) -> list[str]:
    """The page's relative links and images whose file (or heading) does not exist."""
    broken = []
    for target in _targets(page):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # a web address: not ours to check offline
        linked = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif parts.fragment and linked.suffix == ".md" and parts.fragment not in _anchors(linked):
            broken.append(f"{target}: no heading #{parts.fragment} in {linked.name}")
    return broken


def _readme_commands(program: str) -> list[list[str]]:
    """The command lines of the README's shell blocks that start with ``program``, as words, comments dropped."""
    commands = []
    for token in _tokens(README):
        if token.type == "fence" and token.info.strip() in ("sh", "bash", "console"):
            for line in token.content.splitlines():
                words = shlex.split(line, comments=True)
                if words[:1] == [program]:
                    commands.append(words)
    return commands


def _makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, flags=re.MULTILINE))


def _exit_code(main: Callable[[list[str]], object], argv: list[str]) -> int:
    try:
        returned = main(argv)
    except SystemExit as exited:
        return exited.code if isinstance(exited.code, int) else int(exited.code is not None)
    return returned if isinstance(returned, int) else 0


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_and_image_points_to_an_existing_file_and_heading(page: Path) -> None:
    assert _broken(page) == []


def test_the_docs_pages_have_links_and_images_to_check() -> None:
    assert len(PAGES) > 1
    assert any(target.endswith(".png") for page in PAGES for target in _targets(page))


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(README.parent / urlsplit(target).path).resolve() for target in _targets(README) if not urlsplit(target).scheme}
    assert [page.name for page in PAGES[1:] if page.resolve() not in linked] == []


def test_the_readme_shows_make_demo_and_make_test_and_every_make_command_it_shows_is_a_makefile_target() -> None:
    shown = {words[1] for words in _readme_commands("make")}
    assert {"demo", "test"} <= shown
    assert shown - _makefile_targets() == set()


def test_every_grade_command_in_the_readme_is_a_verb_of_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    main = entry_points(group="console_scripts")["grade"].load()
    verbs = {words[1] for words in _readme_commands("grade")}
    assert {"check", "validate", "run"} <= verbs
    assert _exit_code(main, ["no-such-verb", "--help"]) != 0
    refused = sorted(verb for verb in verbs if _exit_code(main, [verb, "--help"]) != 0)
    capsys.readouterr()
    assert refused == []
