"""Accept a PNG produced by student code only after proving it is a small, plain PNG.

The student's figure is rendered in the worker, so its bytes are as untrusted as
anything else the worker says. The trusted process never decodes pixels here
(an image decoder is an attack surface); it walks the chunk structure with the
standard library, checks every CRC, bounds the dimensions, inflates the image
data with a hard output limit to prove it is exactly the size the header
promises, and rebuilds the file from the critical chunks only (``IHDR``,
``PLTE``, ``IDAT``, ``IEND``), so text chunks, ICC profiles and anything after
``IEND`` are dropped. Pages then embed the rebuilt bytes as a ``data:`` image.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 1 << 20
MAX_WIDTH = 2000
MAX_HEIGHT = 2000
KEPT_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel by PNG colour type (greyscale, RGB, palette, grey+alpha, RGBA)."""
_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


class UnsafeImage(ValueError):
    """The bytes are not a PNG this grader is willing to embed; the message says why."""


def sanitize_png(data: bytes) -> bytes:
    """Return a rebuilt copy of ``data`` with only its critical chunks, or raise :class:`UnsafeImage`."""
    if len(data) > MAX_BYTES:
        raise UnsafeImage(f"image of {len(data)} bytes is larger than {MAX_BYTES}")
    if not data.startswith(SIGNATURE):
        raise UnsafeImage("not a PNG (wrong signature)")
    chunks = list(_chunks(data))
    if not chunks or chunks[0][0] != b"IHDR":
        raise UnsafeImage("the first chunk is not IHDR")
    if chunks[-1][0] != b"IEND":
        raise UnsafeImage("no IEND chunk")
    width, height, depth, colour, interlace = _header(chunks[0][1])
    if interlace != 0:
        raise UnsafeImage("interlaced PNGs are not accepted")
    if colour == 3 and not any(kind == b"PLTE" for kind, _ in chunks):
        raise UnsafeImage("a palette image without a palette")
    compressed = b"".join(body for kind, body in chunks if kind == b"IDAT")
    _check_pixels(compressed, height * (1 + (width * _CHANNELS[colour] * depth + 7) // 8))
    kept = b"".join(_chunk(kind, body) for kind, body in chunks if kind in KEPT_CHUNKS)
    return SIGNATURE + kept


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (for ``<img>`` attributes); raises :class:`UnsafeImage`."""
    if not data.startswith(SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        raise UnsafeImage("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    position, found = len(SIGNATURE), []
    while position < len(data):
        if position + 12 > len(data):
            raise UnsafeImage("truncated chunk")
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 8 + length
        if end + 4 > len(data):
            raise UnsafeImage("a chunk runs past the end of the file")
        body = data[position + 8 : end]
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(kind + body) != crc:
            raise UnsafeImage(f"bad CRC in a {kind!r} chunk")
        if not kind.isalpha():
            raise UnsafeImage("malformed chunk type")
        if kind[0:1].isupper() and kind not in KEPT_CHUNKS:
            raise UnsafeImage(f"unknown critical chunk {kind!r}")
        found.append((kind, body))
        position = end + 4
        if kind == b"IEND":
            break
    return found


def _header(body: bytes) -> tuple[int, int, int, int, int]:
    if len(body) != 13:
        raise UnsafeImage("malformed IHDR")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if not (0 < width <= MAX_WIDTH and 0 < height <= MAX_HEIGHT):
        raise UnsafeImage(f"{width}x{height} pixels is outside 1..{MAX_WIDTH} x 1..{MAX_HEIGHT}")
    if colour not in _CHANNELS or depth not in _DEPTHS[colour] or compression != 0 or filtering != 0:
        raise UnsafeImage("unsupported PNG pixel format")
    return width, height, depth, colour, interlace


def _check_pixels(compressed: bytes, expected: int) -> None:
    """Inflate at most ``expected + 1`` bytes: a decompression bomb stops here, cheaply."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, expected + 1)
    except zlib.error as error:
        raise UnsafeImage(f"corrupt image data ({error})") from error
    if len(raw) != expected or not inflater.eof:
        raise UnsafeImage("the image data does not match the size in its header")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


__all__ = ["MAX_BYTES", "MAX_HEIGHT", "MAX_WIDTH", "UnsafeImage", "png_size", "sanitize_png"]
