"""Stories: the copies of one wire story across outlets, found by near-duplicate detection.

Index time, in this fixed order:

1. ``words``: a paragraph is lowercased, accents folded, hyphens and apostrophes inside words and
   separators inside numbers dropped ("south-west" = "southwest", "2,70,000" = "270000"), and split
   into words.
2. ``sketch``: every run of ``SHINGLE`` (3) words inside one paragraph is a shingle; each is hashed
   (a 64-bit polynomial hash of its bytes, mixed) and kept when its hash is divisible by ``SAMPLE``
   (4): a MOD-m sketch. A shingle is kept
   in every article or in none, so ``|sketch(A) & sketch(B)| / |sketch(A)|`` estimates how much of A
   is in B. Shingles never cross paragraphs, so reordered paragraphs change nothing. Sketches are
   made where articles are parsed (the worker processes) and kept per generation in ``sketches.npz``,
   carried over for unchanged articles like the manifest.
3. ``group``: after the Whoosh commit, over the whole corpus (a copy may arrive long after its
   original): one numpy sort of every sketch hash gives hash -> articles, and the pairs of articles
   sharing hashes are counted. A hash found in more than ``DF_CAP`` articles is boilerplate and skipped,
   which keeps the work near-linear. A pair is a copy when they share at least ``MIN_SHARED`` hashes,
   ``shared / smaller sketch >= CONTAINMENT`` (most of the shorter one is in the longer: cut, trimmed
   and lightly edited copies pass) and ``shared / larger sketch >= COVERAGE`` (a digest many times
   a story's length does not take it in). Mutual copies (``shared / larger >= CONTAINMENT`` too)
   are joined transitively; a text that is only a small part of others (a copy cut to its lede)
   joins just the one it shares most with, so it cannot bridge two stories that both quote it.
   The links are kept with the sketches, so a reindex recounts only the pairs its new and changed
   articles can touch (``carry_over``, ``relink``): the same links as counting every pair again.
4. ``assign``: a story's first-seen article is its earliest dated copy (ties: the smaller id); an
   undated copy is never first. The story id is the first-seen article's id (a story with no dated
   copy takes its smallest article id), so it stays put until an earlier copy turns up. Stories of two
   or more articles are written to ``stories.json``; every other article is a story of its own.

Why containment of MOD-m sketches rather than Jaccard of MinHash signatures with LSH: a wire copy is
often a cut-down version of the original (the Free Press Journal's copy of the AFP story holds 83% of
000's shingles, but they share only 39% of their union), and Jaccard falls with every cut paragraph
while containment does not. LSH banding tuned for Jaccard 0.25 either misses such pairs or, at two
rows a band, makes half a percent of all unrelated pairs candidates; the sampled-shingle index counts
exactly the shared hashes of the pairs that have any.

The thresholds, measured with ``python bench/stories_eval.py`` (containment of the smaller text:
exact over every shingle, then as the sketch sees it):

* sample articles: 000-003 0.83 (sketch 0.87), 002-003 0.43 (0.44) and 000-002 0.28 (0.30, on
  the line) group, which joins 000, 002 and 003 (000 is a rewrite of the AFP copy 002); every pair
  with 001 or 004, other reports of the same events, is at most 0.06 (0.07);
* made-up copies of 000 (``tests/corpus.py``): with a share of the words replaced at random, about
  ``(1 - share) ** 3`` of the shingles survive; over 20 seeds each, 20% replaced 0.50 (all 20
  grouped), 25% 0.42 (20), 30% 0.32 (14), 35% 0.28 (6), 40% 0.21 (1), 45% 0.15 (none). Cut to three
  or one of nine paragraphs, reordered, merged paragraphs, respelled names, cut and added
  paragraphs: 0.76-1.0, grouped. Another text quoting one paragraph: 0.14, apart. The whole story
  inside a digest 12 times its length: containment 1.0 but coverage 0.08, apart;
* benchmark corpus (2,000 articles; its 154 wire-copy pairs, a paragraph cut and a name respelled,
  0.70-1.0): pair recall and precision 1.0; the most similar of 100,000 unrelated pairs 0.062.

Cost: sketching takes 0.22 ms an article and grouping 0.03 s for the 2,000-article benchmark corpus,
measured on the full pipeline by ``bench/run.py --no-stories`` against a normal run.

``CONTAINMENT = 0.3`` sits between different stories of the same events (<= 0.08) and the weakest
link the sample story needs (0.44): a copy groups while about a quarter of its words are changed,
and no longer once 40% are. ``COVERAGE = 0.1`` lets a copy cut to its lede group (one paragraph of
nine: 0.17) while a digest many times a story's length does not merge it with the others it holds.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound

from searchapp.arrays import distinct, runs

SKETCHES = "sketches.npz"
STORIES = "stories.json"
SHINGLE = 3
SAMPLE = 4
CONTAINMENT = 0.3
COVERAGE = 0.1
MIN_SHARED = 4
DF_CAP = 500
RARE_DF = 20
#: Version of the side files' layout, checked on load.
FORMAT = 3

#: A word, hyphens and apostrophes inside it included; a number with its separators.
_WORD = re.compile(r"\d+(?:[,.]\d+)+|\w+(?:[-\u2010\u2011'\u2019]\w+)*")
_JOINERS = str.maketrans("", "", "-\u2010\u2011'\u2019,.")
_EMPTY = np.zeros(0, dtype=np.uint32)
#: Typographic quotes compare equal to straight ones in word diffs.
_QUOTES = str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''")


# --- sketches (pure functions) ----------------------------------------------------------------------


def words(paragraph: str) -> list[str]:
    """The comparable words of one paragraph.

    >>> words("Pro-government fighters advanced south-west; 2,70,000 dead in Syria’s war")
    ['progovernment', 'fighters', 'advanced', 'southwest', '270000', 'dead', 'in', 'syrias', 'war']
    >>> words("Hama, Homs and Ḥalab") == ['hama', 'homs', 'and', 'halab']
    True
    """
    found = _WORD.findall(paragraph.lower())
    if not found:
        return []
    # One translate over all the words (none holds a space) rather than one per word.
    joined = " ".join(found).translate(_JOINERS)
    if joined.isascii():
        return joined.split(" ")
    return [w if w.isascii() else _fold(w) for w in joined.split(" ")]


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def paragraphs(body: str) -> list[str]:
    """The non-empty paragraphs of a body (ingestion separates them with a blank line)."""
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def sketch(body: str, sample: int = SAMPLE) -> np.ndarray:
    """The MOD-``sample`` sketch of ``body``: sorted unique 32-bit hashes of its sampled shingles
    (``sample=1``: every shingle, for measuring).

    Every shingle of the article is hashed at once: the paragraphs' words are joined into one byte
    string, and a shingle's hash is the polynomial hash of its bytes (" ".join(shingle), see
    :func:`shingle_hash`), read off prefix sums, so no Python code runs per shingle.

    >>> a = "One two three four five six.\\n\\nSeven eight nine ten eleven twelve thirteen."
    >>> b = "Seven eight nine ten eleven twelve thirteen.\\n\\nOne two three four five six."
    >>> bool((sketch(a) == sketch(b)).all()), sketch("Too short").size
    (True, 0)
    >>> sketch("one two three", 1).tolist() == [shingle_hash(b"one two three") >> 32]
    True
    """
    assert SHINGLE == 3, "the shingles below are 3 words"
    paras = [w for w in map(words, paragraphs(body)) if len(w) >= SHINGLE]
    if not paras:
        return _EMPTY
    data = np.frombuffer("\n".join(map(" ".join, paras)).encode(), dtype=np.uint8)
    n = data.size
    up, down = _powers(n)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(data * up[:n], out=prefix[1:])
    gaps = np.flatnonzero((data == 32) | (data == 10))  # one separator between words
    starts = np.concatenate(([0], gaps + 1))
    ends = np.append(gaps, n)
    broken = data[gaps] == 10  # word k and k + 1 in different paragraphs
    whole = ~(broken[:-1] | broken[1:])  # shingle k (words k, k + 1, k + 2) inside one paragraph
    first, last = starts[:-2][whole], ends[2:][whole]
    hashes = _mix((prefix[last] - prefix[first]) * down[first])
    if sample > 1:
        if sample & (sample - 1) == 0:
            hashes = hashes[(hashes & np.uint64(sample - 1)) == 0]
        else:
            hashes = hashes[hashes % np.uint64(sample) == 0]
    if not hashes.size:
        return _EMPTY
    return np.unique((hashes >> np.uint64(32)).astype(np.uint32))


#: The polynomial hash's base (odd, so invertible modulo 2**64) and its inverse.
_BASE = 0x100000001B3
_BASE_INV = pow(_BASE, -1, 1 << 64)
_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``BASE ** k`` and ``BASE ** -k`` modulo 2**64 for k < n (at least), grown by doubling."""
    up, down = _POWERS
    if up.size < n:
        size = max(n, 2 * up.size, 4096)
        up = np.full(size, _BASE, dtype=np.uint64)
        down = np.full(size, _BASE_INV, dtype=np.uint64)
        up[0] = down[0] = 1
        np.cumprod(up, out=up)  # wraps modulo 2**64, as the hash wants
        np.cumprod(down, out=down)
        _POWERS[:] = [up, down]
    return up, down


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's): every input bit reaches the low bits the sample keeps."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_hash(shingle: bytes) -> int:
    """The 64-bit hash :func:`sketch` gives a shingle's bytes, written out one byte at a time.

    >>> shingle_hash(b"a b c") != shingle_hash(b"a c b")
    True
    """
    mask = (1 << 64) - 1
    value = sum(byte * pow(_BASE, k, 1 << 64) for k, byte in enumerate(shingle)) & mask
    return int(_mix(np.array([value], dtype=np.uint64))[0])


# --- the per-generation sketch store ----------------------------------------------------------------


@dataclass
class SketchStore:
    """Every article's sketch and date number (0 when undated), in CSR form, keyed by article id."""

    ids: list[str]
    dates: np.ndarray  # int64
    offsets: np.ndarray  # int64, len(ids) + 1
    hashes: np.ndarray  # uint32
    #: The copy links between these articles, kept so the next generation recounts only the pairs
    #: its changes can touch (``regroup``); None when unknown (then counted from scratch).
    links: Links | None = None

    @classmethod
    def from_items(cls, items: Sequence[tuple[str, int, np.ndarray]]) -> SketchStore:
        lengths = np.fromiter((len(h) for _, _, h in items), dtype=np.int64, count=len(items))
        return cls(
            ids=[i for i, _, _ in items],
            dates=np.fromiter((d for _, d, _ in items), dtype=np.int64, count=len(items)),
            offsets=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            hashes=np.concatenate([h for _, _, h in items]) if items else _EMPTY,
        )

    def get(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]

    def items(self) -> Iterable[tuple[str, int, np.ndarray]]:
        for i, article in enumerate(self.ids):
            yield article, int(self.dates[i]), self.get(i)

    @classmethod
    def load(cls, gen: Path) -> SketchStore | None:
        try:
            with np.load(gen / SKETCHES, allow_pickle=False) as data:
                if int(data["format"]) != FORMAT:
                    return None
                links = None
                if "links.a" in data:
                    links = Links(
                        data["links.a"], data["links.b"], data["links.shared"], data["links.mutual"]
                    )
                return cls(
                    ids=data["ids"].tolist(),
                    dates=data["dates"],
                    offsets=data["offsets"],
                    hashes=data["hashes"],
                    links=links,
                )
        except (FileNotFoundError, KeyError, ValueError, OSError):
            return None

    def save(self, gen: Path) -> None:
        arrays: dict[str, Any] = {}
        if self.links is not None:
            arrays = {
                "links.a": self.links.a,
                "links.b": self.links.b,
                "links.shared": self.links.shared,
                "links.mutual": self.links.mutual,
            }
        tmp = gen / (SKETCHES + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(
                fh,
                format=np.int64(FORMAT),
                ids=np.array(self.ids, dtype=str) if self.ids else np.zeros(0, dtype="<U1"),
                dates=self.dates,
                offsets=self.offsets,
                hashes=self.hashes,
                **arrays,
            )
        tmp.replace(gen / SKETCHES)


# --- grouping -----------------------------------------------------------------------------------------


@dataclass
class Links:
    """Pairs of articles (positions ``a < b`` in a store) that pass the copy test."""

    a: np.ndarray
    b: np.ndarray
    shared: np.ndarray
    mutual: np.ndarray  # bool: each holds at least CONTAINMENT of the other


def copy_links(store: SketchStore) -> Links:
    """Every pair of articles that passes the copy test, from an inverted index of sketch hashes.

    Counting pairs through every hash held by up to :data:`DF_CAP` articles made 61M pair keys at
    100k bench articles (4.7 GB, 20 s), most of them through a few thousand common phrases. So
    pairs are counted through rare hashes (up to :data:`RARE_DF` holders), and through common ones
    only where the two could pass the test on common hashes alone -- the smaller one holds
    :data:`CONTAINMENT` of its sketch in common hashes ("narrow"), the larger :data:`COVERAGE`
    ("wide"; a million bench articles: 88% wide, 2% narrow). Any other pair's common-hash overlap
    is added where the rare count leaves it a chance. Same links as counting every pair.
    """
    n = len(store.ids)
    sizes = np.diff(store.offsets)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2 or not len(store.hashes):
        return Links(empty, empty, empty, empty.astype(bool))
    # hash and owner in one 64-bit key: a plain sort (a third of a stable argsort's time) leaves the
    # owners ascending within a hash
    key = np.sort(
        (store.hashes.astype(np.uint64) << np.uint64(32)) | np.repeat(np.arange(n, dtype=np.uint64), sizes)
    )
    hashes, owner = (key >> np.uint64(32)).astype(np.uint32), (key & np.uint64(0xFFFFFFFF)).astype(np.int64)
    del key
    df = runs(hashes)[1]
    del hashes
    rare = (df >= 2) & (df <= RARE_DF)
    common = (df > RARE_DF) & (df <= DF_CAP)
    held = np.repeat(common, df)  # per posting: its hash is common
    cowner, chash = owner[held], np.repeat(np.flatnonzero(common), df[common])
    del held
    ncommon = np.bincount(cowner, minlength=n)
    wide = ncommon >= np.maximum(MIN_SHARED, COVERAGE * sizes)
    narrow = ncommon >= np.maximum(MIN_SHARED, CONTAINMENT * sizes)  # narrow ones are wide too
    # Pairs are counted in a numbering with the narrow articles first, so that within a holder
    # list the pairs with a narrow article are the ones its narrow members lead.
    order = np.concatenate((np.flatnonzero(narrow), np.flatnonzero(~narrow)))
    label = np.empty(n, dtype=np.int64)
    label[order] = np.arange(n)
    first_wide = int(narrow.sum())

    def lists(postings: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The holders of consecutive lists, relabelled and sorted within each list."""
        which = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        return np.sort(which * n + label[postings]) % n

    by_rare = lists(owner[np.repeat(rare, df)], df[rare])
    del owner
    among = wide[cowner]
    hh, ho = chash[among], cowner[among]
    hdf = runs(hh)[1]
    by_common = lists(ho[np.repeat(hdf >= 2, hdf)], hdf[hdf >= 2])
    del among, hh, ho
    lsizes, lcommon = sizes[order], ncommon[order]

    def worth_counting(a: np.ndarray, b: np.ndarray, shared: np.ndarray) -> np.ndarray:
        # a pair not counted through common hashes adds at most this many
        bound = shared + np.minimum(lcommon[a], lcommon[b])
        return _passes(bound, np.minimum(lsizes[a], lsizes[b]), np.maximum(lsizes[a], lsizes[b]))

    a, b, shared = _count_pairs(
        np.concatenate((by_rare, by_common)),
        np.concatenate((df[rare], hdf[hdf >= 2])),
        n,
        worth_counting,
        np.concatenate((np.ones(len(by_rare), dtype=bool), by_common < first_wide)),
    )
    del by_rare, by_common
    a, b = order[a], order[b]
    a, b = np.minimum(a, b), np.maximum(a, b)
    by_pair = np.argsort(a * n + b)
    a, b, shared = a[by_pair], b[by_pair], shared[by_pair]
    counted = (narrow[a] | narrow[b]) & wide[a] & wide[b]  # common hashes included
    small = np.minimum(sizes[a], sizes[b])
    large = np.maximum(sizes[a], sizes[b])
    maybe = np.flatnonzero(~counted & (np.minimum(ncommon[a], ncommon[b]) > 0))
    if len(maybe):
        by_owner = np.argsort(cowner, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(ncommon)))
        sets: dict[int, set[int]] = {}

        def common_of(x: int) -> set[int]:
            got = sets.get(x)
            if got is None:
                got = sets[x] = set(chash[by_owner[bounds[x] : bounds[x + 1]]].tolist())
            return got

        shared = shared.copy()
        for i, x, y in zip(maybe.tolist(), a[maybe].tolist(), b[maybe].tolist(), strict=True):
            shared[i] += len(common_of(x) & common_of(y))
    ok = _passes(shared, small, large)
    mutual = shared >= CONTAINMENT * large
    return Links(a[ok], b[ok], shared[ok], mutual[ok])


def _passes(shared: np.ndarray, small: np.ndarray, large: np.ndarray) -> np.ndarray:
    return (shared >= MIN_SHARED) & (shared >= CONTAINMENT * small) & (shared >= COVERAGE * large)


#: Pair keys counted at once in :func:`_count_pairs` (8 MB: small sorts run in cache, and are quicker).
PAIR_CHUNK = 1 << 20


def _count_pairs(
    members: np.ndarray,
    sizes: np.ndarray,
    n: int,
    keep: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    leads: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of articles in a common holder list, with how many lists they share, for the
    pairs ``keep(a, b, shared)`` passes.

    ``members`` is the lists' holders concatenated (each list ascending), ``sizes`` the lists'
    lengths; a holder pairs with the ones after it in its list where ``leads`` (default: all) is
    true. A pair's key is made by its first article, so the pairs are counted a range of first
    articles at a time, at most about :data:`PAIR_CHUNK` keys each: the number of pairs grows faster
    than the corpus (a million bench articles made billions), the survivors do not.

    >>> m = np.array([0, 1, 2, 0, 1, 1, 2], dtype=np.int32)  # lists [0 1 2], [0 1], [1 2]
    >>> [x.tolist() for x in _count_pairs(m, np.array([3, 2, 2]), 3, lambda a, b, s: s >= 1)]
    [[0, 0, 1], [1, 2, 2], [2, 1, 2]]
    >>> lead = np.array([True, False, False, True, False, True, False])
    >>> [x.tolist() for x in _count_pairs(m, np.array([3, 2, 2]), 3, lambda a, b, s: s >= 1, lead)]
    [[0, 0, 1], [1, 2, 2], [2, 1, 1]]
    """
    empty = np.zeros(0, dtype=np.int64)
    if not len(members):
        return empty, empty, empty
    sizes = np.asarray(sizes, dtype=np.int64)
    ends = np.cumsum(sizes)
    # the holders after each one in its list: the pairs it leads
    after = (np.repeat(ends, sizes) - 1 - np.arange(len(members))).astype(np.int32)
    if leads is not None:
        after[~leads] = 0
    led = np.flatnonzero(after)
    led = led[np.argsort(members[led], kind="stable")]  # by first article
    first = members[led]
    per_article = np.cumsum(np.bincount(first, weights=after[led], minlength=n))
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lo = 0
    while lo < n:
        done = per_article[lo - 1] if lo else 0.0
        hi = max(int(np.searchsorted(per_article, done + PAIR_CHUNK, side="right")), lo + 1)
        begin, end = np.searchsorted(first, [lo, hi])
        if end > begin:
            rows, counts = led[begin:end], after[led[begin:end]]
            keys = np.repeat(members[rows].astype(np.int64) * n, counts)
            keys += members[_ragged(rows + 1, counts)]
            keys.sort()
            cut, shared = runs(keys)
            keys = keys[cut]
            a, b = keys // n, keys % n
            wanted = keep(a, b, shared)
            found.append((a[wanted], b[wanted], shared[wanted]))
        lo = hi
    if not found:
        return empty, empty, empty
    a, b, shared = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return a, b, shared


def group(store: SketchStore, links: Links | None = None) -> list[list[int]]:
    """Stories of two or more articles, as sorted positions in ``store`` (``links``: its copy links
    when already known).

    Mutual copies are joined transitively. A text that is only a part of others (a copy cut to its
    lede), with its mutual copies if any, joins one of them -- the one it shares most with, then the
    one it is the largest part of -- so a short text quoted by two stories does not bridge them.
    Only linked articles are walked (in position order, which settles ties): the rest stand alone.
    """
    sizes = np.diff(store.offsets).tolist()
    links = copy_links(store) if links is None else links
    linked = np.unique(np.concatenate((links.a, links.b))).tolist()
    parent = {x: x for x in linked}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = root(x), root(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    pairs = zip(links.a.tolist(), links.b.tolist(), links.shared.tolist(), links.mutual.tolist(), strict=True)
    part_of: list[tuple[int, int, int]] = []
    for a, b, shared, mutual in pairs:
        if mutual:
            union(a, b)
        else:
            small, large = (a, b) if sizes[a] < sizes[b] else (b, a)
            part_of.append((small, large, shared))
    longest: dict[int, int] = {}  # per group of mutual copies, its longest text
    for x in linked:
        r = root(x)
        if r not in longest or sizes[x] > sizes[longest[r]]:
            longest[r] = x
    best: dict[int, tuple[tuple[int, float, int], int]] = {}
    for small, large, shared in part_of:
        unit = root(small)  # mutual copies move together, when their longest text is the part
        if longest[unit] != small or unit == root(large):
            continue
        rank = (shared, shared / sizes[large], -large)
        if unit not in best or rank > best[unit][0]:
            best[unit] = (rank, large)
    for unit, (_, large) in best.items():
        union(unit, large)
    groups: dict[int, list[int]] = {}
    for x in linked:
        groups.setdefault(root(x), []).append(x)
    return [g for g in groups.values() if len(g) > 1]


def assign(ids: Sequence[str], dates: Sequence[int], groups: Iterable[Sequence[int]]) -> list[dict[str, Any]]:
    """Story records: members dated oldest first then undated (by id), first-seen, story id.

    >>> assign(["b", "a", "c"], [20160330, 0, 20160329], [[0, 1, 2]])
    [{'id': 'c', 'first': 'c', 'members': ['c', 'b', 'a']}]
    >>> assign(["b", "a"], [0, 0], [[0, 1]])
    [{'id': 'a', 'first': None, 'members': ['a', 'b']}]
    """
    stories: list[dict[str, Any]] = []
    for positions in groups:
        members = sorted(positions, key=lambda i: (dates[i] == 0, dates[i], ids[i]))
        first = ids[members[0]] if dates[members[0]] else None
        story_id = first or min(ids[i] for i in members)
        stories.append({"id": story_id, "first": first, "members": [ids[i] for i in members]})
    stories.sort(key=lambda s: s["id"])
    return stories


@dataclass
class StoryStats:
    stories: int
    articles: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"stories": self.stories, "articles": self.articles, "seconds": round(self.seconds, 3)}


def update_generation(
    gen: Path,
    previous: Path | None,
    ids: Sequence[str],
    fresh: dict[str, tuple[int, np.ndarray]],
    reader: Any,
) -> StoryStats:
    """Write ``gen``'s sketches and stories for the articles ``ids``.

    Sketches come from ``fresh`` (articles parsed this run), else ``previous``'s store, else (a
    generation built without stories) from the body and date stored in ``reader``. With the
    previous store's links at hand only the pairs the changes can touch are recounted
    (``carry_over``); the groups are the same as counting every pair again.
    """
    started = time.monotonic()
    old = SketchStore.load(previous) if previous is not None else None
    store = carry_over(old, ids, fresh, reader) if old is not None else None
    if store is None:
        carried: dict[str, tuple[int, np.ndarray]] = {}
        if old is not None:
            wanted = set(ids) - set(fresh)
            carried = {i: (d, h) for i, d, h in old.items() if i in wanted}
        items: list[tuple[str, int, np.ndarray]] = []
        missing: list[str] = []
        for article in ids:
            got = fresh.get(article) or carried.get(article)
            if got is None:
                missing.append(article)
            else:
                items.append((article, got[0], got[1]))
        items.extend(_from_index(reader, missing))
        items.sort(key=lambda x: x[0])
        store = SketchStore.from_items(items)
        store.links = copy_links(store)
    store.save(gen)
    groups = group(store, store.links)
    stories = assign(store.ids, store.dates.tolist(), groups)
    write_stories(gen, stories, reader)
    return StoryStats(len(stories), sum(len(s["members"]) for s in stories), time.monotonic() - started)


def carry_over(
    old: SketchStore, ids: Sequence[str], fresh: dict[str, tuple[int, np.ndarray]], reader: Any
) -> SketchStore | None:
    """The store of the articles ``ids``, sorted by id, with its links: ``old``'s sketches for the
    unchanged articles, ``fresh`` (or the index's bodies) for the rest; links recounted only for the
    pairs the changes can touch (``relink``). None when ``old`` has no links or ids repeat (then the
    caller counts every pair)."""
    known = set(old.ids)
    if old.links is None or len(known) != len(old.ids) or len(set(ids)) != len(ids):
        return None
    wanted = set(ids)
    keep = np.fromiter((i in wanted and i not in fresh for i in old.ids), dtype=bool, count=len(old.ids))
    added = [(i, *fresh[i]) for i in ids if i in fresh]
    added.extend(_from_index(reader, [i for i in ids if i not in fresh and i not in known]))
    add = SketchStore.from_items(sorted(added, key=lambda x: x[0]))
    kept = np.flatnonzero(keep)
    kept_names, add_names = np.asarray(old.ids, dtype=str)[kept], np.asarray(add.ids, dtype=str)
    if len(kept_names) > 1 and not (kept_names[1:] > kept_names[:-1]).all():
        return None  # not sorted by id (numpy compares code points, as Python does)
    # The new articles go between the kept ones, which keep their order: no sort of the whole store.
    at = np.searchsorted(kept_names, add_names) + np.arange(len(add_names))
    is_new = np.zeros(len(kept) + len(at), dtype=bool)
    is_new[at] = True
    moved = np.flatnonzero(~is_new)
    names = np.empty(len(is_new), dtype=np.result_type(kept_names, add_names))
    names[moved], names[at] = kept_names, add_names
    old_sizes = np.diff(old.offsets)
    sizes = np.zeros(len(is_new), dtype=np.int64)
    sizes[moved], sizes[at] = old_sizes[kept], np.diff(add.offsets)
    dates = np.zeros(len(is_new), dtype=np.int64)
    dates[moved], dates[at] = old.dates[kept], add.dates
    # Each row's hashes in old.hashes, then add.hashes as if appended; copied run by run of rows
    # that follow each other there (a few runs a change), not through masks as long as the store.
    source = np.zeros(len(is_new), dtype=np.int64)
    source[moved], source[at] = old.offsets[kept], add.offsets[:-1] + len(old.hashes)
    breaks = np.flatnonzero((source[1:] != source[:-1] + sizes[:-1]) | (is_new[1:] != is_new[:-1])) + 1
    bounds = [0, *breaks.tolist(), len(is_new)] if len(is_new) else []
    pieces = []
    for first, last in itertools.pairwise(bounds):
        begin, end = int(source[first]), int(source[last - 1] + sizes[last - 1])
        if is_new[first]:
            pieces.append(add.hashes[begin - len(old.hashes) : end - len(old.hashes)])
        else:
            pieces.append(old.hashes[begin:end])
    store = SketchStore(
        ids=names.tolist(),
        dates=dates,
        offsets=np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
        hashes=np.concatenate(pieces) if pieces else _EMPTY,
    )
    store.links = relink(old, kept, moved, store, is_new)
    return store


def relink(
    old: SketchStore, kept: np.ndarray, moved: np.ndarray, new: SketchStore, dirty: np.ndarray
) -> Links:
    """``copy_links(new)``, from ``old``'s links: ``old`` positions ``kept`` are ``new`` positions
    ``moved``, and ``dirty`` marks the new articles that are new or changed.

    A pair's count depends only on its two sketches and on which of their common hashes are held by
    at most :data:`DF_CAP` articles. So a pair of unchanged articles keeps its old link unless both
    hold a hash whose count crossed the cap; the holders of such hashes are recounted with the new
    and changed articles, against every article holding one of their hashes.
    """
    n = len(new.ids)
    gone = np.ones(len(old.ids), dtype=bool)
    gone[kept] = False
    came, went = _rows(new, np.flatnonzero(dirty)), _rows(old, np.flatnonzero(gone))
    touched = distinct(np.concatenate((went, came)))
    slot, owner = _holders(new, touched)  # slot: the posting's hash, as a position in touched

    def count(found: np.ndarray) -> np.ndarray:
        return np.bincount(np.searchsorted(touched, found), minlength=len(touched))

    df_new = np.bincount(slot, minlength=len(touched))
    crossed = (count(went) - count(came) + df_new <= DF_CAP) != (df_new <= DF_CAP)
    if crossed.any():
        dirty = dirty.copy()
        dirty[owner[crossed[slot]]] = True
        came = _rows(new, np.flatnonzero(dirty))
        more = np.setdiff1d(came, touched)
        if len(more):
            slot2, owner2 = _holders(new, more)
            slot, owner = np.concatenate((slot, slot2 + len(touched))), np.concatenate((owner, owner2))
            touched = np.concatenate((touched, more))
    if crossed.any():
        mine = np.isin(touched, came)  # hashes a new, changed or recounted article holds
    else:
        mine = np.zeros(len(touched), dtype=bool)
        mine[np.searchsorted(touched, came)] = True
    sel = mine[slot]
    # by hash, then owner: one sort of a 64-bit key
    key = np.sort(slot[sel].astype(np.int64) * n + owner[sel])
    h, owner = key // n, key % n
    starts, df = runs(h)
    gstart, gdf = np.repeat(starts, df), np.repeat(df, df)
    use = dirty[owner] & (gdf >= 2) & (gdf <= DF_CAP)
    x = np.repeat(owner[use], gdf[use])
    y = owner[_ragged(gstart[use], gdf[use])]
    ok = (x != y) & (~dirty[y] | (x < y))  # a pair of two dirty articles is counted from its first
    both = np.sort(np.minimum(x[ok], y[ok]) * n + np.maximum(x[ok], y[ok]))  # sorted: no np.unique hashing
    first, shared = runs(both)
    pairs = both[first]
    a, b = pairs // n, pairs % n
    sizes = np.diff(new.offsets)
    small, large = np.minimum(sizes[a], sizes[b]), np.maximum(sizes[a], sizes[b])
    ok = _passes(shared, small, large)
    assert old.links is not None
    where = np.full(len(old.ids), -1, dtype=np.int64)
    where[kept] = moved
    oa, ob = where[old.links.a], where[old.links.b]
    stay = (oa >= 0) & (ob >= 0)
    stay[stay] = ~(dirty[oa[stay]] | dirty[ob[stay]])
    oa, ob = np.minimum(oa[stay], ob[stay]), np.maximum(oa[stay], ob[stay])
    keys = np.concatenate((oa * n + ob, pairs[ok]))
    order = np.argsort(keys, kind="stable")
    return Links(
        (keys // n)[order],
        (keys % n)[order],
        np.concatenate((old.links.shared[stay], shared[ok])).astype(np.int64)[order],
        np.concatenate((old.links.mutual[stay], (shared >= CONTAINMENT * large)[ok])).astype(bool)[order],
    )


def _ragged(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``starts[i] .. starts[i] + sizes[i] - 1`` for every ``i``, concatenated.

    >>> _ragged(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist()
    [5, 6, 9, 10, 11]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(sizes)
    return np.repeat(np.asarray(starts, dtype=np.int64) - (ends - sizes), sizes) + np.arange(total)


def _rows(store: SketchStore, rows: np.ndarray) -> np.ndarray:
    """The hashes of the articles at ``rows``, concatenated."""
    starts = store.offsets[rows]
    return store.hashes[_ragged(starts, store.offsets[rows + 1] - starts)]


#: Bits of a hash that address the prefilter table of ``_holders`` (4 MB: it stays in cache).
_TABLE_BITS = 22


def _holders(store: SketchStore, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of ``store`` whose hash is in ``wanted`` (sorted, unique), in store order: the
    hash's position in ``wanted``, and the owner. A table of the hashes' low bits passes a few
    percent of the postings to an exact check, so the whole store is read once and never sorted."""
    if not len(wanted) or not len(store.hashes):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = (1 << _TABLE_BITS) - 1
    table = np.zeros(1 << _TABLE_BITS, dtype=bool)
    table[wanted & low] = True
    step = 1 << 20  # in slices that stay in cache, with no temporary as long as the store
    found = [
        np.flatnonzero(table[store.hashes[i : i + step] & low]) + i for i in range(0, len(store.hashes), step)
    ]
    where = np.concatenate(found)
    h = store.hashes[where]
    slot = np.minimum(np.searchsorted(wanted, h), len(wanted) - 1)
    hit = wanted[slot] == h
    return slot[hit], np.searchsorted(store.offsets, where[hit], side="right") - 1


def _from_index(reader: Any, missing: Sequence[str]) -> list[tuple[str, int, np.ndarray]]:
    if not missing:
        return []
    column = reader.column_reader("date") if reader.has_column("date") else None
    out = []
    for article in missing:
        try:
            docnum = reader.first_id("id", article)
        except (KeyError, TermNotFound):
            continue
        date = column[docnum] if column is not None else 0
        date = date if date and date <= 99991231235959 else 0
        body = reader.stored_fields(docnum)["doc"].get("body") or ""
        out.append((article, int(date), sketch(body)))
    return out


def write_stories(gen: Path, stories: list[dict[str, Any]], reader: Any) -> None:
    """``gen``'s stories, with their members' document numbers in ``reader`` (``gen``'s index): a
    server then opens the generation without a term lookup per member (150k at 1M articles, each
    a seek in every segment)."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "method": {
            "shingle": SHINGLE,
            "sample": SAMPLE,
            "containment": CONTAINMENT,
            "coverage": COVERAGE,
            "min_shared": MIN_SHARED,
        },
        "stories": stories,
    }
    docnums = _docnums(reader, {m for s in stories for m in s["members"]})
    data["ndocs"] = reader.doc_count_all()
    data["docnums"] = [[docnums.get(m, -1) for m in s["members"]] for s in stories]
    tmp = gen / (STORIES + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(gen / STORIES)


def _docnums(reader: Any, wanted: set[str]) -> dict[str, int]:
    """The live document of each id in ``wanted``, from one pass over the id field's terms of each
    segment (an id's term info holds its document when it has one)."""
    found: dict[str, int] = {}
    if not wanted:
        return found
    for segment, offset in reader.leaf_readers():
        deletions = segment.has_deletions()
        for tbytes, info in segment.iter_field("id"):
            article = tbytes.decode("utf-8")
            if article not in wanted:
                continue
            if info.doc_frequency() == 1 and not (deletions and segment.is_deleted(info.min_id())):
                found[article] = offset + info.min_id()
                continue
            for local in segment.postings("id", tbytes).all_ids():  # deleted docs left out
                found[article] = offset + local
                break
    return found


# --- search time ----------------------------------------------------------------------------------------


@dataclass
class StoryTable:
    """One generation's stories as arrays over document numbers.

    ``keys[d]`` is the story of document ``d``: ``d`` itself for an article alone, ``ndocs + i`` for
    the i-th story of several, so counting distinct keys counts stories.
    """

    keys: np.ndarray  # int64 per docnum
    copies: np.ndarray  # int32 per docnum
    records: list[dict[str, Any]]
    member_docs: list[list[int]]  # per story: docnums in the record's member order

    @classmethod
    def load(cls, gen: Path, ndocs: int) -> StoryTable:
        keys = np.arange(ndocs, dtype=np.int64)
        copies = np.ones(ndocs, dtype=np.int32)
        records: list[dict[str, Any]] = []
        member_docs: list[list[int]] = []
        try:
            data = json.loads((gen / STORIES).read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {"format": FORMAT, "stories": [], "docnums": [], "ndocs": ndocs}
        if data.get("format") != FORMAT:
            data = {"stories": [], "docnums": [], "ndocs": ndocs}
        if data["ndocs"] != ndocs:
            raise ValueError(f"{STORIES} numbers {data['ndocs']} documents, the index holds {ndocs}")
        for record, numbers in zip(data["stories"], data["docnums"], strict=True):
            docs = [d for d in numbers if d >= 0]
            if len(docs) < 2:
                continue
            keys[docs] = ndocs + len(records)
            copies[docs] = len(docs)
            records.append(record)
            member_docs.append(docs)
        return cls(keys, copies, records, member_docs)

    def story(self, docnum: int) -> tuple[dict[str, Any], list[int]] | None:
        """The record and member docnums of ``docnum``'s story, None when it stands alone."""
        index = int(self.keys[docnum]) - len(self.keys)
        if index < 0:
            return None
        return self.records[index], self.member_docs[index]

    def count(self, docs: np.ndarray) -> int:
        """How many stories ``docs`` hold (sorts only the copies, not every doc)."""
        keys = self.keys[docs]
        copies = keys[keys >= len(self.keys)]
        return len(docs) - len(copies) + len(np.unique(copies))

    def story_id(self, docnum: int, article_id: str) -> str:
        found = self.story(docnum)
        return found[0]["id"] if found else article_id


def first_per_story(ranked: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``ranked`` docnums with every later copy of an earlier story left out, order kept.

    >>> first_per_story(np.array([5, 2, 7, 1]), np.array([0, 1, 9, 3, 4, 9, 6, 7])).tolist()
    [5, 7, 1]
    """
    if not len(ranked):
        return ranked
    _, first = np.unique(keys[ranked], return_index=True)
    return ranked[np.sort(first)]


def count_stories(
    offsets: np.ndarray, ords: np.ndarray, nvalues: int, docs: np.ndarray, keys: np.ndarray
) -> np.ndarray:
    """Per facet value (a CSR table: ``offsets``/``ords`` over docnums), the distinct stories of ``docs``.

    >>> offsets, ords = np.array([0, 1, 3, 4]), np.array([0, 0, 1, 1])  # doc 0: a; 1: a, b; 2: b
    >>> count_stories(offsets, ords, 2, np.array([0, 1, 2]), np.array([5, 5, 2])).tolist()
    [1, 2]
    """
    if nvalues == 0 or not len(docs):
        return np.zeros(nvalues, dtype=np.int64)
    starts = offsets[docs]
    lengths = offsets[docs + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(nvalues, dtype=np.int64)
    positions = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(total)
    width = int(keys.max()) + 1
    pairs = np.unique(ords[positions].astype(np.int64) * width + np.repeat(keys[docs], lengths))
    return np.bincount(pairs // width, minlength=nvalues)


def count_distinct(labels: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``labels`` and, for each, how many distinct ``keys`` carry it.

    >>> [a.tolist() for a in count_distinct(np.array([1, 1, 1, 2]), np.array([7, 7, 8, 7]))]
    [[1, 2], [2, 1]]
    """
    if not len(labels):
        return labels, np.zeros(0, dtype=np.int64)
    width = int(keys.max()) + 1
    pairs = np.unique(labels.astype(np.int64) * width + keys)
    return np.unique(pairs // width, return_counts=True)


# --- what a copy changed ------------------------------------------------------------------------------


def _bigrams(paragraph: str) -> set[str]:
    w = words(paragraph)
    return {" ".join(w[i : i + 2]) for i in range(len(w) - 1)} or set(w)


def _mostly_in(part: set[str], whole: set[str], share: float = 0.5) -> bool:
    return bool(part) and len(part & whole) >= share * len(part)


def paragraph_diff(this: str, other: str) -> list[dict[str, Any]]:
    """``other`` paragraph by paragraph against ``this``: kept ("same"), reworded ("edited", with a
    word diff), "added", and this article's paragraphs it "cut", shown where they stood.

    A paragraph counts as kept when most of its word pairs occur anywhere in the other text, so
    merged, split and reordered paragraphs are not reported as cut.

    >>> [(d["op"], d["text"][:12]) for d in paragraph_diff("Alpha beta gamma.\\n\\nDelta epsilon zeta.",
    ...                                                      "Alpha beta gamma.\\n\\nNew words here.")]
    [('same', 'Alpha beta g'), ('cut', 'Delta epsilo'), ('added', 'New words he')]
    """
    mine, theirs = paragraphs(this), paragraphs(other)
    mine_grams, their_grams = [_bigrams(p) for p in mine], [_bigrams(p) for p in theirs]
    all_mine = set().union(*mine_grams) if mine_grams else set()
    all_theirs = set().union(*their_grams) if their_grams else set()
    exact = {" ".join(words(p)): i for i, p in enumerate(mine)}
    cut = [not _mostly_in(g, all_theirs) for g in mine_grams]
    out: list[dict[str, Any]] = []
    shown = 0  # this article's paragraphs before ``shown`` are placed

    def place_cuts(upto: int) -> None:
        nonlocal shown
        for i in range(shown, upto):
            if cut[i]:
                out.append({"op": "cut", "text": mine[i]})
        shown = max(shown, upto)

    for text, grams in zip(theirs, their_grams, strict=True):
        key = " ".join(words(text))
        if key in exact:
            place_cuts(exact[key] + 1)
            out.append({"op": "same", "text": text})
            continue
        if not _mostly_in(grams, all_mine):
            end = shown  # a run of cut paragraphs right here was replaced: show it first
            while end < len(mine) and cut[end]:
                end += 1
            place_cuts(end)
            out.append({"op": "added", "text": text})
            continue
        best = max(range(len(mine)), key=lambda i: len(grams & mine_grams[i]))
        place_cuts(best + 1)
        runs = _moved_text_kept(word_diff(mine[best], text), all_mine, all_theirs)
        if all(op == "=" for op, _ in runs):
            out.append({"op": "same", "text": text})
        else:
            out.append({"op": "edited", "text": text, "words": runs})
    place_cuts(len(mine))
    return out


def _moved_text_kept(runs: list[list[str]], before: set[str], after: set[str]) -> list[list[str]]:
    """Word runs with text that only moved between paragraphs (merged or split ones) not shown as
    removed or inserted: a removed run found elsewhere in the copy is dropped, an inserted run found
    elsewhere in the original is kept text."""
    out: list[list[str]] = []
    for op, text in runs:
        moved = len(text.split()) >= 4 and _mostly_in(_bigrams(text), after if op == "-" else before, 0.8)
        if op == "-" and moved:
            continue
        if op == "+" and moved:
            op = "="
        if out and out[-1][0] == op:
            out[-1][1] += " " + text
        else:
            out.append([op, text])
    return out


def word_diff(before: str, after: str) -> list[list[str]]:
    """``[op, text]`` runs turning ``before`` into ``after``: "=" kept, "-" removed, "+" inserted.

    >>> word_diff("ISIS seized the “town”", 'IS seized the "town"')
    [['-', 'ISIS'], ['+', 'IS'], ['=', 'seized the "town"']]
    """
    a, b = before.split(), after.split()
    same_a, same_b = [w.translate(_QUOTES) for w in a], [w.translate(_QUOTES) for w in b]
    runs: list[list[str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, same_a, same_b, autojunk=False).get_opcodes():
        if op == "equal":  # the copy's own words: it is the copy that is shown
            runs.append(["=", " ".join(b[j1:j2])])
            continue
        if i2 > i1:
            runs.append(["-", " ".join(a[i1:i2])])
        if j2 > j1:
            runs.append(["+", " ".join(b[j1:j2])])
    return runs


def diff_summary(diff: list[dict[str, Any]]) -> dict[str, int]:
    """How many paragraphs of each kind a diff holds."""
    counts = {"same": 0, "edited": 0, "added": 0, "cut": 0}
    for entry in diff:
        counts[entry["op"]] += 1
    return counts
