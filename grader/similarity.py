"""Suspiciously alike submissions, per exercise: normalised token fingerprints with winnowing.

How a file becomes fingerprints (what a renamed variable or a rewritten comment cannot hide):

1. Python's own tokenizer reads the source. Comments, blank lines and indentation tokens are
   dropped; every identifier a student chose becomes ``ID`` and every literal ``LIT``. Keywords,
   operators, builtins and attribute names (``.backward``, ``.grad``: the API, which a student
   cannot rename) are kept as they are. Line ends stay, so independent lines swapped around
   still share every k-gram inside each line.
2. Each run of ``k`` consecutive tokens (a k-gram) is hashed, and winnowing (Schleimer, Wilkerson
   and Aiken, SIGMOD 2003) keeps the smallest hash of every ``window`` consecutive ones: any
   match of at least ``k + window - 1`` tokens is guaranteed to leave a shared fingerprint.

What is not evidence, and is discounted (see ``docs/instructor-features.md``):

- whatever the stub already contains (its signature, its docstring): those hashes are removed;
- fingerprints that more than ``common_fraction`` of the exercise's submissions share (and at
  least ``common_floor`` submissions): the idiomatic answer to a short exercise, which
  independent students write alike;
- a pair is reported only when it shares at least ``min_shared`` of the remaining, distinctive
  fingerprints and they make up at least ``min_score`` of the smaller file's distinctive ones:
  a one-line answer has too few fingerprints to reach that, however alike.

The hashes depend only on the token text (``zlib.crc32`` per token, then Python's hash of a tuple of
ints, which is not salted per process), so fingerprints agree between processes.
"""

from __future__ import annotations

import builtins
import io
import keyword
import math
import tokenize
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

MAX_TOKENS = 50_000
"""Tokens read from one file (a 1 MiB file of one-character names stays bounded)."""

_BUILTINS = frozenset(dir(builtins))
_DROPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER})
_LITERALS = frozenset({tokenize.NUMBER, tokenize.STRING})


@dataclass(frozen=True)
class SimilaritySettings:
    """How alike is suspicious. The defaults were chosen on the course's own exercises (see the docs)."""

    k: int = 5
    """Tokens per k-gram: shorter matches are noise (``ID = ID ( ID )`` is everywhere)."""
    window: int = 4
    """Winnowing window: any common run of ``k + window - 1`` = 8 normalised tokens leaves a fingerprint."""
    common_fraction: float = 0.1
    """A fingerprint in more than this share of an exercise's submissions is common, not evidence ..."""
    common_floor: int = 4
    """... and one is never common while at most this many submissions share it (small classes)."""
    min_shared: int = 6
    """Distinctive fingerprints a pair must share: a short answer cannot reach it by chance."""
    min_score: float = 0.6
    """Shared share of the smaller file's distinctive fingerprints for a pair to be reported."""


_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_PARTS = frozenset({getattr(tokenize, "FSTRING_MIDDLE", -1), getattr(tokenize, "FSTRING_END", -1)})
_KEYWORDS = frozenset(keyword.kwlist)


@dataclass(frozen=True)
class Token:
    text: str
    line: int
    """1-based line of the token's start, for highlighting the matched lines."""


def normalised_tokens(source: str) -> list[Token]:
    """The source as normalised tokens (see the module docstring); a file that stops tokenizing keeps what came before."""
    texts, lines = _normalised_stream(source)
    return [Token(text, line) for text, line in zip(texts, lines, strict=True)]


def _normalised_stream(source: str) -> tuple[list[str], list[int]]:
    """Token texts and their lines, as two lists (the hot loop of the report: no object per token)."""
    texts: list[str] = []
    lines: list[int] = []
    previous = ""
    try:
        for kind, string, start, _, _ in tokenize.generate_tokens(io.StringIO(source).readline):
            if len(texts) >= MAX_TOKENS:
                break
            if kind == tokenize.NAME:
                text: str | None = string if string in _KEYWORDS or previous == "." or string in _BUILTINS else "ID"
            elif kind == tokenize.OP:
                text = string
            elif kind in _DROPPED or kind in _FSTRING_PARTS:
                text = None
            elif kind == tokenize.NEWLINE:
                text = ";"
            elif kind in _LITERALS or kind == _FSTRING_START:
                text = "LIT"
            else:
                text = string
            previous = string
            if text is not None:
                texts.append(text)
                lines.append(start[0])
    except (tokenize.TokenError, SyntaxError):  # an unfinished file still has fingerprints for what it holds
        pass
    return texts, lines


_TOKEN_CODES: dict[str, int] = {}


def _code(text: str) -> int:
    code = _TOKEN_CODES.get(text)
    if code is None:
        code = zlib.crc32(text.encode("utf-8", "surrogatepass"))
        if len(_TOKEN_CODES) < 100_000:  # student names are normalised away; this stays small anyway
            _TOKEN_CODES[text] = code
    return code


@dataclass(frozen=True)
class Fingerprint:
    hash: int
    first_line: int
    last_line: int
    """Lines spanned by the k-gram the hash was taken from."""


def fingerprints(source: str, settings: SimilaritySettings = SimilaritySettings()) -> list[Fingerprint]:
    """The winnowed fingerprints of ``source``, in order of position (a hash may repeat)."""
    texts, lines = _normalised_stream(source)
    if not texts:
        return []
    codes = [_code(text) for text in texts]
    k = min(settings.k, len(codes))
    grams = [hash(tuple(codes[i : i + k])) for i in range(len(codes) - k + 1)]
    chosen = _winnow(grams, settings.window)
    return [Fingerprint(grams[i], lines[i], lines[i + k - 1]) for i in chosen]


def _winnow(hashes: list[int], window: int) -> list[int]:
    """Positions of the selected hashes: each window's minimum (the rightmost on ties), each position once."""
    if len(hashes) <= window:
        return [min(range(len(hashes)), key=lambda i: (hashes[i], -i))]
    chosen: list[int] = []
    for start in range(len(hashes) - window + 1):
        best = start
        for i in range(start + 1, start + window):
            if hashes[i] <= hashes[best]:
                best = i
        if not chosen or chosen[-1] != best:
            chosen.append(best)
    return chosen


def hash_set(source: str, settings: SimilaritySettings = SimilaritySettings()) -> array[int]:
    """The distinct fingerprint hashes of ``source``, sorted, in a compact array (8 bytes each)."""
    return array("q", sorted({f.hash for f in fingerprints(source, settings)}))


Sources = tuple[str, dict[str, str]]
"""(submission name, exercise id -> source)."""
Hashed = tuple[str, dict[str, "array[int]"]]
"""(submission name, exercise id -> :func:`hash_set`)."""
Mapper = Callable[[Callable[[Sources], Hashed], Iterable[Sources]], Iterable[Hashed]]
"""``map``, or a process pool's bounded equivalent (:func:`pooled`)."""


def hash_submission(item: Sources, settings: SimilaritySettings = SimilaritySettings()) -> Hashed:
    """One submission's hash arrays: the unit of work a process pool maps."""
    name, sources = item
    return name, {exercise: hash_set(text, settings) for exercise, text in sources.items()}


def pooled(jobs: int, batch: int = 64) -> Mapper:
    """A mapper over ``jobs`` processes that submits ``batch`` submissions at a time, so memory stays flat however large the class."""

    def mapper(function: Callable[[Sources], Hashed], items: Iterable[Sources]) -> Iterator[Hashed]:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            iterator = iter(items)
            while chunk := list(islice(iterator, batch)):
                yield from pool.map(function, chunk, chunksize=max(1, batch // (4 * jobs)))

    return mapper


@dataclass(frozen=True)
class Pair:
    """Two submissions whose code for one exercise is suspiciously alike."""

    exercise: str
    first: str
    second: str
    shared: int
    """Distinctive fingerprints both files hold."""
    score: float
    """``shared`` over the smaller file's distinctive fingerprints, 0..1."""
    cluster: int = 0
    """Index of the pair's cluster within its exercise (1-based)."""


@dataclass(frozen=True)
class Cluster:
    """Submissions linked by reported pairs (a copy passed along a group), with the strongest pair's score."""

    exercise: str
    number: int
    members: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class ExerciseSimilarity:
    exercise: str
    submissions: int
    """Submissions holding a readable file for the exercise."""
    stub_fingerprints: int
    common_fingerprints: int
    """Fingerprints discounted as common (in more than the common share of submissions)."""
    common_limit: int
    """A fingerprint shared by more submissions than this is common."""
    pairs: tuple[Pair, ...]
    clusters: tuple[Cluster, ...]


@dataclass(frozen=True)
class SimilarityReport:
    settings: SimilaritySettings
    exercises: tuple[ExerciseSimilarity, ...]
    submissions: int
    unreadable: tuple[str, ...] = field(default_factory=tuple)

    @property
    def pairs(self) -> list[Pair]:
        return sorted((p for e in self.exercises for p in e.pairs), key=lambda p: (-p.score, -p.shared, p.exercise, p.first, p.second))


def common_limit(submissions: int, settings: SimilaritySettings) -> int:
    """The most submissions a fingerprint may appear in and still count as evidence."""
    return max(settings.common_floor, math.ceil(settings.common_fraction * submissions))


def compare_exercise(
    exercise: str, hashes: Mapping[str, array[int]], stub: Iterable[int], settings: SimilaritySettings = SimilaritySettings()
) -> ExerciseSimilarity:
    """Pairs and clusters among one exercise's files (``hashes``: submission name -> :func:`hash_set`).

    Only distinctive fingerprints (not in the stub, not common) are indexed, so each posting
    list holds at most ``common_limit`` names and the work grows linearly with the class.
    """
    stub_set = set(stub)
    names = sorted(hashes)
    frequency: Counter[int] = Counter()
    for name in names:
        frequency.update(h for h in hashes[name] if h not in stub_set)
    limit = common_limit(len(names), settings)
    postings: dict[int, list[int]] = defaultdict(list)
    distinctive_count = [0] * len(names)
    for index, name in enumerate(names):
        for h in hashes[name]:
            if h in stub_set or frequency[h] > limit:
                continue
            distinctive_count[index] += 1
            if frequency[h] > 1:
                postings[h].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for members in postings.values():
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                shared[(first, second)] += 1
    pairs = []
    for (first, second), count in shared.items():
        if count < settings.min_shared:
            continue
        score = count / max(1, min(distinctive_count[first], distinctive_count[second]))
        if score >= settings.min_score:
            pairs.append(Pair(exercise, names[first], names[second], count, round(score, 3)))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.first, p.second))
    numbered, clusters = _clusters(exercise, pairs)
    return ExerciseSimilarity(
        exercise=exercise,
        submissions=len(names),
        stub_fingerprints=len(stub_set),
        common_fingerprints=sum(1 for h, n in frequency.items() if n > limit),
        common_limit=limit,
        pairs=tuple(numbered),
        clusters=tuple(clusters),
    )


def _clusters(exercise: str, pairs: list[Pair]) -> tuple[list[Pair], list[Cluster]]:
    """Connected groups of the reported pairs (union-find), largest and strongest first; each pair names its cluster."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for pair in pairs:
        parent[root(pair.first)] = root(pair.second)
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(parent):
        groups[root(name)].append(name)
    best: dict[str, float] = defaultdict(float)
    for pair in pairs:
        best[root(pair.first)] = max(best[root(pair.first)], pair.score)
    ordered = sorted(groups, key=lambda r: (-len(groups[r]), -best[r], groups[r][0]))
    number = {r: i + 1 for i, r in enumerate(ordered)}
    clusters = [Cluster(exercise, number[r], tuple(groups[r]), best[r]) for r in ordered]
    return [_with_cluster(p, number[root(p.first)]) for p in pairs], clusters


def _with_cluster(pair: Pair, cluster: int) -> Pair:
    return Pair(pair.exercise, pair.first, pair.second, pair.shared, pair.score, cluster)


def compare_class(
    files: Iterable[tuple[str, dict[str, str]]],
    stubs: Mapping[str, str],
    settings: SimilaritySettings = SimilaritySettings(),
    mapper: Mapper = map,
) -> SimilarityReport:
    """Every exercise of a class: ``files`` yields (submission name, exercise id -> source) one submission at a time.

    Only the compact hash arrays are kept, never the sources, so memory grows by a few hundred
    bytes per file however large the class. ``mapper``: :func:`pooled` to fingerprint on several cores.
    """
    by_exercise: dict[str, dict[str, array[int]]] = {exercise: {} for exercise in stubs}
    names: set[str] = set()
    for name, hashes in mapper(partial(hash_submission, settings=settings), files):
        names.add(name)
        for exercise, found in hashes.items():
            if exercise in by_exercise:
                by_exercise[exercise][name] = found
    results = []
    for exercise, stub in stubs.items():
        stub_hashes = [f.hash for f in fingerprints(stub, settings)]
        results.append(compare_exercise(exercise, by_exercise.pop(exercise), stub_hashes, settings))
    return SimilarityReport(settings=settings, exercises=tuple(results), submissions=len(names))


def shared_lines(first: str, second: str, stub: str, settings: SimilaritySettings = SimilaritySettings()) -> tuple[set[int], set[int]]:
    """The lines of each file covered by a fingerprint the other file has too (and the stub has not), for highlighting."""
    stub_hashes = {f.hash for f in fingerprints(stub, settings)}
    a, b = fingerprints(first, settings), fingerprints(second, settings)
    common = ({f.hash for f in a} & {f.hash for f in b}) - stub_hashes
    return _lines(a, common), _lines(b, common)


def _lines(found: list[Fingerprint], common: set[int]) -> set[int]:
    return {line for f in found if f.hash in common for line in range(f.first_line, f.last_line + 1)}


__all__ = [
    "Cluster",
    "ExerciseSimilarity",
    "Pair",
    "SimilarityReport",
    "SimilaritySettings",
    "common_limit",
    "compare_class",
    "compare_exercise",
    "fingerprints",
    "hash_set",
    "hash_submission",
    "pooled",
    "normalised_tokens",
    "shared_lines",
]
