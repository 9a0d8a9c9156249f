"""Compiled Whoosh queries evaluated with numpy over whole posting lists: doc numbers and scores.

Whoosh matches and scores one document at a time in Python, and the search page needs every
matched document (for facets) as well as the best few (for the page): done Whoosh's way that is
two passes, each linear in the matches at several microseconds a document. Here a posting list
is decoded block by block into arrays (one ``cumsum`` turns the per-block deltas into doc numbers)
and the query tree becomes array intersections and unions, so the cost per matched document is a
few numpy operations.

The answer must be Whoosh's own, to the last bit of every score, so that the top of the page and
its ties come out the same: per segment, each query node follows the matcher Whoosh would build
(the same intersection and union trees ordered by estimated size, or the same left-to-right
accumulation, the same BM25F formula in the same order of operations on the same quantised field
lengths). A query node it does not know makes :meth:`Evaluator.run` return ``None``, and the
caller asks Whoosh.
"""

from __future__ import annotations

import bisect
import io
import mmap
import operator
import os
import pickle
import struct
import zlib
from itertools import chain, repeat
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, _lenfield
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.query.positional import Phrase
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from searchapp.arrays import distinct

#: ``byte_to_length`` as a lookup table: Whoosh keeps field lengths as one quantised byte.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)

#: Whoosh's ``Or`` switches from a binary tree of unions to one accumulating array (with another
#: summation order) on small segments with more than two clauses; these are its thresholds.
_OR_SMALL_SEGMENT = 5000
_OR_TOO_MANY = 1024

Result = tuple[np.ndarray, np.ndarray]  # (sorted local doc numbers, float64 scores)


class Unsupported(Exception):
    """A query node this evaluator does not mirror: the caller falls back to Whoosh."""


def _empty() -> Result:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)


def _union(a: Result, b: Result) -> Result:
    """Whoosh's UnionMatcher: a document in both scores ``a + b`` (in that order)."""
    if len(a[0]) == 0:
        return b
    if len(b[0]) == 0:
        return a
    docs = distinct(np.concatenate((a[0], b[0])))
    scores = np.zeros(len(docs), dtype=np.float64)
    scores[np.searchsorted(docs, a[0])] += a[1]
    scores[np.searchsorted(docs, b[0])] += b[1]
    return docs, scores


def _intersect(a: Result, b: Result) -> Result:
    """Whoosh's IntersectionMatcher: ``a + b``. Both doc lists are sorted: the shorter is looked
    up in the longer (``np.intersect1d`` sorts them both together)."""
    small, large = (a, b) if len(a[0]) <= len(b[0]) else (b, a)
    if len(small[0]) == 0:
        return _empty()
    at = np.minimum(np.searchsorted(large[0], small[0]), len(large[0]) - 1)
    found = large[0][at] == small[0]
    docs = small[0][found]
    # two addends: the same sum in either order
    return docs, small[1][found] + large[1][at[found]]


def _binary_tree(fn: Any, items: list[Any]) -> Any:
    """The shape of ``whoosh.util.make_binary_tree``: first half, second half, recursively."""
    if len(items) == 1:
        return items[0]
    half = len(items) // 2
    return fn(_binary_tree(fn, items[:half]), _binary_tree(fn, items[half:]))


def _weighted_tree(fn: Any, weighted: list[tuple[int, Any]]) -> Any:
    """The shape of ``whoosh.util.make_weighted_tree``: pair off the two lightest, repeatedly.

    Whoosh sorts ``(weight, matcher)`` pairs, and its matchers compare neither less nor greater
    than each other, so equal weights keep their order and a merged pair goes after its equals.
    """
    items = sorted(weighted, key=lambda pair: pair[0])
    while len(items) > 1:
        (wa, a), (wb, b) = items[0], items[1]
        del items[:2]
        bisect.insort_right(items, (wa + wb, fn(a, b)), key=lambda pair: pair[0])
    return items[0][1]


def _read_at(structfile: Any, offset: int, length: int) -> bytes:
    """``length`` bytes at ``offset``: with ``pread`` on a plain file, so threads sharing the
    searcher never move one another's file position between a seek and a read."""
    raw = getattr(structfile, "file", None)
    if type(raw) is io.BufferedReader:
        return os.pread(raw.fileno(), length, offset)
    return structfile.get(offset, length)


#: Whoosh's hash file layout (``filedb.filetables``): a record's key and value lengths, a hash slot.
_RECORD = struct.Struct("!ii")
_SLOT = struct.Struct("!Iq")
_INDEX_FORMATS = {"B": "!B", "H": "!H", "i": "!i", "I": "!I", "q": "!q"}


class TermTable:
    """One segment's term dictionary (Whoosh's ordered hash file, ``.trm``), read in place.

    Whoosh reads each hash slot, length and key of a lookup with a seek and a read call, a few
    microseconds each and tens of them a lookup; a name query looks up hundreds of terms in every
    segment and its name expansion binary-searches the key index a few dozen times. Mapped once,
    the same file answers each of those with slicing and ``struct.unpack_from``. Read only: the
    format is Whoosh's, and :meth:`open` declines any file it cannot map (the caller then asks
    Whoosh).
    """

    def __init__(self, mapped: mmap.mmap, tindex: OrderedHashReader, fieldmap: dict[str, int]) -> None:
        self.map = mapped
        self.hashfn = tindex.hashfn
        self.tables = list(tindex.tables)
        self.start, self.end = tindex.startofdata, tindex.endofdata
        self.index_at = tindex.indexbase
        self.index_len = tindex.indexlen
        self.index = struct.Struct(_INDEX_FORMATS[tindex.extras["indextype"]])
        self.fieldmap = fieldmap

    @classmethod
    def open(cls, terms_reader: Any) -> TermTable | None:
        tindex = getattr(terms_reader, "_tindex", None)
        if type(tindex) is not OrderedHashReader or tindex.startoffset != 0:
            return None
        if tindex.extras.get("indextype") not in _INDEX_FORMATS:
            return None
        raw = getattr(tindex.dbfile, "file", None)
        if type(raw) is not io.BufferedReader:
            return None
        try:
            mapped = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        return cls(mapped, tindex, terms_reader._fieldmap)

    def close(self) -> None:
        self.map.close()

    def _key(self, fieldname: str, tbytes: bytes) -> bytes | None:
        fnum = self.fieldmap.get(fieldname)
        return None if fnum is None else fnum.to_bytes(2, "big") + tbytes

    def info(self, fieldname: str, tbytes: bytes) -> W3TermInfo | None:
        """The term's info (doc frequency, where its postings are), None when absent: the lookup
        of ``HashReader.ranges_for_key``, slot for slot."""
        key = self._key(fieldname, tbytes)
        if key is None:
            return None
        mapped = self.map
        keyhash = self.hashfn(key)
        tablestart, numslots = self.tables[keyhash & 255]
        slot = (keyhash >> 8) % numslots if numslots else 0
        for _ in range(numslots):
            slothash, itempos = _SLOT.unpack_from(mapped, tablestart + slot * _SLOT.size)
            if not itempos:
                return None
            if slothash == keyhash:
                keylen, datalen = _RECORD.unpack_from(mapped, itempos)
                keystart = itempos + _RECORD.size
                if keylen == len(key) and mapped[keystart : keystart + keylen] == key:
                    datapos = keystart + keylen
                    return W3TermInfo.from_bytes(mapped[datapos : datapos + datalen])
            slot += 1
            if slot == numslots:
                slot = 0
        return None

    def _key_at(self, pos: int) -> bytes:
        keylen = _RECORD.unpack_from(self.map, pos)[0]
        return self.map[pos + _RECORD.size : pos + _RECORD.size + keylen]

    def prefixed(self, fieldname: str, prefix: bytes, limit: int) -> list[bytes]:
        """The first ``limit`` terms of the field starting with ``prefix``, in order (Whoosh's
        ``closest_key_pos`` then a walk over the records)."""
        key = self._key(fieldname, prefix)
        if key is None:
            return []
        lo, hi = 0, self.index_len
        index, base = self.index, self.index_at
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key_at(index.unpack_from(self.map, base + mid * index.size)[0]) < key:
                lo = mid + 1
            else:
                hi = mid
        found: list[bytes] = []
        if lo == self.index_len:
            return found
        pos = index.unpack_from(self.map, base + lo * index.size)[0]
        skip = len(key) - len(prefix)
        while pos < self.end and len(found) < limit:
            keylen, datalen = _RECORD.unpack_from(self.map, pos)
            keystart = pos + _RECORD.size
            term = self.map[keystart : keystart + keylen]
            if not term.startswith(key):
                break
            found.append(term[skip:])
            pos = keystart + keylen + datalen
        return found


class Segment:
    """One segment of the generation: its reader, where its doc numbers start, and its live docs."""

    def __init__(self, searcher: Any, offset: int, live: np.ndarray) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.doccount = self.reader.doc_count_all()
        self.live_count = self.reader.doc_count()
        self.live = live
        self.all_live = bool(live.all())
        self._lengths: dict[str, np.ndarray | None] = {}
        self.terms = TermTable.open(self.reader._terms)
        #: term -> info, for one query (cleared by each run): its nodes ask again and again
        self.infos: dict[tuple[str, bytes], W3TermInfo | None] = {}

    def close(self) -> None:
        if self.terms is not None:
            self.terms.close()

    def info(self, fieldname: str, tbytes: bytes) -> W3TermInfo | None:
        """The term's info in this segment, or None when the segment lacks it."""
        key = (fieldname, tbytes)
        try:
            return self.infos[key]
        except KeyError:
            pass
        if self.terms is not None:
            found = self.terms.info(fieldname, tbytes)
        else:
            try:
                found = self.reader._terms.term_info(fieldname, tbytes)
            except TermNotFound:
                found = None
        self.infos[key] = found
        return found

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        info = self.info(fieldname, tbytes)
        return 0 if info is None else info.doc_frequency()

    def lengths(self, fieldname: str) -> np.ndarray | None:
        """Each document's quantised length of ``fieldname`` (what BM25F reads), once per segment."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._read_lengths(fieldname)
        return self._lengths[fieldname]

    def _read_lengths(self, fieldname: str) -> np.ndarray | None:
        perdoc = self.reader._perdoc
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        count = min(column._count, self.doccount)
        raw = np.frombuffer(_read_at(column._dbfile, column._basepos, count), dtype=np.uint8)
        out = np.zeros(self.doccount, dtype=np.uint8)
        out[:count] = raw
        return out

    def postings(self, info: W3TermInfo, restrict: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, weights) of one term, live documents only; with ``restrict`` (sorted doc
        numbers), only those, and blocks holding none are not decoded."""
        if info.is_inlined():
            ids_t, weights_t, _ = info.inlined_postings()
            ids = np.array(ids_t, dtype=np.int64)
            weights = np.array(weights_t, dtype=np.float64)
        else:
            offset, length = _extent(info)
            ids, weights = _read_blocks(self.reader._terms._postfile, offset, length, restrict)
        keep = self.kept(ids, restrict)
        if keep is not None:
            ids, weights = ids[keep], weights[keep]
        return ids, weights

    def kept(self, ids: np.ndarray, restrict: np.ndarray | None) -> np.ndarray | None:
        """Which of ``ids`` are live (and in ``restrict``); None: all of them."""
        keep = None
        if restrict is not None:
            keep = np.isin(ids, restrict, assume_unique=True)
        if not self.all_live:
            keep = self.live[ids] if keep is None else keep & self.live[ids]
        return keep

    def phrase_postings(self, info: W3TermInfo, restrict: np.ndarray | None) -> _Spans:
        """Every posting of the blocks that may hold one of ``restrict`` (all blocks without it), with
        where each posting's position value lies: to be filtered, then looked up by doc number."""
        if info.is_inlined():
            ids_t, weights_t, values_t = info.inlined_postings()
            return _Spans.of_values(
                np.array(ids_t, dtype=np.int64), np.array(weights_t, dtype=np.float64), list(values_t)
            )
        offset, length = _extent(info)
        return _read_spans(self.reader._terms._postfile, offset, length, restrict)


def _extent(info: W3TermInfo) -> tuple[int, int]:
    """Where a term's posting list lies in the postings file, and its length."""
    offset, length = info.extent()
    if isinstance(length, tuple):  # whoosh's W3TermInfo.from_bytes leaves it unpacked
        length = length[0]
    return offset, length


#: Where a block's pickled posting values start when they are byte strings: pickle protocol 2
#: writes each through ``_codecs.encode``, a call per posting that is most of a block's decoding.
_VALUES_START = b"(c_codecs\nencode\n"
_VALUES_AS_SLICES = b"(cbuiltins\nslice\n"
_SLICE_START = operator.attrgetter("start")


def _load_block(data: bytes, count: int, want_values: bool) -> tuple[Any, Any, Any]:
    """A block's (id deltas, weights, values); without ``want_values``, the pickle is cut before
    the values and closed as a pair, which is checked against the block's posting count."""
    if data[:2] == b"\x80\x04":  # protocol 4 (the segment writer): bytes values, no encode calls
        return pickle.loads(data)
    if not want_values:
        cut = data.find(_VALUES_START)
        if cut > 0:
            try:
                ids_d, w = pickle.loads(data[:cut] + b"\x86.")  # TUPLE2, STOP
            except (pickle.UnpicklingError, ValueError, TypeError, EOFError, IndexError):
                pass
            else:
                if (
                    isinstance(ids_d, tuple)
                    and len(ids_d) == count
                    and (w is None or isinstance(w, float) or (isinstance(w, tuple) and len(w) == count))
                ):
                    return ids_d, w, None
    else:
        cut = data.find(_VALUES_START)
        if cut > 0:
            # Each value through slice(text, "latin1"), a bare constructor, instead of an encode
            # call: the text is turned back into bytes only for the postings a phrase looks at.
            try:
                ids_d, w, v = pickle.loads(data[:cut] + _VALUES_AS_SLICES + data[cut + len(_VALUES_START) :])
            except (pickle.UnpicklingError, ValueError, TypeError, EOFError, IndexError):
                pass
            else:
                if isinstance(v, tuple) and len(v) == count and all(type(x) is slice for x in (v[0], v[-1])):
                    # the texts, untracked by the garbage collector: a tuple of slices kept for
                    # the whole query would survive into the old generation and set off full
                    # collections (tens of ms over a worker's long-lived objects)
                    return ids_d, w, list(map(_SLICE_START, v))
    return pickle.loads(data)


def _value_bytes(value: Any) -> bytes:
    """A posting value read by :func:`_load_block` (bytes, or its latin-1 text; or a slice
    holding that text), as bytes."""
    if type(value) is slice:
        value = value.start
    return value.encode("latin-1") if isinstance(value, str) else value


def _weights(weights: list[Any], counts: list[int]) -> np.ndarray:
    """Per-block weights as unpickled (None: all 1.0; a float: all that; or a tuple), as one array."""
    total = sum(counts)
    if all(w is None for w in weights):
        return np.ones(total, dtype=np.float64)
    # one pass in C over every block's weights, not an array a block
    parts = [
        repeat(1.0, n) if w is None else repeat(w, n) if isinstance(w, float) else w
        for w, n in zip(weights, counts, strict=True)
    ]
    return np.fromiter(chain.from_iterable(parts), dtype=np.float64, count=total)


#: Opcodes of a protocol 4 block pickle (``segment.ArraySegmentWriter``): ``PROTO 4``, ``FRAME``,
#: ``MARK``, the id deltas as ``BININT1``/``BININT2``/``BININT`` (1, 2 or 4 bytes), ``TUPLE``,
#: ``MEMOIZE``, then the weights as ``NONE``, one ``BINFLOAT`` or ``MARK BINFLOAT... TUPLE``.
_PROTO, _FRAME, _MEMOIZE = 0x80, 0x95, 0x94
_BININT1, _BININT2, _BININT, _BINFLOAT, _NONE, _TUPLE = (ord(c) for c in "KMJGNt")
#: From this many blocks on, a posting list without values is read by :func:`_ids_and_weights`:
#: its few dozen numpy calls cost about what unpickling eight blocks does.
_ARRAY_BLOCKS = 12
#: At most how many bytes of a block's pickle its ids and weights take: the header, 3 bytes a
#: delta, 9 a weight (and the opcodes around them).
_HEAD_BYTES, _HEAD_PER_POSTING = 32, 12
_INT_WIDTH = np.zeros(256, dtype=np.int64)
_INT_WIDTH[[_BININT1, _BININT2, _BININT]] = [1, 2, 4]


def _ids_and_weights(datas: list[bytes], counts: list[int], whole: Any = None, values: bool = False) -> Any:
    """The id deltas and weights of posting blocks, read with numpy from the pickles' bytes.

    Unpickling a block makes an object of every delta, weight and position value only to throw
    most away; a block pickled with protocol 4 whose deltas after the first are all one width and
    whose weights are all doubles has them at fixed strides. Every opcode those strides assume is
    checked; any other block (another protocol, mixed widths, one posting) is unpickled. A block
    may be only the start of its pickle (every byte read is checked to lie inside it): then
    ``whole(i)`` gives block i whole, to unpickle. With ``values`` (whole blocks), also the joined
    bytes and, for :func:`_value_spans`, which blocks were read so and where their values start.
    """
    n = len(datas)
    cnt = np.array(counts, dtype=np.int64)
    total = int(cnt.sum())
    lens = np.fromiter(map(len, datas), dtype=np.int64, count=n)
    starts = np.cumsum(lens) - lens
    b = np.frombuffer(b"".join(datas), dtype=np.uint8)
    last = len(b) - 1

    def at(offset: np.ndarray) -> np.ndarray:
        return b[np.minimum(offset, last)].astype(np.int64)

    ok = (cnt > 1) & (lens > 16)
    ok &= (at(starts) == _PROTO) & (at(starts + 1) == 4) & (at(starts + 2) == _FRAME)
    ok &= at(starts + 11) == ord("(")
    width0 = _INT_WIDTH[at(starts + 12)]
    ok &= width0 > 0
    first = at(starts + 13)
    first += np.where(width0 >= 2, at(starts + 14) << 8, 0)
    first += np.where(width0 == 4, (at(starts + 15) << 16) + (at(starts + 16) << 24), 0)
    rest_at = starts + 13 + width0
    code = at(rest_at)
    width = np.where(ok, np.where(code == _BININT1, 1, np.where(code == _BININT2, 2, 0)), 0)
    ok &= width > 0
    rest = np.where(ok, cnt - 1, 0)
    owner = np.repeat(np.arange(n), rest)
    op = np.repeat(rest_at, rest) + np.repeat(width + 1, rest) * _segment_arange(rest)
    ok[np.unique(owner[at(op) != np.repeat(code, rest)])] = False
    after = rest_at + (width + 1) * rest
    ok &= (at(after) == _TUPLE) & (at(after + 1) == _MEMOIZE) & (lens > after + 1 - starts)
    # the weights
    w_at = after + 2
    w_code = at(w_at)
    many = w_code == ord("(")
    ok &= (w_code == _NONE) | (w_code == _BINFLOAT) | many
    w_count = np.where(ok & many, cnt, 0)
    w_op = np.repeat(w_at + 1, w_count) + 9 * _segment_arange(w_count)
    ok[np.unique(np.repeat(np.arange(n), w_count)[at(w_op) != _BINFLOAT])] = False
    ok &= ~many | ((at(w_at + 1 + 9 * cnt) == _TUPLE) & (lens > w_at - starts + 1 + 9 * cnt))
    one = ok & (w_code == _BINFLOAT)
    ok &= ~one | (lens > w_at - starts + 9)
    ok &= lens > w_at - starts

    deltas = np.zeros(total, dtype=np.int64)
    weights = np.ones(total, dtype=np.float64)
    block_start = np.cumsum(cnt) - cnt
    good = np.flatnonzero(ok)
    deltas[block_start[good]] = first[good]
    keep = np.repeat(ok, rest)
    value = at(op[keep] + 1)
    value += np.where(np.repeat(width, rest)[keep] == 2, at(op[keep] + 2) << 8, 0)
    deltas[(np.repeat(block_start + 1, rest) + _segment_arange(rest))[keep]] = value

    def doubles(offsets: np.ndarray) -> np.ndarray:
        """The big-endian doubles starting at these offsets (checked to lie inside their block):
        through a view that starts a double at every byte, one gather."""
        every = np.ndarray((len(b) - 7,), dtype=">f8", buffer=b, strides=(1,))
        return every[offsets].astype(np.float64)

    w_keep = np.repeat(ok, w_count)
    if w_keep.any():
        dest = (np.repeat(block_start, w_count) + _segment_arange(w_count))[w_keep]
        weights[dest] = doubles(w_op[w_keep] + 1)
    single = np.flatnonzero(one & ok)
    if len(single):
        per = doubles(w_at[single] + 1)
        weights[np.repeat(block_start[single], cnt[single]) + _segment_arange(cnt[single])] = np.repeat(
            per, cnt[single]
        )
    for i in np.flatnonzero(~ok).tolist():
        ids_d, w, _ = _load_block(datas[i] if whole is None else whole(i), counts[i], False)
        lo, hi = int(block_start[i]), int(block_start[i]) + counts[i]
        deltas[lo:hi] = ids_d
        weights[lo:hi] = _weights([w], [counts[i]])
    if not values:
        return deltas, weights
    # the values' MARK, after the weights (a tuple of them is memoized, so the values' memo
    # numbers start one later)
    mark = np.where(many, w_at + 1 + 9 * cnt + 2, np.where(one, w_at + 9, w_at + 1))
    ok &= ~many | (at(mark - 1) == _MEMOIZE)
    ok &= (at(mark) == ord("(")) & (mark < starts + lens)
    return deltas, weights, b, ok, mark, np.where(many, 2, 1)


def _list_blocks(buf: bytes) -> tuple[bytes, list[tuple[int, int, int, int, int, int]]]:
    """A posting list's bytes and its block infos: (where, postings, max id, compressed, data
    start, data end) each."""
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise Unsupported("unexpected posting list header")
    stream = io.BytesIO(buf)
    blocks: list[tuple[int, int, int, int, int, int]] = []
    pos, end = 4, len(buf)
    while pos < end:
        blocklen = int.from_bytes(buf[pos : pos + 4], "big", signed=True)
        stream.seek(pos + 4)
        count, maxid, _maxweight, compression, _mn, _mx = pickle.load(stream)
        stop = pos + 4 + abs(blocklen)
        blocks.append((pos, count, maxid, compression, stream.tell(), stop))
        pos = stop
        if blocklen < 0:
            break
    return buf, blocks


def _pick(blocks: list[Any], restrict: np.ndarray | None) -> list[Any]:
    """The blocks that may hold one of ``restrict`` (sorted doc numbers); all without it."""
    if restrict is None or not blocks:
        return blocks
    if len(restrict) == 0:
        return []
    # a block is read when one of ``restrict`` lies between the max id before it and its own
    maxes = np.fromiter((b[2] for b in blocks), dtype=np.int64, count=len(blocks))
    at = np.searchsorted(restrict, np.concatenate(([0], maxes[:-1] + 1)))
    wanted = (at < len(restrict)) & (restrict[np.minimum(at, len(restrict) - 1)] <= maxes)
    return [blocks[i] for i in np.flatnonzero(wanted).tolist()]


def _read_blocks(
    postfile: Any, offset: int, length: int, restrict: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Doc numbers and weights of the postings in a W3 posting list's blocks (see
    ``W3PostingsWriter._write_block``); with ``restrict``, only in the blocks whose doc number
    range holds one of those documents."""
    buf, blocks = _list_blocks(_read_at(postfile, offset, length))
    picked = _pick(blocks, restrict)
    counts = [b[1] for b in picked]
    # Read through numpy, a block's ids and weights are all that is needed: zlib stops there.
    heads = len(picked) >= _ARRAY_BLOCKS
    datas = []
    for _pos, count, _maxid, compression, start, stop in picked:
        data = buf[start:stop]
        if compression:
            if heads:
                data = zlib.decompressobj().decompress(data, _HEAD_BYTES + _HEAD_PER_POSTING * count)
            else:
                data = zlib.decompress(data)
        datas.append(data)
    if heads:

        def whole(i: int) -> bytes:
            _pos, _count, _maxid, compression, start, stop = picked[i]
            return zlib.decompress(buf[start:stop]) if compression else buf[start:stop]

        flat, weights = _ids_and_weights(datas, counts, whole)
    else:
        flat, weights = _unpickled_ids_and_weights(datas, counts)
    _relative_to_blocks(flat, counts, picked)
    return np.cumsum(flat), weights


def _unpickled_ids_and_weights(datas: list[bytes], counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_ids_and_weights` by unpickling each block: fewer steps for a few blocks."""
    deltas, weights = [], []
    for data, count in zip(datas, counts, strict=True):
        ids_d, w, _ = _load_block(data, count, False)
        deltas.append(ids_d)
        weights.append(w)
    return np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=sum(counts)), _weights(
        weights, counts
    )


def _relative_to_blocks(flat: np.ndarray, counts: list[int], picked: list[Any]) -> None:
    """Each decoded block's deltas start from 0: make its first one relative to the max id of the
    block decoded before it, so that one cumsum gives the doc numbers."""
    if len(counts) > 1:
        flat[np.cumsum(counts[:-1])] -= np.array([b[2] for b in picked[:-1]], dtype=np.int64)


class _Spans:
    """A posting list's blocks as a phrase reads them, inflated once: the doc number and weight of
    every posting, and the blocks' bytes, where the positions of the documents that hold every word
    of the phrase are then read (only in their blocks)."""

    __slots__ = ("ids", "weights", "datas", "counts", "first", "joined", "ok", "mark", "base")

    def __init__(self, ids: np.ndarray, weights: np.ndarray, datas: list[Any], counts: list[int]) -> None:
        self.ids, self.weights, self.datas, self.counts = ids, weights, datas, counts
        cnt = np.array(counts, dtype=np.int64)
        self.first = np.cumsum(cnt) - cnt  # each block's first posting
        n = len(counts)
        #: for blocks read with numpy: all blocks' bytes joined, and (see :func:`_value_spans`)
        #: which blocks may be, where their values start (from their block's start), memo base
        self.joined: np.ndarray | None = None
        self.ok = np.zeros(n, dtype=bool)
        self.mark = self.base = np.zeros(n, dtype=np.int64)

    @classmethod
    def of_values(cls, ids: np.ndarray, weights: np.ndarray, values: list[Any]) -> _Spans:
        """Inlined postings: their values, as one block already unpickled."""
        return cls(ids, weights, [values], [len(values)])

    def positions(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of each of ``docs`` (all held here), flattened, and how many each has."""
        at = np.searchsorted(self.ids, docs)
        blk = np.searchsorted(self.first, at, side="right") - 1
        chosen = np.flatnonzero(np.bincount(blk, minlength=len(self.counts)))
        where = blk if len(chosen) == len(self.counts) else np.searchsorted(chosen, blk)  # in ``chosen``
        ok = self.ok[chosen]
        if len(chosen) < _SPAN_BLOCKS:  # a few blocks: unpickled sooner than read with numpy
            ok[:] = False
        start = np.zeros(len(docs), dtype=np.int64)
        length = np.zeros(len(docs), dtype=np.int64)
        buf = np.zeros(0, dtype=np.uint8)
        if ok.any():
            picked = chosen.tolist()
            if len(picked) == len(self.counts) and self.joined is not None:
                buf = self.joined
            else:
                buf = np.frombuffer(b"".join([self.datas[i] for i in picked]), dtype=np.uint8)
            lens = np.fromiter((len(self.datas[i]) for i in picked), dtype=np.int64, count=len(picked))
            starts = np.cumsum(lens) - lens
            cnt = np.array([self.counts[i] for i in picked], dtype=np.int64)
            mark, base = starts + self.mark[chosen], self.base[chosen]
            ok, block_start, block_length = _value_spans(buf, starts, lens, cnt, ok, mark, base)
            first = np.cumsum(cnt) - cnt  # among the chosen blocks' postings
            local = first[where] + (at - self.first[blk])
            start, length = block_start[local], block_length[local]
        slow = np.flatnonzero(~ok[where])
        if len(slow):  # these documents' blocks unpickled, their values put after the blocks'
            unpickled: dict[int, Any] = {}
            raw = []
            for i, k in zip(blk[slow].tolist(), (at - self.first[blk])[slow].tolist(), strict=True):
                values = unpickled.get(i)
                if values is None:
                    data = self.datas[i]
                    values = data if isinstance(data, list) else _load_block(data, self.counts[i], True)[2]
                    if values is None or isinstance(values, bytes):
                        raise Unsupported("fixed-size posting values")
                    if len(values) != self.counts[i]:
                        raise Unsupported("posting values do not line up")
                    unpickled[i] = values
                raw.append(_value_bytes(values[k]))
            extra = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
            start[slow] = len(buf) + np.cumsum(extra) - extra
            length[slow] = extra
            buf = np.concatenate((buf, np.frombuffer(b"".join(raw), dtype=np.uint8)))
        return _positions_at(buf, start, length)


def _read_spans(postfile: Any, offset: int, length: int, restrict: np.ndarray | None) -> _Spans:
    """The blocks of a W3 posting list that may hold one of ``restrict``, inflated whole once, with
    their ids and weights (see :func:`_read_blocks`): long lists read with numpy, short ones
    unpickled."""
    buf, blocks = _list_blocks(_read_at(postfile, offset, length))
    picked = _pick(blocks, restrict)
    datas = [
        zlib.decompress(buf[start:stop]) if comp else buf[start:stop] for _, _, _, comp, start, stop in picked
    ]
    counts = [b[1] for b in picked]
    numpy_read = len(picked) >= _ARRAY_BLOCKS
    if numpy_read:
        flat, weights, joined, ok, mark, base = _ids_and_weights(datas, counts, values=True)
    else:
        flat, weights = _unpickled_ids_and_weights(datas, counts)
    _relative_to_blocks(flat, counts, picked)
    out = _Spans(np.cumsum(flat), weights, datas, counts)
    if numpy_read:
        lens = np.fromiter(map(len, datas), dtype=np.int64, count=len(datas))
        out.joined, out.ok, out.mark, out.base = joined, ok, mark - (np.cumsum(lens) - lens), base
    return out


#: From this many blocks holding a phrase's documents on, their values are found with numpy.
_SPAN_BLOCKS = 8

#: A protocol 4 block's values (``segment.ArraySegmentWriter``): after their MARK, one item a
#: posting, each a ``SHORT_BINBYTES`` (``C``, a length byte, the value) then ``MEMOIZE``, or a
#: ``BINGET`` (``h``, a memo number) of an equal value earlier in the block; then this end.
_SHORT_BINBYTES, _BINGET = ord("C"), ord("h")
_BLOCK_END = b"t\x94\x87\x94."
#: How every ``Positions`` value's pickle (a protocol 2 list) starts, 4 bytes into the value.
_VALUE_PICKLE = b"\x80\x02]q\x00"


def _value_spans(
    b: np.ndarray,
    starts: np.ndarray,
    lens: np.ndarray,
    cnt: np.ndarray,
    ok: np.ndarray,
    mark: np.ndarray,
    base: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each posting's value lies in the blocks' joined bytes ``b``, found with numpy: the
    blocks still ``ok`` and, over all postings (zero outside those blocks), start and length.

    The values are found by the start of their pickle (those five bytes cannot occur elsewhere in
    the values of a well-formed block); then every byte between them must be ``BINGET`` pairs of
    earlier values, every value ``C <len> ... MEMOIZE``, and the items as many as the postings:
    a block failing any of that is left to the caller to unpickle.
    """
    n = len(starts)
    last = len(b) - 1

    def raw(offset: np.ndarray) -> np.ndarray:  # offsets are never negative
        return b[np.minimum(offset, last)]

    ends = starts + lens
    r0, r1 = mark + 1, ends - len(_BLOCK_END)  # the items lie in [r0, r1)
    ok = ok & (r1 >= r0)
    for j, ch in enumerate(_BLOCK_END):
        ok &= raw(r1 + j) == ch
    hit = np.flatnonzero(b == _VALUE_PICKLE[0])
    for j, ch in enumerate(_VALUE_PICKLE[1:], 1):
        hit = hit[raw(hit + j) == ch]
    s = hit - 6  # the item: C, the length, the 4-byte count, the pickle (blocks start at 0)
    # each item's block: the blocks' starts looked up among the items, the fewer (any item
    # before the first block's start is counted in it, then left out with what precedes r0)
    edges = np.searchsorted(s, starts)
    edges[0] = 0
    blk = np.repeat(np.arange(n), np.diff(np.append(edges, len(s))))
    inside = ok[blk] & (s >= r0[blk]) & (s < r1[blk])
    s, blk = s[inside], blk[inside]
    size = raw(s + 1).astype(np.int64)
    stop = s + 2 + size + 1  # past the MEMOIZE
    bad = (raw(s) != _SHORT_BINBYTES) | (raw(stop - 1) != _MEMOIZE) | (stop > r1[blk])
    # what lies between items: from the block's start or the item before, to this item
    first_of_block = np.ones(len(s), dtype=bool)
    first_of_block[1:] = blk[1:] != blk[:-1]
    prev = np.empty(len(s), dtype=np.int64)
    prev[1:] = stop[:-1]
    prev[first_of_block] = r0[blk[first_of_block]]
    gap = s - prev
    bad |= (gap < 0) | (gap % 2 == 1)
    lits = np.bincount(blk, minlength=n)
    tail_from = r0.copy()  # after each block's last item
    last_of_block = np.ones(len(s), dtype=bool)
    last_of_block[:-1] = blk[:-1] != blk[1:]
    tail_from[blk[last_of_block]] = stop[last_of_block]
    tail = r1 - tail_from
    bad_block = np.zeros(n, dtype=bool)
    bad_block[blk[bad]] = True
    bad_block |= (tail < 0) | (tail % 2 == 1)
    gapped = np.flatnonzero(gap)  # few: only equal values make BINGETs
    gets = np.bincount(blk[gapped], weights=np.maximum(gap[gapped], 0) // 2, minlength=n).astype(np.int64)
    gets += np.maximum(tail, 0) // 2
    bad_block |= lits + gets != cnt
    ok &= ~bad_block
    # the BINGETs: each must name a value earlier in its block
    lit_first = np.cumsum(lits) - lits  # each block's first item among ``s``
    half = np.where(ok[blk[gapped]], gap[gapped] // 2, 0)
    tail_half = np.where(ok, tail // 2, 0)
    g = np.concatenate((np.repeat(prev[gapped], half), np.repeat(tail_from, tail_half)))
    g += 2 * np.concatenate((_segment_arange(half), _segment_arange(tail_half)))
    g_blk = np.concatenate((np.repeat(blk[gapped], half), np.repeat(np.arange(n), tail_half)))
    order = np.argsort(g, kind="stable")
    g, g_blk = g[order], g_blk[order]
    rank = raw(g + 1).astype(np.int64) - base[g_blk]  # the value's number among its block's values
    before = np.searchsorted(s, g) - lit_first[g_blk]  # values of the block before this BINGET
    broken = (raw(g) != _BINGET) | (rank < 0) | (rank >= before)
    if broken.any():
        ok[g_blk[broken]] = False
    # the postings of the good blocks, in order: values and BINGETs merged by where they lie
    target = lit_first[g_blk] + rank
    total = int(cnt.sum())
    start = np.zeros(total, dtype=np.int64)
    length = np.zeros(total, dtype=np.int64)
    if ok.all():
        # a value's posting: the items before it, its own and the BINGETs before it (those in the
        # gaps up to its own, and after the last value of each block before its own)
        gets_before = np.zeros(len(s), dtype=np.int64)
        gets_before[gapped] = half
        np.cumsum(gets_before, out=gets_before)
        lit_at = np.arange(len(s)) + gets_before + (np.cumsum(tail_half) - tail_half)[blk]
        get_at = np.arange(len(g)) + np.searchsorted(s, g)
    else:
        keep = ok[blk]
        s, size = s[keep], size[keep]
        g_keep = ok[g_blk]
        g, target = g[g_keep], target[g_keep]
        # ``target`` counted every block's values: renumber among the good blocks' values
        target = np.cumsum(keep)[target] - 1
        posting = np.flatnonzero(np.repeat(ok, cnt))
        lit_at = posting[np.arange(len(s)) + np.searchsorted(g, s)]
        get_at = posting[np.arange(len(g)) + np.searchsorted(s, g)]
    start[lit_at] = s + 2
    length[lit_at] = size
    start[get_at] = s[target] + 2
    length[get_at] = size[target]
    return ok, start, length


class Evaluator:
    """Evaluates queries against one open searcher (one generation); per-segment arrays are kept."""

    def __init__(self, searcher: Any, live: np.ndarray) -> None:
        self.top = searcher
        self.schema = searcher.schema
        self.segments = [
            Segment(sub, offset, live[offset : offset + sub.reader().doc_count_all()])
            for sub, offset in searcher.leaf_searchers()
        ]
        weighting = searcher.weighting
        self.scored = type(weighting) is BM25F and not weighting._field_B and not weighting.use_final
        self._avgfl: dict[str, float] = {}
        self.B = getattr(weighting, "B", 0.75)
        self.K1 = getattr(weighting, "K1", 1.2)

    def close(self) -> None:
        for seg in self.segments:
            seg.close()

    def expand_prefix(self, fieldname: str, prefix: str, limit: int) -> list[bytes] | None:
        """The first ``limit`` distinct terms of the field starting with ``prefix`` over every
        segment, in order (what Whoosh's ``expand_prefix`` yields first); None when a segment's
        term file could not be mapped."""
        tbytes = self._term_bytes(fieldname, prefix)
        if tbytes is None:
            return []
        found: set[bytes] = set()
        for seg in self.segments:
            if seg.terms is None:
                return None
            found.update(seg.terms.prefixed(fieldname, tbytes, limit))
        return sorted(found)[:limit]

    def run(self, q: wq.Query) -> Result | None:
        """Every matching live document (global doc numbers, ascending) with Whoosh's score, or
        ``None`` when the query holds a node this evaluator does not mirror."""
        if not self.scored:
            return None
        try:
            parts = []
            for seg in self.segments:
                seg.infos.clear()
                try:
                    docs, scores = self._node(q, seg)
                finally:
                    seg.infos.clear()
                parts.append((docs + seg.offset, scores))
        except Unsupported:
            return None
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    # --- nodes ------------------------------------------------------------------------------------
    #
    # ``restrict``: sorted doc numbers the caller will intersect the answer with (the candidates of
    # an And or a phrase so far). A node may leave out documents outside it, never change a score.

    def _node(self, q: wq.Query, seg: Segment, restrict: np.ndarray | None = None) -> Result:
        kind = type(q)
        if kind is wq.Term:
            return self._term(q, seg, restrict)
        if kind is Phrase:
            return self._phrase(q, seg, restrict)
        if kind is wq.And:
            return self._and(q, seg, restrict)
        if kind is wq.Or:
            return self._or(q, seg, restrict)
        if kind is wq.AndNot:
            return self._and_not(q, seg, restrict)
        if kind is wq.Every and q.fieldname in (None, "", "*"):
            docs = np.flatnonzero(seg.live).astype(np.int64)
            if restrict is not None:
                docs = np.intersect1d(docs, restrict, assume_unique=True)
            return docs, np.full(len(docs), float(q.boost), dtype=np.float64)
        if q is wq.NullQuery:
            return _empty()
        raise Unsupported(kind.__name__)

    def _boosted(self, out: Result, boost: float) -> Result:
        return out if boost == 1.0 else (out[0], out[1] * boost)

    def _term_bytes(self, fieldname: str, text: Any) -> bytes | None:
        if fieldname not in self.schema:
            return None
        try:
            return self.schema[fieldname].to_bytes(text)
        except ValueError:
            return None

    def _term(self, q: wq.Term, seg: Segment, restrict: np.ndarray | None = None) -> Result:
        if q.minquality:
            raise Unsupported("Term.minquality")
        tbytes = self._term_bytes(q.fieldname, q.text)
        info = None if tbytes is None else seg.info(q.fieldname, tbytes)
        if info is None:
            return _empty()
        ids, weights = seg.postings(info, restrict)
        scores = self._bm25(q.fieldname, tbytes, ids, weights, seg)
        scores = scores if q.boost == 1.0 else scores * q.boost
        return ids, scores

    def _bm25(self, fieldname: str, tbytes: bytes, ids: np.ndarray, tf: np.ndarray, seg: Segment) -> Any:
        """``whoosh.scoring.bm25`` for every posting, operation for operation."""
        if not self.schema[fieldname].scorable:
            return tf  # WeightScorer: the weight is the score
        idf = self.top.idf(fieldname, tbytes)
        avgfl = self._avgfl.get(fieldname)
        if avgfl is None:  # a sum over the segments: once per field and generation
            avgfl = self._avgfl[fieldname] = self.top.avg_field_length(fieldname) or 1
        lengths = seg.lengths(fieldname)
        fl = np.ones(len(ids), dtype=np.float64) if lengths is None else _LENGTHS[lengths[ids]]
        B, K1 = self.B, self.K1
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def _estimate(self, q: wq.Query, seg: Segment) -> int:
        """``q.estimate_size(seg.reader)``, with the term lookups through the segment's table."""
        kind = type(q)
        if kind is wq.Term:
            tbytes = self._term_bytes(q.fieldname, q.text)
            return 0 if tbytes is None else seg.doc_frequency(q.fieldname, tbytes)
        if kind is wq.Or:
            return min(sum(self._estimate(s, seg) for s in q.subqueries), seg.live_count)
        if kind is wq.And and q.subqueries:
            return min(self._estimate(s, seg) for s in q.subqueries)
        if kind is Phrase and q.words:
            return min(self._estimate(wq.Term(q.fieldname, w), seg) for w in q.words)
        if kind is wq.AndNot:
            return self._estimate(q.b, seg)
        return q.estimate_size(seg.reader)

    def _and(self, q: wq.And, seg: Segment, restrict: np.ndarray | None) -> Result:
        subs = q.subqueries
        if not subs:
            return _empty()
        if len(subs) == 1:
            return self._node(subs[0], seg, restrict)
        sizes = [self._estimate(s, seg) for s in subs]
        # Smallest clause first, each next one only read where all before it matched; the scores
        # are then added up in Whoosh's tree, over the documents every clause holds.
        results: list[Result | None] = [None] * len(subs)
        for i in sorted(range(len(subs)), key=lambda i: sizes[i]):
            out = self._node(subs[i], seg, restrict)
            results[i] = out
            restrict = out[0] if restrict is None else np.intersect1d(restrict, out[0], assume_unique=True)
        weighted = [(0 - size, r) for size, r in zip(sizes, results, strict=True)]
        return self._boosted(_weighted_tree(_intersect, weighted), q.boost)

    def _or(self, q: wq.Or, seg: Segment, restrict: np.ndarray | None) -> Result:
        subs = q.subqueries
        if not subs:
            return _empty()
        if len(subs) == 1:
            return self._node(subs[0], seg, restrict)
        if q.scale or q.minmatch:
            raise Unsupported("Or.scale/minmatch")
        # The scored search runs with needs_current=False: Whoosh's AUTO choice for that context.
        if len(subs) < _OR_TOO_MANY and (len(subs) == 2 or seg.doccount > _OR_SMALL_SEGMENT):
            # DefaultOr: a tree of unions weighted by each clause's estimated size
            weighted = [(self._estimate(s, seg), self._node(s, seg, restrict)) for s in subs]
            return self._boosted(_weighted_tree(_union, weighted), q.boost)
        return self._array_union([self._node(s, seg, restrict) for s in subs], q.boost)

    @staticmethod
    def _array_union(results: list[Result], boost: float) -> Result:
        """Whoosh's ArrayUnionMatcher: ``a[doc] += score * boost`` over the clauses in order, and
        only documents whose total is above zero match."""
        nonempty = [r for r in results if len(r[0])]
        if not nonempty:
            return _empty()
        docs = distinct(np.concatenate([r[0] for r in nonempty]))
        scores = np.zeros(len(docs), dtype=np.float64)
        for ids, s in nonempty:
            scores[np.searchsorted(docs, ids)] += s * boost
        keep = scores > 0
        return docs[keep], scores[keep]

    def _and_not(self, q: wq.AndNot, seg: Segment, restrict: np.ndarray | None) -> Result:
        docs, scores = self._node(q.a, seg, restrict)
        if len(docs) == 0:
            return docs, scores
        neg, _ = self._node(q.b, seg, docs)
        if len(neg):
            keep = ~np.isin(docs, neg, assume_unique=True)
            docs, scores = docs[keep], scores[keep]
        return docs, scores

    def _phrase(self, q: Phrase, seg: Segment, restrict: np.ndarray | None) -> Result:
        if q.slop != 1 or q.char_ranges:
            raise Unsupported("Phrase slop")
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return _empty()
        field = self.schema[fieldname]
        if not field.format or not field.format.supports("positions"):
            raise Unsupported("Phrase on a field without positions")
        words = []
        infos = []
        for word in q.words:
            tbytes = self._term_bytes(fieldname, word)
            info = None if tbytes is None else seg.info(fieldname, tbytes)
            if info is None:
                return _empty()
            words.append(tbytes)
            infos.append(info)
        # Rarest word first; the others are read only in the blocks of the documents left. Each
        # list's blocks are inflated once, for the doc numbers and then the positions of the
        # documents holding every word.
        terms: list[Any] = [None] * len(words)
        spans: list[Any] = [None] * len(words)
        order = sorted(range(len(words)), key=lambda i: infos[i].doc_frequency())
        for i in order:
            spans[i] = read = seg.phrase_postings(infos[i], restrict)
            ids, weights = read.ids, read.weights
            keep = seg.kept(ids, restrict)
            if keep is not None:
                ids, weights = ids[keep], weights[keep]
            terms[i] = ids, self._bm25(fieldname, words[i], ids, weights, seg)
            restrict = ids  # within ``restrict`` when there was one
            if len(restrict) == 0:
                return _empty()
        docs, scores = _binary_tree(_intersect, terms)
        if len(docs) == 0:
            return _empty()
        keep = _phrase_docs(docs, [read.positions(docs) for read in spans])
        return self._boosted((docs[keep], scores[keep]), q.boost)


#: One posting's value in a ``formats.Positions`` field: a 4-byte big-endian count, then the
#: position deltas pickled (protocol 2) as a list: this header, ``(``, ``K<byte>`` each (deltas
#: under 256), ``e`` (one delta: ``K<byte>a``), and a final ``.`` that may be cut off.
_LIST_HEADER = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)
_K, _M, _J, _MARK, _APPENDS, _APPEND = (ord(c) for c in "KMJ(ea")
#: Bytes an int of a value takes with its opcode (K, M, J); a bad opcode fails the value anyway.
_OPCODE_SIZE = np.full(256, 2, dtype=np.int64)
_OPCODE_SIZE[[_M, _J]] = [3, 5]
#: Values with up to this many positions and ints over a byte are read a position a step.
_WALK_MAX = 256


def _segment_arange(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``counts``, end to end.

    >>> _segment_arange(np.array([2, 0, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


def _positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of each posting value (``Positions.encode``), flattened, with how many each has.

    >>> from whoosh.formats import Positions
    >>> f = Positions()
    >>> pos, n = _positions([f.encode([3]), f.encode([0, 5, 300, 301]), f.encode([7, 9])[:-1]])
    >>> pos.tolist(), n.tolist()
    ([3, 0, 5, 300, 301, 7, 9], [1, 4, 2])
    """
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    return _positions_at(np.frombuffer(b"".join(values), dtype=np.uint8), np.cumsum(lens) - lens, lens)


def _positions_at(buf: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values at ``starts`` (``lens`` bytes each) in ``buf``, flattened, with how
    many each has.

    Most values hold only one-byte deltas: those are read with numpy straight from the bytes
    (every byte the layout fixes is checked); any other is unpickled.
    """
    n = len(starts)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ok = lens >= 12
    at = np.where(ok, starts, 0)
    if len(buf) < 16:
        buf = np.concatenate((buf, np.zeros(16, dtype=np.uint8)))
    last = len(buf) - 1

    def byte(offset: np.ndarray) -> np.ndarray:
        return buf[np.minimum(offset, last)].astype(np.int64)

    # the count and the first four bytes of the pickle, through a view with an 8-byte big-endian
    # word starting at every byte: one gather
    words = np.ndarray((len(buf) - 7,), dtype=">u8", buffer=buf, strides=(1,))
    head = words[np.minimum(at, len(buf) - 8)]
    count = (head >> np.uint64(32)).astype(np.int64)
    multi = (count > 1).astype(np.int64)
    dot = (byte(at + lens - 1) == ord(".")).astype(np.int64)
    ok &= count > 0
    ok &= (head & np.uint64(0xFFFFFFFF)) == int.from_bytes(_LIST_HEADER[:4].tobytes(), "big")
    ok &= byte(at + 8) == _LIST_HEADER[4]
    ok &= (multi == 0) | (byte(at + 9) == _MARK)
    first = at + 9 + multi  # the first int's opcode
    framed = ok.copy()  # the header is right; the ints may be wider than a byte
    ok &= lens == 4 + 5 + multi + 2 * count + 1 + dot
    ok &= byte(at + lens - 1 - dot) == np.where(multi == 1, _APPENDS, _APPEND)
    lengths = np.where(ok, count, 0)
    op = np.repeat(first, lengths) + 2 * _segment_arange(lengths)
    bad_op = buf[op] != _K
    if bad_op.any():  # a K slot holding something else: read those values another way
        owner = np.repeat(np.arange(n), lengths)
        ok[np.unique(owner[bad_op])] = False
        lengths = np.where(ok, count, 0)
        op = np.repeat(first, lengths) + 2 * _segment_arange(lengths)
    deltas = buf[op + 1].astype(np.int64)
    # Values with wider ints (K, M or J opcodes: 1, 2 or 4 bytes), walked all at once, one int
    # a step; long ones (or pickle's 1,000-item batches) are unpickled.
    walk = np.flatnonzero(framed & ~ok & (count <= _WALK_MAX))
    walked = np.zeros(n, dtype=bool)
    walked_deltas = np.zeros(0, dtype=np.int64)
    if len(walk):
        cnt = count[walk]
        dest = np.cumsum(cnt) - cnt
        walked_deltas = np.zeros(int(cnt.sum()), dtype=np.int64)
        cursor = first[walk].copy()
        good = np.ones(len(walk), dtype=bool)
        for j in range(int(cnt.max())):
            act = np.flatnonzero(good & (cnt > j))
            if len(act) == 0:
                break
            c = cursor[act]
            code = buf[np.minimum(c, last)]
            value = byte(c + 1)
            wide = np.flatnonzero(code != _K)
            if len(wide):
                cw = c[wide]
                value[wide] += byte(cw + 2) << 8
                four = wide[code[wide] == _J]
                if len(four):
                    value[four] += (byte(c[four] + 3) << 16) + (byte(c[four] + 4) << 24)
                good[act[(code != _K) & (code != _M) & (code != _J)]] = False
            walked_deltas[dest[act] + j] = value
            cursor[act] = c + _OPCODE_SIZE[code]
        ends = at[walk] + lens[walk] - 1 - dot[walk]  # where the closing e / a must be
        good &= (cursor == ends) & (byte(cursor) == np.where(multi[walk] == 1, _APPENDS, _APPEND))
        walked[walk[good]] = True
        keep = np.repeat(good, cnt)
        walked_deltas = walked_deltas[keep]
        lengths[walk[good]] = count[walk[good]]
    slow = np.flatnonzero(~ok & ~walked).tolist()
    lists = []
    if slow:
        raw = [
            buf[a : a + m].tobytes() for a, m in zip(starts[slow].tolist(), lens[slow].tolist(), strict=True)
        ]
        lists = [pickle.loads(v[4:] if v.endswith(b".") else v[4:] + b".") for v in raw]
        lengths[slow] = [len(x) for x in lists]
    if len(walk) or slow:
        flat = np.empty(int(lengths.sum()), dtype=np.int64)
        flat[np.repeat(ok, lengths)] = deltas
        flat[np.repeat(walked, lengths)] = walked_deltas
        if slow:
            flat[np.repeat(~ok & ~walked, lengths)] = np.fromiter(chain.from_iterable(lists), dtype=np.int64)
        deltas = flat
    running = np.cumsum(deltas)
    # restart the running sum at each posting: subtract what the earlier postings added up to
    before = np.concatenate(([0], running))[np.cumsum(lengths) - lengths]
    return running - np.repeat(before, lengths), lengths


def _phrase_docs(docs: np.ndarray, per_word: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Which of ``docs`` (all holding every word) have word i at position p + i for some p, given
    each word's positions in each document (flattened, and how many a document has)."""
    keys = None
    stride = 0
    for pos, _lengths in per_word:
        if len(pos):
            stride = max(stride, int(pos.max()) + 2 * len(per_word) + 1)
    for i, (pos, lengths) in enumerate(per_word):
        owner = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        k = owner * stride + (pos - i + len(per_word))
        if len(k) > 1 and not bool((k[1:] > k[:-1]).all()):  # positions rise within a posting
            k = np.unique(k)
        if keys is None:
            keys = k
        else:
            where = np.searchsorted(k, keys)
            found = where < len(k)
            found[found] = k[where[found]] == keys[found]
            keys = keys[found]
        if len(keys) == 0:
            break
    keep = np.zeros(len(docs), dtype=bool)
    if keys is not None and len(keys):
        keep[keys // stride] = True
    return keep
