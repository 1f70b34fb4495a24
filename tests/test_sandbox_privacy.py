"""No later job can find anything of an earlier job in its own memory.

Job 1 carries a unique random token in its source, in a line it prints, in a
value it returns and in an exception it raises. Job 2, run later by the same
fork server, scans all of its own readable memory (``/proc/self/maps`` and
``process_vm_readv`` on itself, bounded in time and region size) for anything shaped like
a token and returns what it found. The fork server must never have held job
1's data in the process job 2 was forked from. Everything is read-only and
confined to the sandbox's own process.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from grader.sandbox.client import ForkServer
from grader.sandbox.jobs import Job, Module, WorkerRun
from grader.sandbox.wire import encode

LIMITS = {"memory_limit_mb": 1024, "max_processes": 16, "max_output_kb": 64}
MARK = "PRIVACY-TOKEN-"
OWN_TOKEN = "f" * 32
"""Job 2's own token, in its own source: proof that the scan would see a token in memory."""

SCANNER = f'''
import ctypes, os, re, time

OWN = "{MARK}{OWN_TOKEN}"
PATTERN = re.compile(rb"PRIVACY-TOKEN-([0-9a-f]{{32}})")
CHUNK = 1 << 20
PAGE = 4096


class Vector(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


libc = ctypes.CDLL(None, use_errno=True)
libc.process_vm_readv.restype = ctypes.c_ssize_t
buffer = ctypes.create_string_buffer(CHUNK)


def read(address, length):
    """Bytes of this process's own memory (a hole in a region reads as a short read, never a crash)."""
    local = Vector(ctypes.cast(buffer, ctypes.c_void_p), length)
    remote = Vector(address, length)
    got = libc.process_vm_readv(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    return buffer.raw[: max(got, 0)]


def scan(_):
    found = set()
    deadline = time.monotonic() + 30
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        start, end = (int(part, 16) for part in fields[0].split("-"))
        if "r" not in fields[1] or end - start > 1 << 30:
            continue
        offset = start
        while offset < end:
            chunk = read(offset, min(CHUNK, end - offset))
            found.update(match.decode() for match in PATTERN.findall(chunk))
            offset += max(len(chunk) - 64, PAGE) if len(chunk) > 64 else PAGE
            if time.monotonic() > deadline:
                return sorted(found)[:50] + ["the scan ran out of time"]
    return sorted(found)[:50]
'''


def call(probe_id: str, entry: str) -> dict[str, object]:
    return {"id": probe_id, "op": "call", "entry": entry, "args": [encode(1.0)], "kwargs": {}}


def holder(token: str) -> str:
    return (
        f"# {MARK}{token} in the source\n"
        f"print('{MARK}{token} printed')\n"
        "def reveal(x):\n"
        f"    return '{MARK}{token} returned'\n"
        "def fail(x):\n"
        f"    raise ValueError('{MARK}{token} in an exception')\n"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    with ForkServer(parallel=1) as running:
        yield running


def run_one(server: ForkServer, job: Job) -> WorkerRun:
    (run,) = list(server.run([job]))
    return run


def test_a_later_job_cannot_find_an_earlier_job_s_token_in_its_memory(server: ForkServer) -> None:
    token = secrets.token_hex(16)
    probes = [call("reveal", "reveal"), call("fail", "fail")]
    first = run_one(server, Job(1, {"holder.py": holder(token)}, (Module("holder", probes, 10.0),), LIMITS))
    (held,) = first.modules
    assert held.completed and token in held.output, held
    assert token in held.observations["reveal"]["calls"][0]["value"]["value"]
    assert token in held.observations["fail"]["calls"][0]["error"]["message"]

    second = run_one(server, Job(2, {"scanner.py": SCANNER}, (Module("scanner", [call("scan", "scan")], 60.0),), LIMITS))
    (scanner,) = second.modules
    assert scanner.completed, scanner
    found = [item["value"] for item in scanner.observations["scan"]["calls"][0]["value"]["items"]]
    assert OWN_TOKEN in found, found  # the scan does see tokens that are in its memory
    assert token not in found, f"job 2 read job 1's token from its own memory: {found}"
