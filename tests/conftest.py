"""Settings every test shares."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

# CI (CI=true) runs the property tests on a fixed sequence of examples: a failure there is reproducible from the
# log, never a coin toss of one run. Locally they keep exploring new examples and remember the failing ones.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def private_baseline_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The cached baselines (:mod:`grader.baseline_cache`) go to a folder of this session, never the user's ``~/.cache``.

    Set in ``os.environ`` so that the ``grade`` commands the tests start inherit it; tests that
    need a cache of their own point ``XDG_CACHE_HOME`` elsewhere with ``monkeypatch``.
    """
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before
