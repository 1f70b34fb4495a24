"""Settings every test shares."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


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
