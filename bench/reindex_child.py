"""Run one ``searchapp.indexer.reindex`` in its own process and print its figures as JSON.

The runner starts this as a child so that the indexing process tree can be watched alone (peak memory
of the parent and its parser pool) and so nothing the runner holds is counted against the indexer.

    python bench/reindex_child.py CORPUS INDEX [--workers N] [--full] [--no-stories]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--no-stories", action="store_true", help="skip story grouping (to see its cost)")
    args = parser.parse_args()

    imported = time.perf_counter()
    from searchapp.indexer import reindex

    started = time.perf_counter()
    result = reindex(
        [args.corpus], args.index, full=args.full, workers=args.workers, group_stories=not args.no_stories
    )
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    json.dump(
        {
            "seconds": seconds,
            "import_seconds": started - imported,
            # CPU of this process and its worker processes: the machine's other load barely moves it
            "cpu_seconds": round(sum(u.ru_utime + u.ru_stime for u in usage), 3),
            "stories_seconds": result.stories.seconds if result.stories else None,
            "added": result.added,
            "updated": result.updated,
            "removed": result.removed,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
            "files": result.files,
            "articles": result.articles,
            # ru_maxrss is in KiB on Linux: this process's own peak, and its largest reaped child's.
            "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "children_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
