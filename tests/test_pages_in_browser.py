"""The HTML reports as a person sees them: the real ``grade run`` on the sample class, then headless Chromium.

Assertions read what is visible (``innerText``, images that loaded and are not
blank, plots as they appear on screen, element sizes), never the HTML source. Screenshots are taken of each
page; with ``GRADER_SCREENSHOTS=docs`` they replace the ones under ``docs/``
that the README shows.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from browser import Browser, find_chromium
from grade_command import REPO, Outcome, records_by_submission, run_grade

RUN_TIMEOUT = 600
CLASS = REPO / "examples" / "class"
DOCS = REPO / "docs"
FAILING = "tutorial_copy"
"""The tutorials' own code: its SQ ignores grad_output, so its page must show the backward plot and that hint."""

PICTURE_FACTS = """(element => {
  const canvas = document.createElement("canvas");
  canvas.width = element.naturalWidth; canvas.height = element.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(element, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Set(); let ink = 0, colourful = 0;
  for (let i = 0; i < data.length; i += 4) {
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink += 1;
    if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 80) colourful += 1;
  }
  const box = element.getBoundingClientRect();
  return {complete: element.complete, width: element.naturalWidth, height: element.naturalHeight,
          shownWidth: box.width, shownHeight: box.height, colours: colours.size, ink: ink / (data.length / 4),
          colourful: colourful / (data.length / 4)};
})"""

LINE_FACTS = """(svg => Array.from(svg.querySelectorAll(SELECTOR)).map(path => {
  const box = path.getBBox();
  return {width: box.width, height: box.height, points: (path.getAttribute("d").match(/-?[0-9.]+/g) || []).length / 2};
}))"""
"""Each line of a plot (``path.student`` or ``path.reference``): its extent in the plot's units and its point count."""


def _grade(*args: str) -> Outcome:
    return run_grade(*args, timeout=RUN_TIMEOUT)


@dataclass(frozen=True)
class Graded:
    out: Path
    stdout: str

    def names(self) -> set[str]:
        return set(records_by_submission(self.out))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    out = tmp_path_factory.mktemp("pages") / "out"
    completed = _grade("run", str(CLASS), "--out", str(out), "--quiet")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return Graded(out, completed.stdout)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    assert executable is not None, "these tests need Chromium: `make test` installs it as root (apt-get install -y chromium)"
    with Browser(executable) as opened:
        yield opened


def _keep_screenshot(browser: Browser, name: str, tmp_path: Path) -> None:
    shot = browser.screenshot(tmp_path / name)
    assert shot.stat().st_size > 10_000
    if os.environ.get("GRADER_SCREENSHOTS") == "docs":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / name)


def _plot_on_screen(browser: Browser, element: str) -> dict[str, Any]:
    """An inline SVG plot as a reader sees it: a screenshot of its box, measured with the same facts as an image."""
    box = browser.evaluate(
        "(e => { const b = e.getBoundingClientRect();"
        f" return {{x: b.x + scrollX, y: b.y + scrollY, width: b.width, height: b.height}}; }})({element})"
    )
    shot = browser.capture(box)
    facts: dict[str, Any] = browser.evaluate(
        "new Promise((resolve, reject) => { const image = new Image(); image.onerror = reject;"
        f" image.onload = () => resolve(({PICTURE_FACTS})(image)); image.src = 'data:image/png;base64,{shot}'; }})"
    )
    return {**facts, "shownWidth": box["width"], "shownHeight": box["height"]}


def _lines(browser: Browser, svg: str, selector: str) -> list[dict[str, float]]:
    lines: list[dict[str, float]] = browser.evaluate(f"({LINE_FACTS.replace('SELECTOR', json.dumps(selector))})({svg})")
    return lines


def _assert_real_plot(browser: Browser, svg: str, colourful: bool = True) -> None:
    """On screen, big enough, not blank, with colour (the lines) when ``colourful``."""
    facts = _plot_on_screen(browser, svg)
    _assert_real_picture(facts)
    assert not colourful or facts["colourful"] > 0.002, facts


def _assert_real_picture(facts: dict[str, Any]) -> None:
    """Loaded, big enough to read, shown at a real size, and not blank (several colours, some ink)."""
    assert facts["complete"] and facts["width"] >= 300 and facts["height"] >= 150, facts
    assert facts["shownWidth"] >= 250 and facts["shownHeight"] >= 100, facts
    assert facts["colours"] >= 8 and facts["ink"] > 0.01, facts


def test_grade_run_says_where_the_dashboard_is(graded: Graded) -> None:
    assert f"dashboard: {graded.out / 'index.html'}" in graded.stdout
    assert (graded.out / "index.html").is_file()


def test_dashboard_histogram_is_drawn_and_is_not_blank(graded: Graded, browser: Browser, tmp_path: Path) -> None:
    browser.open(graded.out / "index.html")
    _assert_real_plot(browser, "document.querySelector('#histogram svg.plot')")
    bars = browser.evaluate(
        "Array.from(document.querySelectorAll('#histogram rect.histogram-bar'))"
        ".map(r => [r.getBoundingClientRect().height, parseInt(r.querySelector('title').textContent)])"
    )
    assert bars and sum(count for _, count in bars) == len(graded.names()), bars
    per_submission = [height / count for height, count in bars]  # each bar as tall as its count says
    assert min(per_submission) > 5 and max(per_submission) < 1.02 * min(per_submission), bars
    assert "Score distribution" in browser.visible_text()
    _keep_screenshot(browser, "dashboard.png", tmp_path)


def test_dashboard_student_table_lists_every_submission_with_a_working_link(graded: Graded, browser: Browser) -> None:
    browser.open(graded.out / "index.html")
    rows = browser.evaluate(
        "Array.from(document.querySelectorAll('#students tbody tr')).map(r => [r.cells[0].querySelector('a').innerText,"
        " r.cells[0].querySelector('a').href])"
    )
    names = {unicodedata.normalize("NFC", name) for name, _ in rows}
    assert names == {unicodedata.normalize("NFC", n) for n in graded.names()}
    assert len(rows) == len(graded.names()) == 8
    for _, href in rows:
        assert href.startswith("file://")
        assert Path(unquote(href.removeprefix("file://"))).is_file(), href


def test_dashboard_names_the_most_frequent_diagnoses_and_what_could_not_be_graded(graded: Graded, browser: Browser) -> None:
    browser.open(graded.out / "index.html")
    diagnoses = browser.evaluate("Array.from(document.querySelectorAll('#diagnoses tbody tr')).map(r => r.innerText)")
    assert any("ignores grad output" in row for row in diagnoses), diagnoses
    ungraded = browser.evaluate("document.querySelector('#ungraded').innerText")
    assert "Zoë Müller" in ungraded and "file missing" in ungraded and "syntax error" in ungraded
    text = browser.visible_text()
    assert "isolation:" in text
    isolation = browser.evaluate("document.querySelector('#isolation').innerText")
    assert isolation.split()[0] in {"namespaces", "userns", "process"}


def test_dashboard_table_sorts_by_total_when_its_heading_is_clicked(graded: Graded, browser: Browser) -> None:
    browser.open(graded.out / "index.html")
    totals = "Array.from(document.querySelectorAll('#students tbody tr')).map(r => parseFloat(r.cells[r.cells.length - 1].dataset.sort))"
    click_total = "document.querySelector('#students thead th:last-child button').click()"
    browser.evaluate(click_total)
    ascending = browser.evaluate(totals)
    assert ascending == sorted(ascending)
    browser.evaluate(click_total)
    descending = browser.evaluate(totals)
    assert descending == sorted(descending, reverse=True) and descending[0] > descending[-1]


def test_failing_students_page_shows_the_backward_plot_and_the_hint(graded: Graded, browser: Browser, tmp_path: Path) -> None:
    browser.open(graded.out / "feedback" / f"{FAILING}.html")
    text = browser.visible_text()
    assert "Hint: Your backward returns the same gradient whatever grad_output is" in text
    record = json.loads((graded.out / "submissions" / f"{FAILING}.json").read_text(encoding="utf-8"))
    assert 0 < record["points"] < record["max_points"]
    assert f"{record['points']:g} / {record['max_points']:g} points" in text
    section = "Array.from(document.querySelectorAll('section.exercise')).find(s => s.innerText.includes('custom autograd Function'))"
    assert browser.evaluate(f"{section}.querySelectorAll('svg.plot').length") == 1
    plot = f"{section}.querySelector('svg.plot')"
    _assert_real_plot(browser, plot)
    for kind in ("path.student", "path.reference"):  # one line per upstream gradient, each across the whole range
        lines = _lines(browser, plot, kind)
        assert len(lines) >= 2 and all(line["points"] > 100 and line["width"] > 400 for line in lines), (kind, lines)
    assert browser.evaluate(f"{plot}.querySelectorAll('rect.differs').length") >= 1
    assert "Your backward (solid) against the reference (dashed)" in text
    _keep_screenshot(browser, "feedback.png", tmp_path)


def test_grid_exercise_page_draws_the_students_figure_lines_over_the_expected_ones(graded: Graded, browser: Browser) -> None:
    browser.open(graded.out / "feedback" / "mean_not_sum.html")
    section = "Array.from(document.querySelectorAll('section.exercise')).find(s => s.innerText.includes('on a grid'))"
    assert browser.evaluate(f"{section}.querySelectorAll('svg.plot').length") == 1
    plot = f"{section}.querySelector('svg.plot')"
    _assert_real_plot(browser, plot)
    for kind in ("path.student", "path.reference"):  # one line per label of the figure: function and derivative
        assert len(_lines(browser, plot, kind)) == 2, kind
    assert "The lines of your figure (solid) against the reference figure's (dashed)" in browser.visible_text()


def test_a_traceback_is_shown_trimmed_to_the_students_file(graded: Graded, browser: Browser) -> None:
    browser.open(graded.out / "feedback" / "Zoë Müller.html")
    traceback = browser.evaluate("document.querySelector('pre.traceback').innerText")
    assert "line 5, in build_graph: x = torch.tensor(x0, requires_grad=True)" in traceback
    assert "site-packages" not in traceback and "grader" not in traceback


def test_pages_fit_a_phone_screen(graded: Graded, browser: Browser) -> None:
    for page in (graded.out / "index.html", graded.out / "feedback" / f"{FAILING}.html"):
        browser.open(page, width=390, height=800)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390, page
        widths = browser.evaluate("Array.from(document.querySelectorAll('svg.plot')).map(s => s.getBoundingClientRect().width)")
        assert widths and all(300 <= width <= 390 for width in widths), (page, widths)  # scaled down to the screen, not cut


def test_grade_report_rebuilds_the_pages_from_the_stored_records(graded: Graded, browser: Browser, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(graded.out / "submissions", copy / "submissions")
    completed = _grade("report", str(copy))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert sorted(p.name for p in (copy / "feedback").iterdir()) == sorted(p.name for p in (graded.out / "feedback").iterdir())
    browser.open(copy / "feedback" / f"{FAILING}.html")
    assert "Hint: Your backward returns the same gradient whatever grad_output is" in browser.visible_text()


def test_grade_report_on_a_folder_without_records_is_a_usage_error(tmp_path: Path) -> None:
    completed = _grade("report", str(tmp_path))
    assert completed.returncode == 2
    assert "holds no graded records" in completed.stderr


def test_grade_check_html_writes_the_page_and_prints_its_path(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "mine.html"
    completed = _grade("check", "--workspace", str(CLASS / FAILING), "--html", str(page))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert f"Feedback page: {page}" in completed.stdout.replace("\n", "")
    browser.open(page)
    text = browser.visible_text()
    assert "on the visible checks" in text and "hidden" not in text.split("Hidden checks use inputs")[0]
    assert "Hint: Your backward returns the same gradient whatever grad_output is" in text
    _assert_real_plot(browser, "document.querySelector('svg.plot')")


def test_hostile_names_and_messages_are_shown_as_text_and_never_run(browser: Browser, tmp_path: Path) -> None:
    name = "<img src=x onerror=\"document.title='pwned'\"><b>bold"  # a folder name cannot hold the / of </script>
    folder = tmp_path / "class" / name
    folder.mkdir(parents=True)
    (folder / "square.py").write_text(
        "def derivative_square(x0):\n    raise ValueError(\"<script>document.title='pwned'</script>\")\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    completed = _grade("run", str(tmp_path / "class"), "--out", str(out), "--exercise", "square", "--quiet")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for page in (out / "index.html", *sorted((out / "feedback").glob("*.html"))):
        browser.open(page)
        assert browser.evaluate("document.title") != "pwned"
        policy = browser.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
        assert policy.startswith("default-src 'none'; img-src data:;"), policy
        assert browser.evaluate("document.querySelectorAll('body script, body img:not(.plot-image)').length") == (
            1 if page.name == "index.html" else 0
        )
        text = browser.visible_text()
        assert name in text
        assert page.name == "index.html" or "<script>document.title='pwned'</script>" in text
