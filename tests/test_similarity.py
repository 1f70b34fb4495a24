"""The similarity report: disguised copies are found, the stub and short idiomatic answers are not evidence, outputs are safe."""

from __future__ import annotations

import random
import re
from pathlib import Path

from grade_command import csv_rows, run_grade

from grader.similarity import SimilaritySettings, compare_class, compare_exercise, fingerprints, hash_set, normalised_tokens, pooled

STUB = '''"""Exercise sgd: gradient descent on w**2, recording w after each step."""

import torch


def sgd_square(w0: float, lr: float, steps: int) -> list[float]:
    """Run ``steps`` steps of gradient descent on L(w) = w**2 from w0; return w after each step."""
    raise NotImplementedError("loop: loss = w**2, backward, update under torch.no_grad()")
'''

ORIGINAL = """import torch


def sgd_square(w0, lr, steps):
    # one leaf for every step
    w = torch.tensor(float(w0), requires_grad=True)
    history = []
    for _ in range(steps):
        loss = w ** 2
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        history.append(w.item())
    if len(history) != steps:
        raise RuntimeError("lost a step")
    return [float(value) for value in history]
"""

DISGUISED = '''import torch


def sgd_square(w0, lr, steps):
    """My own loop, honestly."""
    trajectory = []  # collected values
    param = torch.tensor(float(w0), requires_grad=True)
    for step in range(steps):
        objective = param ** 2
        objective.backward()
        with torch.no_grad():
            param -= lr * param.grad
        trajectory.append(param.item())   # record first, then zero
        param.grad.zero_()
    if len(trajectory) != steps:
        raise RuntimeError("a step went missing")
    return [float(v) for v in trajectory]
'''

INDEPENDENT = [
    """import torch

def sgd_square(w0, lr, steps):
    out = []
    w = torch.tensor(float(w0), requires_grad=True)
    while len(out) < steps:
        w.grad = None
        (w * w).backward()
        w.data = w.data - lr * w.grad
        out.append(float(w))
    return out
""",
    """import torch

def sgd_square(w0, lr, steps):
    leaf = torch.tensor([w0], dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.SGD([leaf], lr=lr)
    values = []
    for i in range(steps):
        optimizer.zero_grad()
        torch.sum(leaf.pow(2)).backward()
        optimizer.step()
        values += [leaf.item()]
    return values
""",
    """import torch

def _step(w, lr):
    g, = torch.autograd.grad(w ** 2, w)
    return (w - lr * g).detach().requires_grad_()

def sgd_square(w0, lr, steps):
    w = torch.tensor(float(w0), requires_grad=True)
    result = []
    for k in range(steps):
        w = _step(w, lr)
        result.append(w.item())
    return result
""",
    """import torch

def sgd_square(w0, lr, steps):
    x = torch.tensor(float(w0), requires_grad=True)
    def body(n, acc):
        if n == 0:
            return acc
        y = x.square()
        y.backward()
        with torch.no_grad():
            x.sub_(x.grad, alpha=lr)
            x.grad.zero_()
        return body(n - 1, acc + [x.item()])
    return body(steps, [])
""",
    """import torch
import math

def sgd_square(w0, lr, steps):
    t = torch.tensor(w0 * 1.0, requires_grad=True)
    xs = list()
    for _ in range(int(steps)):
        l = torch.mul(t, t)
        gradient = torch.autograd.grad(l, [t])[0]
        t = torch.tensor(t.item() - lr * gradient.item(), requires_grad=True)
        xs.append(t.item())
    assert not any(math.isnan(v) for v in xs)
    return xs
""",
    """import torch

def sgd_square(w0, lr, steps):
    w = torch.full((), float(w0), requires_grad=True)
    seen = [None] * steps
    idx = 0
    while idx < steps:
        grad = torch.autograd.functional.jacobian(lambda t: t ** 2, w)
        w = (w - lr * grad).clone().detach().requires_grad_(True)
        seen[idx] = w.item()
        idx += 1
    return seen
""",
]


def _class(extra: dict[str, str]) -> dict[str, dict[str, str]]:
    files = {f"student{i:02d}": {"sgd": text} for i, text in enumerate(INDEPENDENT)}
    files.update({name: {"sgd": text} for name, text in extra.items()})
    return files


def _compare(files: dict[str, dict[str, str]], stubs: dict[str, str]) -> list[tuple[str, str]]:
    report = compare_class(iter(sorted(files.items())), stubs)
    return [(p.first, p.second) for p in report.pairs]


def test_renamed_variables_and_changed_comments_give_the_same_fingerprints() -> None:
    renamed = ORIGINAL.replace("history", "seen_values").replace("loss", "objective").replace("# one leaf for every step", "# mine")
    assert [f.hash for f in fingerprints(renamed)] == [f.hash for f in fingerprints(ORIGINAL)]
    assert {t.text for t in normalised_tokens("velocity = torch.zeros(3)  # note")} == {"ID", "=", ".", "zeros", "(", "LIT", ")", ";"}


def test_a_disguised_copy_is_found_among_independent_solutions() -> None:
    pairs = _compare(_class({"alice": ORIGINAL, "bob": DISGUISED}), {"sgd": STUB})
    assert pairs == [("alice", "bob")]


def test_a_copy_passed_along_three_students_is_one_cluster() -> None:
    third = DISGUISED.replace("trajectory", "track").replace("param", "p")
    report = compare_class(iter(sorted(_class({"alice": ORIGINAL, "bob": DISGUISED, "carol": third}).items())), {"sgd": STUB})
    (cluster,) = report.exercises[0].clusters
    assert cluster.members == ("alice", "bob", "carol") and cluster.score >= 0.6
    assert {p.cluster for p in report.pairs} == {1}


def test_what_the_stub_provides_is_not_evidence() -> None:
    long_stub = STUB.replace('"""Run', '"""' + "Read this carefully. " * 40 + "Run")
    started = {
        f"s{i}": {"sgd": long_stub.replace("    raise NotImplementedError", f"    return [{i}] * steps\n    raise X")} for i in range(8)
    }
    report = compare_class(iter(sorted(started.items())), {"sgd": long_stub})
    assert report.pairs == [] and report.exercises[0].stub_fingerprints > 10
    without_stub = compare_class(iter(sorted(started.items())), {"sgd": ""}, SimilaritySettings(common_fraction=1.0, common_floor=99))
    assert without_stub.pairs, "the files do share the stub: ignoring it is what keeps them apart"


def test_independent_one_line_answers_are_not_a_cluster_of_everyone() -> None:
    stub = 'import torch\n\n\ndef silu(x):\n    """x * sigmoid(x)."""\n    raise NotImplementedError\n'
    answers = [
        "return x * torch.sigmoid(x)",
        "return torch.sigmoid(x) * x",
        "return x / (1 + torch.exp(-x))",
        "return x * (1 / (1 + torch.exp(-x)))",
    ]
    rng = random.Random(7)
    files = {
        f"student{i:03d}": {"silu": f"import torch\n\n\ndef silu({name}):\n    # mine\n    {rng.choice(answers).replace('x', name)}\n"}
        for i, name in enumerate(rng.choice(["x", "value", "t", "inp"]) for _ in range(60))
    }
    report = compare_class(iter(sorted(files.items())), {"silu": stub})
    assert report.pairs == []
    exercise = report.exercises[0]
    assert exercise.submissions == 60 and exercise.common_fingerprints > 0


def test_a_short_answer_shared_by_few_is_below_the_minimum_of_shared_fingerprints() -> None:
    hashes = {"a": hash_set("def f(x):\n    return x.exp() * 2\n"), "b": hash_set("def f(y):\n    return y.exp() * 3\n")}
    assert compare_exercise("short", hashes, []).pairs == ()


def test_a_file_that_does_not_tokenize_keeps_the_fingerprints_of_what_it_holds() -> None:
    broken = ORIGINAL + "\n    def unfinished(:\n        '''never closed\n"
    assert len(fingerprints(broken)) >= len(fingerprints(ORIGINAL)) > 10


def _write_class(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).mkdir(parents=True)
        (root / name / "accumulation.py").write_text(text, encoding="utf-8")
    return root


def test_grade_similarity_writes_an_escaped_side_by_side_page_and_a_neutralised_csv(tmp_path: Path) -> None:
    hostile = "=HYPERLINK(1)<script>"
    original = ORIGINAL + "\n# <script>alert('code')</script>\n"
    students = {f"student{i}": text for i, text in enumerate(INDEPENDENT)} | {hostile: original, "bob": DISGUISED}
    folder = _write_class(tmp_path / "class", students)
    out = tmp_path / "report"
    done = run_grade("similarity", folder, "--out", out, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 similar pairs" in done.stdout
    rows = csv_rows(out / "similarity.csv")
    assert rows[0][:4] == ["exercise", "submission_a", "submission_b", "score"]
    assert rows[1][:3] == ["accumulation", "'" + hostile, "bob"] or rows[1][:3] == ["accumulation", "bob", "'" + hostile]
    html = (out / "similarity.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;code&#39;)" in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None and "default-src 'none'" in policy.group(1) and "script-src 'none'" in policy.group(1)
    assert html.count('class="shared"') >= 10, "the matched lines are highlighted on both sides"


def test_grade_similarity_of_a_class_folder_needs_out(tmp_path: Path) -> None:
    folder = _write_class(tmp_path / "class", {"a": ORIGINAL})
    done = run_grade("similarity", folder, timeout=120)
    assert done.returncode == 2 and "--out" in done.stderr


def test_grade_run_puts_the_similar_pairs_on_the_dashboard_and_reuses_them_while_nothing_changed(tmp_path: Path) -> None:
    folder = _write_class(tmp_path / "class", {"alice": ORIGINAL, "bob": DISGUISED, "carol": INDEPENDENT[1], "dave": INDEPENDENT[4]})
    out = tmp_path / "out"
    command = ["run", str(folder), "--out", str(out), "--jobs", "1"]
    done = run_grade(*command, "--exercise", "accumulation", "--quiet")
    assert done.returncode == 0, done.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="similarity"' in index and '<a href="similarity.html">1 pairs in 1 clusters</a>' in index
    assert re.search(r"<td>accumulation</td><td>alice</td><td>bob</td>", index)
    stamp = (out / "similarity.html").stat().st_mtime_ns
    again = run_grade(*command, "--exercise", "accumulation", "--quiet")
    assert again.returncode == 0, again.stderr
    assert (out / "similarity.html").stat().st_mtime_ns == stamp, "same records: the report is not computed again"


def test_fingerprinting_in_a_process_pool_gives_the_same_report_as_in_one_process() -> None:
    files = sorted(_class({"alice": ORIGINAL, "bob": DISGUISED}).items())
    alone = compare_class(iter(files), {"sgd": STUB})
    pooled_report = compare_class(iter(files), {"sgd": STUB}, mapper=pooled(2, batch=3))
    assert pooled_report == alone and [(p.first, p.second) for p in pooled_report.pairs] == [("alice", "bob")]


def test_grade_run_with_no_similarity_leaves_the_report_alone_and_the_dashboard_says_it_is_stale(tmp_path: Path) -> None:
    folder = _write_class(tmp_path / "class", {"alice": ORIGINAL, "bob": DISGUISED, "carol": INDEPENDENT[1]})
    out = tmp_path / "out"
    command = ["run", str(folder), "--out", str(out), "--jobs", "1", "--exercise", "accumulation", "--quiet"]
    skipped = run_grade(*command, "--no-similarity")
    assert skipped.returncode == 0, skipped.stderr
    assert not (out / "similarity.html").exists()
    assert "No similarity report yet" in (out / "index.html").read_text(encoding="utf-8")
    done = run_grade(*command)
    assert done.returncode == 0, done.stderr
    stamp = (out / "similarity.html").stat().st_mtime_ns
    assert 'id="similarity-stale"' not in (out / "index.html").read_text(encoding="utf-8")
    (folder / "carol" / "accumulation.py").write_text(INDEPENDENT[4], encoding="utf-8")
    again = run_grade(*command, "--no-similarity")
    assert again.returncode == 0, again.stderr
    assert (out / "similarity.html").stat().st_mtime_ns == stamp, "--no-similarity: the report is not computed again"
    assert 'id="similarity-stale"' in (out / "index.html").read_text(encoding="utf-8")
