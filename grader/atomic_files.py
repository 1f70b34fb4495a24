"""Writing a file so that readers see the old one or the new one, never half of it.

Every writer of the grader's outputs uses this: the per-submission records, the
gradebook, the pages and the cached baselines. An interrupted run then never leaves
a half-written file that a later step would misread.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 to ``path`` so readers see the old file or the new one, never half of it.

    The temporary file lives in the same folder because :func:`os.replace` is only atomic
    within one file system. Newlines are written exactly as given (no translation), so a
    caller such as the CSV writer controls its own line endings. ``durable`` syncs the
    data to disk before the rename (several milliseconds), so that a power cut cannot leave an
    empty file; files that can be rebuilt from others (the HTML pages) skip it.
    """
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        _keep_mode(path, temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _keep_mode(path: Path, temp: Path) -> None:
    """Give the new file the old one's permissions; a fresh file keeps ``mkstemp``'s owner-only mode (grades are private)."""
    if path.exists():
        os.chmod(temp, stat.S_IMODE(path.stat().st_mode))


__all__ = ["write_text_atomic"]
