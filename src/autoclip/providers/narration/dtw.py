"""Dynamic time warping of two feature sequences inside a band around the diagonal.

The cost of a path is the sum of the Euclidean distances of the frames it pairs, a diagonal
step's counting `DIAGONAL_WEIGHT` times.
Only cells within `radius` frames of the straight line from the first pair of frames to
the last are considered (a Sakoe-Chiba band), so time and memory grow with
length × band, not length².

Each row is computed with whole-array operations: with S the running sum of the row's
costs C, the recurrence D[j] = C[j] + min(a[j], D[j - 1]) (a[j] being the best way in
from the row before: min(D'[j - 1] + (w - 1) C[j], D'[j])) unrolls to
D = S + running-minimum(a + C - S).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# A diagonal step (both sequences advance) costs this many times a frame pair's distance,
# a horizontal or vertical one once. 2 (the symmetric pattern) lets a staircase cost as much
# as the diagonal it follows, so paths come out jagged; 1 makes cutting corners cheap. 1.5
# measured best (benchmarks/aligner_eval.py: Piper's p95 129 -> 96 ms).
DIAGONAL_WEIGHT = 1.5
Matrix = npt.NDArray[np.float64]
Indices = npt.NDArray[np.int64]


@dataclass(frozen=True)
class WarpPath:
    """Pairs (target[k], reference[k]) from (0, 0) to (N - 1, M - 1), both non-decreasing."""

    target: Indices
    reference: Indices


@dataclass(frozen=True)
class Lattice:
    """The accumulated costs of the band: row i holds columns [low[i], high[i])."""

    total: Matrix
    costs: npt.NDArray[np.float32]
    low: Indices
    high: Indices
    band_cost: float  # average distance of all frame pairs in the band

    @property
    def path_cost(self) -> float:
        """The cheapest path's cost per frame: its total over N + M (what every path's
        weights add up to when a diagonal step counts twice; a little more than the
        weights of a path with diagonal steps counting less)."""
        rows = int(self.total.shape[0])
        end = float(self.total[rows - 1, int(self.high[-1]) - 1 - int(self.low[-1])])
        return end / (rows + int(self.high[-1]))

    @property
    def cost_ratio(self) -> float:
        """`path_cost` over `band_cost`: far below 1 for speech of the same text, near 1
        for unrelated sounds, where the best path is no better than any."""
        return self.path_cost / max(self.band_cost, 1e-12)

    def path(self) -> WarpPath:
        target, reference = _backtrack(self.total, self.costs, self.low, self.high)
        return WarpPath(target, reference)


def _band(rows: int, columns: int, radius: int) -> tuple[Indices, Indices]:
    """[low, high) columns of each row: `radius` either side of the corner-to-corner line."""
    centre = np.arange(rows) * ((columns - 1) / max(rows - 1, 1))
    low = np.clip(np.floor(centre - radius), 0, columns - 1).astype(np.int64)
    high = np.clip(np.ceil(centre + radius) + 1, 1, columns).astype(np.int64)
    return low, high


def accumulate(target: Matrix, reference: Matrix, radius: int) -> Lattice:
    """The cheapest paths pairing every frame of `target` (N, d) with frames of `reference`
    (M, d) and back, within the band."""
    rows, columns = target.shape[0], reference.shape[0]
    # Wide enough that the band's rows overlap: each row reaches the one before it.
    radius = max(radius, int(np.ceil(columns / max(rows, 1))) + 1)
    low, high = _band(rows, columns, radius)
    width = int((high - low).max())
    total = np.full((rows, width), np.inf)
    costs = np.full((rows, width), np.inf, dtype=np.float32)  # for backtracking only
    squared_reference = (reference**2).sum(axis=1)
    squared_target = (target**2).sum(axis=1)
    # The previous row on the whole column axis, shifted by one: previous[j + 1] is the
    # total at column j, previous[0] the (impossible) column -1.
    previous = np.full(columns + 1, np.inf)
    previous[1] = 0.0  # the path enters at (0, 0)
    band_sum, band_cells = 0.0, 0
    for i in range(rows):
        lo, hi = int(low[i]), int(high[i])
        squared = (
            squared_reference[lo:hi] + squared_target[i] - 2.0 * (reference[lo:hi] @ target[i])
        )
        cost = np.sqrt(np.maximum(squared, 0.0))
        band_sum += float(cost.sum())
        band_cells += hi - lo
        if i == 0:
            entry = np.full(hi - lo, np.inf)
            entry[0] = 0.0
        else:
            entry = np.minimum(
                previous[lo:hi] + (DIAGONAL_WEIGHT - 1.0) * cost, previous[lo + 1 : hi + 1]
            )
        running = np.cumsum(cost)
        row = running + np.minimum.accumulate(entry + cost - running)
        total[i, : hi - lo] = row
        costs[i, : hi - lo] = cost
        if i > 0:
            previous[int(low[i - 1]) + 1 : int(high[i - 1]) + 1] = np.inf
        previous[lo + 1 : hi + 1] = row
    return Lattice(total, costs, low, high, band_sum / max(band_cells, 1))


def _backtrack(
    total: Matrix, costs: npt.NDArray[np.float32], low: Indices, high: Indices
) -> tuple[Indices, Indices]:
    rows = total.shape[0]
    i, j = rows - 1, int(high[-1]) - 1
    if not np.isfinite(total[i, j - low[i]]):
        raise ValueError("no warping path inside the band")
    pairs = [(i, j)]
    low_list, high_list = low.tolist(), high.tolist()

    def value(row: int, column: int) -> float:
        if row < 0 or column < low_list[row] or column >= high_list[row]:
            return float("inf")
        return float(total[row, column - low_list[row]])

    while i > 0 or j > 0:
        here = float(costs[i, j - low_list[i]])
        diagonal = value(i - 1, j - 1) + (DIAGONAL_WEIGHT - 1.0) * here
        up = value(i - 1, j)
        left = value(i, j - 1)
        if diagonal <= up and diagonal <= left:
            i, j = i - 1, j - 1
        elif up <= left:
            i -= 1
        else:
            j -= 1
        pairs.append((i, j))
    pairs.reverse()
    array = np.array(pairs, dtype=np.int64)
    return array[:, 0], array[:, 1]
