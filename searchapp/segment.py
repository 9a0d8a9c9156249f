"""A Whoosh segment writer that inverts documents in memory, a field at a time, with arrays.

Stock Whoosh (``SegmentWriter``) makes a tuple per posting, sorts every posting of the segment, and
then pushes them one by one through ``W3FieldWriter`` → ``W3PostingsWriter``: at ~340 postings an
article that was 3.4 ms per article, more than parsing and name tagging together. Here:

* ``add_document`` appends each field's postings as whole lists to arrays (term numbers, frequencies,
  positions), one C-level ``extend`` per field instead of Python work per posting; term numbers come
  from a dict lookup done by ``map``. Document numbers arrive in order, so no posting is ever sorted:
  only a field's distinct terms are, at flush.
* the flush groups each field's postings by term with one numpy stable argsort, and writes each
  term's W3 posting blocks straight to the postings file: the same ``(ids, weights, values)``
  tuples, block infos and term infos that ``W3PostingsWriter`` writes, built per block and not per
  posting (pickled with a newer protocol, and small blocks left uncompressed: see
  ``BLOCK_PROTOCOL`` and ``COMPRESS_MIN``). Per-document data (stored fields, field lengths, the
  sortable ``date`` column) still goes through the codec's own ``W3PerDocWriter``.

The segments are W3 segments: stock Whoosh reads them and finds the same terms, postings, block
statistics, lengths and stored fields (``tests/test_segment_writer.py`` compares every one against stock
Whoosh's writer). Only what this schema uses is supported: no term vectors, no spelling fields, no
``_boost``/``_stored_*`` arguments.

Memory: a few bytes per posting (term number, frequency, positions). When the postings held reach
``max_postings`` the writer finishes the segment and starts another, so one writer can give several
segments (``finish_segments()``); ``docnum`` keeps counting across them.
"""

from __future__ import annotations

import zlib
from array import array
from collections import defaultdict
from hashlib import md5
from itertools import count
from operator import sub
from pickle import dumps
from struct import Struct
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.fields import UnknownFieldError
from whoosh.filedb.filetables import md5_hash
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

#: Postings held in memory before the writer starts a new segment. Measured with the bench corpus:
#: ~31 bytes a posting at the flush's peak (arrays while adding, sort order while flushing) on top of
#: ~35 MB, so 8M postings (~23,000 articles) peak near 280 MB; stock Whoosh took 250 MB for 4,000.
MAX_POSTINGS = 8_000_000

_INT = Struct("!i")
_UINT = Struct("!I")
_USHORT = Struct("!H")
_LONG = Struct("!q")
#: Distinct (field, value) pairs whose analysis a writer remembers.
MEMO_SIZE = 50_000

_LENGTHS = Struct("!ii")
_TERMINFO = W3TermInfo._struct

#: Pickle protocols of block infos and one-posting blocks, and of longer blocks. W3 readers unpickle
#: with ``pickle.load(s)``, which takes any protocol; ``W3PostingsWriter`` uses 2, which pickles each
#: bytes value through ``_codecs.encode``: with 3 a body block pickles 9x faster, is half as long and
#: unpickles 8x faster at query time; 4 (framed: 9 bytes more, so only for longer blocks) memoizes
#: more compactly, which compresses better. Postings file at 1,000 articles: 7.0 MB -> 4.3 MB.
SHORT_PROTOCOL = 3
BLOCK_PROTOCOL = 4

#: Posting blocks whose pickle is shorter than this are stored uncompressed (compression flag 0 in
#: the block info, which W3 readers honour): zlib hardly shrinks them, and compressing them was a
#: third of the flush. Stock Whoosh compresses every block.
COMPRESS_MIN = 256


class _FieldBuffer:
    """One field's postings of the current segment, in document order."""

    __slots__ = ("termids", "terms", "docs", "counts", "lengths", "freqs", "positions", "weights", "values")

    def __init__(self, generic: bool, keep_values: bool) -> None:
        self.termids: dict[Any, int] = defaultdict(count().__next__)
        self.terms = array("I")  # term number of each posting
        self.docs = array("I")  # each document with postings in this field ...
        self.counts = array("I")  # ... how many it has ...
        self.lengths = array("I")  # ... and its field length (0 when the field is not scorable)
        self.freqs = array("I")  # of each posting
        self.positions = array("I")  # all postings' positions one after another (positions fields)
        self.weights = array("d") if generic else None  # of each posting, when not freq × field boost
        self.values: list[bytes] | None = [] if keep_values else None  # when not derivable

    def __len__(self) -> int:
        return len(self.terms)


class ArraySegmentWriter(SegmentWriter):
    """Drop-in for ``SegmentWriter`` in a worker that only adds documents (see the module doc)."""

    def __init__(self, ix: Any, *, max_postings: int = MAX_POSTINGS, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        if not isinstance(self.codec, W3Codec):
            raise TypeError(f"ArraySegmentWriter writes W3 segments, not {type(self.codec).__name__}")
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise TypeError(f"field {name!r}: term vectors and spelling fields are not supported")
        self.max_postings = max_postings
        self._done: list[Any] = []  # finished segments
        self._base = 0  # documents in the finished segments
        self._held = 0
        self._buffers: dict[str, _FieldBuffer] = {}
        # Fields whose values repeat (outlet, agency, file, ...): each distinct value analysed once.
        self._memo: dict[tuple[str, str], tuple] = {}
        self._memo_fields = {
            name
            for name, field in self.schema.items()
            if field.indexed and not field.unique and not hasattr(field, "index_columns")
        }

    # ------------------------------------------------------------------ adding
    @property
    def next_docnum(self) -> int:
        """Number of the next document across all of this writer's segments."""
        return self._base + self.docnum

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema = self.schema
        names = sorted(fields)
        for name in names:
            if name.startswith("_"):
                raise ValueError(f"{type(self).__name__} does not support the {name!r} argument")
            if name not in schema:
                raise UnknownFieldError(f"No field named {name!r} in {schema}")
        # Analyse every field before touching the buffers, so a failure leaves nothing half-added.
        inverted: list[tuple[str, Any, tuple]] = []
        memo, memo_fields = self._memo, self._memo_fields
        pdw = self.perdocwriter
        docnum = self.docnum
        pdw.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    if name in memo_fields and isinstance(value, str):
                        cols = memo.get((name, value))
                        if cols is None:
                            if len(memo) >= MEMO_SIZE:
                                memo.clear()
                            cols = memo[name, value] = _invert(field, value)
                    else:
                        cols = _invert(field, value)
                    if cols[0]:
                        inverted.append((name, field, cols))
                        if field.scorable:
                            length = sum(cols[1])
                pdw.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    pdw.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        buffers = self._buffers
        for name, field, (terms, freqs, positions, weights, values) in inverted:
            buf = buffers.get(name)
            if buf is None:
                buf = buffers[name] = _FieldBuffer(weights is not None, _keeps_values(field.format))
            buf.terms.extend(map(buf.termids.__getitem__, terms))
            buf.freqs.extend(freqs)
            buf.docs.append(docnum)
            buf.counts.append(len(terms))
            buf.lengths.append(sum(freqs) if field.scorable else 0)
            if positions is not None:
                buf.positions.extend(positions)
            boost = field.format.field_boost
            if weights is not None and buf.weights is None:  # weights of their own from now on
                buf.weights = array("d", [f * boost for f in buf.freqs[: len(buf.freqs) - len(freqs)]])
            if buf.weights is not None:
                buf.weights.extend(weights if weights is not None else [f * boost for f in freqs])
            if buf.values is not None:
                buf.values.extend(values)
            self._held += len(terms)
        self._added = True
        self.docnum += 1
        if self._held >= self.max_postings:
            self._next_segment()

    # ------------------------------------------------------------------ segments
    def _next_segment(self) -> None:
        """Finish the segment being written and start a new one (memory bound)."""
        self._done.append(self._finalize_segment())
        self._base += self.docnum
        self.docnum = 0
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self._added = False

    def finish_segments(self) -> list[Any]:
        """Finish writing; every segment written, in document order (empty if nothing was added)."""
        out = list(self._done)
        if self._added:
            out.append(self._finalize_segment())
        else:
            self._close_segment()
        self._done = []
        return out

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for name in sorted(self._buffers):
            buf = self._buffers.pop(name)  # freed as soon as written
            fw.start_field(name, self.schema[name])
            _write_field(fw, self.schema[name], buf, self.codec)
            fw.finish_field()
        fw.close()
        self._buffers = {}
        self._held = 0


def locate(segments: list[Any], docnum: int) -> tuple[Any, int]:
    """The segment of ``segments`` (a writer's ``finish_segments()``) holding the writer's document
    ``docnum``, and that document's number in it."""
    for seg in segments:
        if docnum < seg.doc_count_all():
            return seg, docnum
        docnum -= seg.doc_count_all()
    raise IndexError(docnum)


def _keeps_values(fmt: formats.Format) -> bool:
    """Whether posting values must be kept as they are (not rebuilt from frequency or positions)."""
    return type(fmt) not in (formats.Existence, formats.Frequency, formats.Positions)


def _invert(field: Any, value: Any) -> tuple:
    """``(terms, freqs, positions or None, weights or None, values or None)`` of one field value."""
    columns = getattr(field, "index_columns", None)
    if columns is not None:
        found = columns(value)
        if found is not None:
            terms, freqs, positions = found
            return terms, freqs, positions, None, None
    items = list(field.index(value))
    if not items:
        return (), (), None, None, None
    terms, freqs, weights, values = zip(*items, strict=True)
    fmt = field.format
    if type(fmt) is formats.Positions:  # rebuilt from its own encoding
        positions = [p for v in values for p in fmt.decode_positions(v)]
        return terms, freqs, positions, weights, None
    return terms, freqs, None, weights, values


# ---------------------------------------------------------------------- flush


def _write_field(fw: Any, field: Any, buf: _FieldBuffer, codec: W3Codec) -> None:
    """Write one field's terms and W3 posting lists through the field writer's files, a batch of
    terms at a time (so the Python lists a batch needs stay small)."""
    keys = list(buf.termids)
    tbytes = [k.encode("utf-8") if isinstance(k, str) else k for k in keys]
    unique = sorted(set(tbytes))
    rank_of = {t: i for i, t in enumerate(unique)}
    rank = np.fromiter(map(rank_of.__getitem__, tbytes), dtype=np.uint32, count=len(tbytes))
    del keys, tbytes, rank_of

    key = rank[np.frombuffer(buf.terms, dtype=np.uint32)]
    # postings were in document order: a stable sort keeps them so within each term
    order = np.argsort(key, kind="stable").astype(np.uint32)
    ends = np.cumsum(np.bincount(key, minlength=len(unique)))
    del key
    counts = np.frombuffer(buf.counts, dtype=np.uint32)
    entry = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)  # each posting's document entry
    docs = np.frombuffer(buf.docs, dtype=np.uint32)
    if field.scorable:  # block stats use lengths as the length column gives them back (byte-rounded)
        lengths = np.array([byte_to_length(length_to_byte(x)) if x else 0 for x in buf.lengths], np.int64)
    else:
        lengths = None
    freqs = np.frombuffer(buf.freqs, dtype=np.uint32)
    # where each posting's positions begin
    starts = np.zeros(len(freqs), dtype=np.uint32 if len(buf.positions) < 2**32 else np.int64)
    if len(buf.positions):
        np.cumsum(freqs[:-1], out=starts[1:])
    weights = np.frombuffer(buf.weights, dtype=np.float64) if buf.weights is not None else None
    boost = float(field.format.field_boost)

    postfile = fw._postfile
    batch = _Batch(field.format, buf, codec, _USHORT.pack(fw._fieldid))
    offset = postfile.tell()
    t0 = 0
    while t0 < len(unique):
        p0 = int(ends[t0 - 1]) if t0 else 0
        t1 = max(t0 + 1, int(np.searchsorted(ends, p0 + BATCH_POSTINGS, side="right")))
        p1 = int(ends[t1 - 1])
        sel = order[p0:p1]
        ent = entry[sel]
        fsel = freqs[sel]
        w = weights[sel] if weights is not None else fsel * boost
        chunk, offset = batch.write(
            offset,
            unique[t0:t1],
            (ends[t0:t1] - p0).tolist(),
            docs[ent].tolist(),
            w,
            lengths[ent].tolist() if lengths is not None else None,
            sel,
            fsel,
            starts[sel],
        )
        postfile.write(chunk)
        t0 = t1
    assert postfile.tell() == offset
    _add_terms(fw._tindex, batch.entries)


#: Postings turned into Python lists at once while a field is written.
BATCH_POSTINGS = 65_536


class _Batch:
    """Writes the posting lists of consecutive terms of one field (see ``W3PostingsWriter``)."""

    def __init__(self, fmt: formats.Format, buf: _FieldBuffer, codec: W3Codec, prefix: bytes) -> None:
        self.fmt = fmt
        self.buf = buf
        self.limit = codec._blocklimit
        self.level = codec._compression
        self.prefix = prefix
        self.entries: list[tuple[bytes, bytes]] = []  # (term key, term info)

    def write(
        self,
        offset: int,
        terms: list[bytes],
        ends: list[int],
        ids: list[int],
        weights_np: np.ndarray,
        lens: list[int] | None,
        sel: np.ndarray,
        freqs: np.ndarray,
        starts: np.ndarray,
    ) -> tuple[bytes, int]:
        """The bytes of these terms' posting lists, which start at ``offset``; and where they end."""
        weights = weights_np.tolist()
        weights32 = weights_np.astype(np.float32).tolist()
        values = _values(self.fmt, self.buf, sel, freqs, starts)
        if lens is not None and 0 in lens:  # a posting of an empty document: not in the stats
            lenmin, lenmax = _min_present, _max_present
        else:
            lenmin, lenmax = min, max
        limit, level, prefix = self.limit, self.level, self.prefix
        entries = self.entries
        chunks: list[bytes] = []
        start = 0
        for term, end in zip(terms, ends, strict=True):
            first = offset
            chunks.append(WHOOSH3_HEADER_MAGIC)
            offset += 4
            total = 0.0
            maxweight: Any = 0
            minlen = None
            maxlen = 0
            for b in range(start, end, limit):
                e = min(b + limit, end)
                bids = ids[b:e]
                bw = weights32[b:e]
                if e - b == 1:
                    deltas: tuple = (bids[0],)
                    mini_w: Any = None if bw[0] == 1.0 else bw[0]
                    bmax = weights[b]
                else:
                    deltas = (bids[0], *map(sub, bids[1:], bids))
                    if bw.count(1.0) == len(bw):
                        mini_w = None
                    elif bw.count(bw[0]) == len(bw):
                        mini_w = bw[0]
                    else:
                        mini_w = tuple(bw)
                    bmax = max(weights[b:e])
                if not bmax > 0:
                    bmax = 0
                data = dumps((deltas, mini_w, values(b, e)), BLOCK_PROTOCOL if e - b > 1 else SHORT_PROTOCOL)
                comp = level if len(data) >= COMPRESS_MIN else 0
                if comp:
                    data = zlib.compress(data, comp)
                if lens is not None:
                    bl = lens[b:e]
                    bmin = lenmin(bl)
                    bmaxlen = lenmax(bl)
                else:
                    bmin, bmaxlen = None, 0
                stats = (e - b, bids[-1], bmax, comp, length_to_byte(bmin), length_to_byte(bmaxlen))
                info = dumps(stats, SHORT_PROTOCOL)
                size = len(info) + len(data)
                chunks.append(_INT.pack(-size if e == end else size))
                chunks.append(info)
                chunks.append(data)
                offset += 4 + size
                total += sum(bw)
                if bmax > maxweight:
                    maxweight = bmax
                if bmin is not None:
                    minlen = bmin if minlen is None else min(minlen, bmin)
                if bmaxlen > maxlen:
                    maxlen = bmaxlen
            info_bytes = _TERMINFO.pack(
                False,
                total,
                end - start,
                0 if minlen is None else length_to_byte(minlen),
                length_to_byte(maxlen),
                maxweight,
                ids[start],
                ids[end - 1],
            )
            entries.append((prefix + term, info_bytes + _LONG.pack(first) + _INT.pack(offset - first)))
            start = end
        return b"".join(chunks), offset


def _min_present(lengths: list[int | None]) -> int | None:
    present = [x for x in lengths if x]
    return min(present) if present else None


def _max_present(lengths: list[int | None]) -> int:
    present = [x for x in lengths if x]
    return max(present) if present else 0


def _md5_low32(key: bytes) -> int:
    """``filetables.md5_hash`` without the hex round trip."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")


def _add_terms(tindex: Any, entries: list[tuple[bytes, bytes]]) -> None:
    """``OrderedHashWriter.add`` for every ``(key, value)`` (keys increasing), with one write."""
    if not entries:
        return
    if entries[0][0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{entries[0][0]!r}")
    dbfile = tindex.dbfile
    hashfn = _md5_low32 if tindex.hashfn is md5_hash else tindex.hashfn
    buckets = tindex.buckets
    index = tindex.index
    pos = dbfile.tell()
    chunks = []
    for key, value in entries:
        index.append(pos)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        chunks.append(_LENGTHS.pack(len(key), len(value)))
        chunks.append(key)
        chunks.append(value)
        pos += 8 + len(key) + len(value)
    dbfile.write(b"".join(chunks))
    tindex.lastkey = entries[-1][0]


def _values(
    fmt: formats.Format, buf: _FieldBuffer, sel: np.ndarray, freqs: np.ndarray, starts: np.ndarray
) -> Any:
    """A function ``(start, end) ->`` the block's minified values, as ``W3PostingsWriter`` has them,
    for the postings ``sel`` (with their frequencies and where their positions start)."""
    kind = type(fmt)
    if kind is formats.Existence or fmt.fixed_value_size() == 0:
        return lambda b, e: None
    if kind is formats.Frequency:
        packed = freqs.astype(">u4").tobytes()
        return lambda b, e: packed[4 * b : 4 * e]
    if kind is formats.Positions:
        encoded = _encode_positions(buf.positions, freqs, starts)
        return lambda b, e: tuple(encoded[b:e])
    assert buf.values is not None
    vals = buf.values
    ordered = [vals[i] for i in sel.tolist()]
    fixed = fmt.fixed_value_size()
    if fixed is None or fixed < 0:
        return lambda b, e: tuple(ordered[b:e])
    return lambda b, e: b"".join(ordered[b:e])


def _encode_positions(positions: array, freqs: np.ndarray, starts: np.ndarray) -> list[bytes]:
    """Each posting's ``Positions.encode`` value: most postings have one position, whose encoding
    comes from a table; only the others are pickled one by one."""
    firsts = np.frombuffer(positions, dtype=np.uint32)[starts].tolist()
    top = max(firsts, default=0)
    table = _single_positions(top)
    if len(table) > top:
        out = list(map(table.__getitem__, firsts))
    else:
        out = [table[p] if p < len(table) else _encode_many([p]) for p in firsts]
    several = np.flatnonzero(freqs != 1)
    for i, s, f in zip(several.tolist(), starts[several].tolist(), freqs[several].tolist(), strict=True):
        out[i] = _encode_many(positions[s : s + f])
    return out


def _encode_many(poslist: Any) -> bytes:
    """``Positions.encode(poslist)``."""
    deltas = [poslist[0], *map(sub, poslist[1:], poslist)]
    return _UINT.pack(len(deltas)) + dumps(deltas, 2)


_SINGLE: list[bytes] = []
_SINGLE_MAX = 100_000


def _single_positions(top: int) -> list[bytes]:
    """``Positions.encode([p])`` for every p up to ``top`` (or ``_SINGLE_MAX``), computed once."""
    want = min(top, _SINGLE_MAX) + 1
    if len(_SINGLE) < want:
        _SINGLE.extend(_encode_many([p]) for p in range(len(_SINGLE), want + 1024))
    return _SINGLE
