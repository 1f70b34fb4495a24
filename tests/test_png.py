"""Untrusted PNG bytes from a worker: accepted only when small, well-formed and exactly as large as they claim."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from matplotlib.figure import Figure

from grader.png import SIGNATURE, UnsafeImage, png_size, sanitize_png


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, pixels: bytes | None = None, extra: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = pixels if pixels is not None else b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height))
    return SIGNATURE + _chunk(b"IHDR", header) + extra + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def test_a_matplotlib_png_is_accepted_and_keeps_its_size() -> None:
    buffer = io.BytesIO()
    Figure(figsize=(4, 3), dpi=50).savefig(buffer, format="png")
    cleaned = sanitize_png(buffer.getvalue())
    assert png_size(cleaned) == (200, 150)
    assert b"tEXt" not in cleaned and b"Software" not in cleaned, "ancillary chunks (matplotlib's own metadata) are dropped"


def test_text_chunks_and_bytes_after_the_end_are_dropped() -> None:
    data = _png(4, 4, extra=_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>")) + b"<script>"
    cleaned = sanitize_png(data)
    assert b"script" not in cleaned and cleaned == _png(4, 4)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<svg onload=alert(1)>", "wrong signature"),
        (_png(4, 4)[:-6], "truncated chunk"),
        (_png(4, 4)[:-16], "past the end"),
        (_png(4, 4).replace(b"IEND", b"IENX"), "CRC"),
        (_png(5000, 4, pixels=b""), "outside"),
        (_png(10, 10, pixels=b"\x00" * 1_000_000), "does not match"),
        (_png(10, 10, pixels=b"\x00" * 10), "does not match"),
        (SIGNATURE + _chunk(b"IDAT", b""), "not IHDR"),
        (SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) + _chunk(b"ABCD", b""), "unknown critical chunk"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 << 20), "larger than"),
    ],
)
def test_malformed_or_oversized_images_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(UnsafeImage, match=reason):
        sanitize_png(data)
