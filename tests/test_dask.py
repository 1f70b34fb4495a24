"""``grade run --dask``: the same scores as the local run, from a real ``distributed.LocalCluster``.

The cluster is small (two worker processes, one thread each) and listens on 127.0.0.1 only;
it is closed at the end of the module. Each Dask worker process starts its own warm fork
server, so the sandbox is the local one and the isolation level is recorded per exercise.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import Client, LocalCluster
from grade_command import REPO, Outcome, gradebook, records_by_file, run_grade

from grader import executor_dask

CLASS = REPO / "examples" / "class"
SUBMISSIONS = ["ada_correct", "tutorial_copy", "Zoë Müller", "empty_stubs"]
RUN_TIMEOUT = 600


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=50
    ) as local_cluster:
        yield local_cluster


def _grade(class_dir: Path, out: Path, *extra: str) -> Outcome:
    return run_grade("run", class_dir, "--out", out, "--quiet", *extra, timeout=RUN_TIMEOUT, expect=0)


def _has_fork_server() -> bool:
    return executor_dask._server is not None


@pytest.fixture(scope="module")
def runs(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("dask")
    class_dir = root / "class"
    for name in SUBMISSIONS:
        shutil.copytree(CLASS / name, class_dir / name)
    local = _grade(class_dir, root / "local", "--jobs", "2")
    remote = _grade(class_dir, root / "dask", "--dask", cluster.scheduler_address)
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        servers = client.run(_has_fork_server)
    return {"root": root, "local": local, "remote": remote, "servers": servers}


def _checks(record: dict[str, Any]) -> dict[tuple[str, str], tuple[str, float]]:
    return {(e["exercise"], c["name"]): (c["status"], c["points"]) for e in record["exercises"] for c in e["checks"]}


def test_the_dask_run_gives_the_same_gradebook_as_the_local_run(runs: dict[str, Any]) -> None:
    root = runs["root"]
    local_rows, remote_rows = gradebook(root / "local"), gradebook(root / "dask")
    assert len(local_rows) == len(SUBMISSIONS) + 1
    assert remote_rows == local_rows


def test_every_check_has_the_same_status_and_points_on_dask(runs: dict[str, Any]) -> None:
    local, remote = records_by_file(runs["root"] / "local"), records_by_file(runs["root"] / "dask")
    assert sorted(remote) == sorted(local)
    for name, record in local.items():
        assert _checks(remote[name]) == _checks(record), name


def test_dask_workers_ran_the_jobs_in_their_own_sandbox(runs: dict[str, Any]) -> None:
    local = records_by_file(runs["root"] / "local")
    remote = records_by_file(runs["root"] / "dask")
    ran = [e for r in remote.values() for e in r["exercises"] if e["status"] not in ("missing", "syntax_error")]
    assert ran and {e["isolation"] for e in ran} == {e["isolation"] for r in local.values() for e in r["exercises"] if e["isolation"]}
    assert any(runs["servers"].values()), "no Dask worker started a fork server of its own"
    assert "isolation: " in runs["remote"].stdout.strip().splitlines()[-1]


def test_an_unreachable_scheduler_is_a_clear_usage_error(tmp_path: Path) -> None:
    shutil.copytree(CLASS / "ada_correct", tmp_path / "class" / "ada_correct")
    finished = run_grade("run", tmp_path / "class", "--out", tmp_path / "out", "--dask", "tcp://127.0.0.1:9", timeout=RUN_TIMEOUT, expect=2)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in finished.stderr
