"""Run ``newsbot`` and SIGKILL it at a chosen point of a reload: ``python killer.py POINT N
-- ARGS…``.

The points are reached by wrapping the function that does that step, so the production code
carries no test hook:

- ``parse``: after ``N`` articles of the reload were parsed (before anything is written), in
  this process or, for a large reload, in its worker processes;
- ``transaction``: after ``N`` batches of articles were written inside the reload's one
  transaction (a reload writes all its articles in one batch, then the rest: a kill after
  the first leaves every new row written and nothing committed);
- ``snapshot``: after the index snapshot's temporary file is written, before its rename
  (the corpus is committed by then).

Kept as a script, not imported by the tests: it runs in the child process it kills.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def die() -> None:
    """Kill this process as ``kill -9`` would: no cleanup, no flush, no atexit."""
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, after: int) -> None:
    """Wrap the function of ``point`` so that it kills the process on call number ``after``."""
    calls = 0

    def count() -> None:
        nonlocal calls
        calls += 1
        if calls >= after:
            die()

    if point == "parse":
        from bot.service import folder

        parse = folder.parse_article

        def parse_then_maybe_die(*args: Any, **kwargs: Any) -> Any:
            count()
            return parse(*args, **kwargs)

        setattr(folder, "parse_article", parse_then_maybe_die)  # noqa: B010  # untyped on purpose: same call shape
        # A large reload parses in worker processes, where this wrapper is not installed:
        # count the parsed articles as they come back to this process instead.
        in_pool = folder._parsed_in_pool

        def in_pool_then_maybe_die(*args: Any, **kwargs: Any) -> Any:
            for result in in_pool(*args, **kwargs):
                count()
                yield result

        setattr(folder, "_parsed_in_pool", in_pool_then_maybe_die)  # noqa: B010  # same call shape
    elif point == "transaction":
        from bot.store.articles import ArticleStore

        upsert = ArticleStore._upsert_articles

        async def upsert_then_maybe_die(self: ArticleStore, *args: Any, **kwargs: Any) -> Any:
            result = await upsert(self, *args, **kwargs)
            count()
            return result

        setattr(ArticleStore, "_upsert_articles", upsert_then_maybe_die)  # noqa: B010  # same call shape
    elif point == "snapshot":
        from retrieval.index import segment_persist

        savez = segment_persist._savez

        def savez_then_die(file: Any, **arrays: Any) -> None:
            savez(file, **arrays)
            file.flush()
            die()

        setattr(segment_persist, "_savez", savez_then_die)  # noqa: B010  # same call shape
    else:
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    point, after, separator, *args = sys.argv[1:]
    assert separator == "--", "usage: killer.py POINT N -- ARGS…"
    arm(point, int(after))
    from bot.cli import main

    raise SystemExit(main(args))
