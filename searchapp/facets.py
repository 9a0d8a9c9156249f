"""Facet counting over one index generation with numpy arrays built once per generation.

Whoosh's ``groupedby`` scores and sorts every hit and rebuilds multi-valued facets from postings
on every query; here each facet field becomes, once per generation, a CSR table doc -> value
ordinals, and a count is one ``bincount`` over the matched documents' ordinals. The indexer builds
the arrays when it writes a generation and saves them beside it (``facets.npz``), so a serving
worker loads them in milliseconds instead of reading every posting of the facet fields on its first
request.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

FACET_FIELDS = ("outlet", "agency", "entity")
MAX_DATE = 99991231235959


@dataclass
class FacetTable:
    """Doc -> value ordinals for one field, as CSR arrays, plus each value's doc list."""

    values: list[str]
    offsets: np.ndarray  # int64, len = ndocs + 1
    ords: np.ndarray  # int32
    value_docs: list[np.ndarray]

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each value's ordinal (built once per generation, not per filtered query)."""
        return {v: i for i, v in enumerate(self.values)}

    def count(self, docs: np.ndarray) -> np.ndarray:
        """How many of ``docs`` (sorted docnums) carry each value."""
        if len(self.values) == 0 or len(docs) == 0:
            return np.zeros(len(self.values), dtype=np.int64)
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(len(self.values), dtype=np.int64)
        # Positions of every ordinal of every matched doc, without a Python loop.
        index = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        index += np.arange(total)
        return np.bincount(self.ords[index], minlength=len(self.values))

    def docs_with_any(self, values: set[str], ndocs: int) -> np.ndarray:
        """Boolean mask of docs carrying at least one of ``values``."""
        mask = np.zeros(ndocs, dtype=bool)
        for v in values:
            i = self.positions.get(v)
            if i is not None:
                mask[self.value_docs[i]] = True
        return mask


def build_table(reader: object, fieldname: str, ndocs: int) -> FacetTable:
    values: list[str] = []
    value_docs: list[np.ndarray] = []
    pairs_doc: list[np.ndarray] = []
    pairs_ord: list[np.ndarray] = []
    if fieldname in reader.indexed_field_names():
        for i, term in enumerate(reader.lexicon(fieldname)):
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            docs = np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64)
            values.append(value)
            value_docs.append(docs)
            pairs_doc.append(docs)
            pairs_ord.append(np.full(len(docs), i, dtype=np.int32))
    if pairs_doc:
        doc_arr = np.concatenate(pairs_doc)
        ord_arr = np.concatenate(pairs_ord)
        order = np.argsort(doc_arr, kind="stable")
        doc_arr, ord_arr = doc_arr[order], ord_arr[order]
    else:
        doc_arr = np.zeros(0, dtype=np.int64)
        ord_arr = np.zeros(0, dtype=np.int32)
    counts = np.bincount(doc_arr, minlength=ndocs) if len(doc_arr) else np.zeros(ndocs, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return FacetTable(values, offsets, ord_arr, value_docs)


@dataclass
class FacetIndex:
    """Every facet table and the date column of one generation."""

    ndocs: int
    live: np.ndarray  # bool mask of non-deleted docs
    tables: dict[str, FacetTable]
    dates: np.ndarray  # int64 UTC YYYYMMDDhhmmss, 0 when unknown

    @classmethod
    def build(cls, reader: object) -> FacetIndex:
        ndocs = reader.doc_count_all()
        live = np.zeros(ndocs, dtype=bool)
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        tables = {f: build_table(reader, f, ndocs) for f in FACET_FIELDS}
        dates = np.zeros(ndocs, dtype=np.int64)
        if reader.has_column("date"):
            # Whoosh fills a missing number with the column's default (the type's maximum).
            column = reader.column_reader("date")
            values = (v if v and v <= MAX_DATE else 0 for v in (column[d] for d in range(ndocs)))
            dates[:] = np.fromiter(values, dtype=np.int64, count=ndocs)
        return cls(ndocs, live, tables, dates)

    def save(self, path: Path) -> None:
        """Write the arrays (numpy's own format, no pickle) atomically beside the generation."""
        arrays: dict[str, np.ndarray] = {
            "ndocs": np.array([self.ndocs], dtype=np.int64),
            "live": self.live,
            "dates": self.dates,
        }
        for name, t in self.tables.items():
            sizes = np.array([len(d) for d in t.value_docs], dtype=np.int64)
            arrays[f"{name}.values"] = np.frombuffer(json.dumps(t.values).encode("utf-8"), dtype=np.uint8)
            arrays[f"{name}.offsets"] = t.offsets
            arrays[f"{name}.ords"] = t.ords
            arrays[f"{name}.value_sizes"] = sizes
            arrays[f"{name}.value_docs"] = (
                np.concatenate(t.value_docs) if t.value_docs else np.zeros(0, dtype=np.int64)
            )
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, ndocs: int) -> FacetIndex | None:
        """The saved arrays, or None when absent or not for this many documents (then rebuild)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["ndocs"][0]) != ndocs:
                    return None
                tables = {}
                for name in FACET_FIELDS:
                    values = json.loads(bytes(data[f"{name}.values"]).decode("utf-8"))
                    sizes = data[f"{name}.value_sizes"]
                    flat = data[f"{name}.value_docs"]
                    value_docs = np.split(flat, np.cumsum(sizes)[:-1]) if len(sizes) else []
                    offsets, ords = data[f"{name}.offsets"], data[f"{name}.ords"]
                    tables[name] = FacetTable(values, offsets, ords, value_docs)
                return cls(ndocs, data["live"], tables, data["dates"])
        except (OSError, KeyError, ValueError):
            return None
