"""Rate limits counted in one window whatever the wall clock does, so a test that fills a
limit never straddles the end of a minute (on a loaded machine a burst can take longer
than what is left of one)."""

from __future__ import annotations

import contextlib
import itertools
import random
from collections.abc import Iterator

from autoclip.service.runtime import Runtime

# Each use gets a window of its own, far from now and from the other uses (and from other
# test processes sharing a Redis database), so no earlier count is found in it.
_WINDOWS = itertools.count(random.randrange(10**6, 10**7) * 1000)


@contextlib.contextmanager
def frozen_rate_limits(runtime: Runtime) -> Iterator[None]:
    """Within the block, every limit of `runtime` counts in one fresh window, its first
    second (a quarter hour's window starts there too)."""
    start = float(next(_WINDOWS) * 3600)
    before = runtime.limiter
    runtime.limiter = before.with_clock(lambda: start)
    try:
        yield
    finally:
        runtime.limiter = before
