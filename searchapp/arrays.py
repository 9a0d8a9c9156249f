"""Helpers for sorted arrays of numbers (doc numbers, hashes, keys), shared by the query evaluator
and the story grouping: both count and merge with sorts, because numpy's ``unique`` hashes every value
and is several times slower on them."""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values: the union of sorted doc lists, the hashes of a corpus.

    >>> distinct(np.array([3, 1, 3, 2], dtype=np.uint32)).tolist()
    [1, 2, 3]
    """
    values = np.sort(values)
    return values[runs(values)[0]]


def runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values starts in sorted ``values``, and how long it is.

    >>> [x.tolist() for x in runs(np.array([2, 2, 5, 7, 7, 7]))], [len(x) for x in runs(np.array([]))]
    ([[0, 2, 3], [2, 1, 3]], [0, 0])
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return starts, np.diff(np.append(starts, len(values)))
