"""How fast users take up a release: a mixture of updaters, or a team's own curve from a CSV file.

A single half-life is too kind to a release manager. Store data shows a **fast head** (phones that
auto-update overnight) and a **slow tail** (people who update when a prompt nags them, months later).
:class:`Adoption` describes the share of users who have a release ``d`` days after it went live as a
mixture of exponential groups plus a share that never updates::

    updated(d) = sum_i  w_i * (1 - 2**(-d / h_i))          (and 1 - sum_i w_i never update)

A curve measured by a team (Play Console and App Store Connect export "days since release" against
"share of active users on this version or newer") loads with :meth:`Adoption.from_csv`. The model
then fits it with non-negative weights on a fixed ladder of half-lives (:data:`HALF_LIVES`), so the
simulator keeps working with memoryless groups and stays fast; :meth:`Adoption.fit_error` says how
far the fit is from the measured points.

The two curves in ``data/adoption/`` are **illustrative**, not measured: their shape follows the
head-and-tail pattern described above, and their numbers are the course's own. Replace them with
your app's export before trusting a plan built on them.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import numbers
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import PlanFileError, UsersError, shown

#: The half-lives (days) on which a measured curve is fitted.
HALF_LIVES = (0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: The largest adoption CSV read, in bytes, and the most rows.
MAX_CSV_BYTES, MAX_CSV_ROWS = 200_000, 5000
#: The folder of example curves shipped with the course.
EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "adoption"


def _share(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise UsersError(f"{name} is {shown(value)}, but a share lies between 0 and 1; write 3% as 0.03.")
    return float(value)


def _half_life(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.01 <= value <= 3650:
        raise UsersError(f"{name} is {shown(value)}, but a half-life must be from 0.01 to 3650 days; write e.g. 10.")
    return float(value)


@dataclass(frozen=True)
class Adoption:
    """Groups of updaters ``(share of all users, half-life in days)``; the rest never update."""

    parts: tuple[tuple[float, float], ...]
    name: str = "custom"
    source: str = "set by hand"
    fit_error: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.parts, tuple | list) or not self.parts:
            raise UsersError("an adoption curve needs at least one group of updaters, like ((0.97, 10),).")
        parts = tuple((_share(w, "a group's share"), _half_life(h, "a group's half-life")) for w, h in self.parts)
        if sum(w for w, _ in parts) > 1.0 + 1e-9:
            raise UsersError(f"the groups' shares add up to {sum(w for w, _ in parts):.3f}, more than all users; "
                             "make them add up to at most 1.")
        object.__setattr__(self, "parts", parts)

    @classmethod
    def exponential(cls, half_life_days: float = 10.0, never_update: float = 0.03) -> Adoption:
        """The one-half-life model of the first part of lesson 07."""
        return cls(((1.0 - _share(never_update, "never_update"), half_life_days),), "exponential")

    @classmethod
    def mixture(cls, head: float = 0.6, head_half_life: float = 2.0, tail_half_life: float = 40.0,
                never_update: float = 0.03, name: str = "mixture") -> Adoption:
        """A fast head (share ``head`` of the updaters) and a slow tail (the other updaters)."""
        head, never = _share(head, "head"), _share(never_update, "never_update")
        updaters = 1.0 - never
        return cls(((updaters * head, head_half_life), (updaters * (1.0 - head), tail_half_life)), name)

    @property
    def never_update(self) -> float:
        return max(0.0, 1.0 - sum(w for w, _ in self.parts))

    def updated(self, days) -> np.ndarray | float:
        """The share of all users on the release (or newer) ``days`` after it went live (0 before)."""
        d = np.maximum(np.asarray(days, dtype=float), 0.0)
        out = sum(w * (1.0 - np.exp2(-d / h)) for w, h in self.parts)
        return float(out) if np.ndim(out) == 0 else out

    def days_until(self, share: float) -> float | None:
        """The first whole day on which at least ``share`` of all users have the release; None if never."""
        if share > 1.0 - self.never_update + 1e-12:
            return None
        lo, hi = 0, 1
        while self.updated(hi) < share - 1e-12:
            hi *= 2
            if hi > 10 ** 6:
                return None
        while lo < hi:
            mid = (lo + hi) // 2
            if self.updated(mid) >= share - 1e-12:
                hi = mid
            else:
                lo = mid + 1
        return lo

    @classmethod
    def from_points(cls, days, shares, name: str = "measured", source: str = "") -> Adoption:
        """Fit measured ``(days since release, share updated)`` points with the half-life ladder."""
        d, s = np.asarray(days, dtype=float), np.asarray(shares, dtype=float)
        basis = np.column_stack([1.0 - np.exp2(-d / h) for h in HALF_LIVES])
        weights = _nnls(basis, s)
        if weights.sum() > 1.0:
            weights /= weights.sum()
        err = float(np.max(np.abs(basis @ weights - s))) if s.size else 0.0
        parts = tuple((float(w), float(h)) for w, h in zip(weights, HALF_LIVES, strict=True) if w > 1e-6)
        return cls(parts or ((0.0, 10.0),), name, source, err)

    @classmethod
    def from_csv(cls, source, name: str | None = None) -> Adoption:
        """Read a CSV of ``days,share`` rows (a header row and ``#`` comment lines allowed) and fit it.

        ``share`` is a fraction (0.42) or a percentage (42%). Days must increase, shares may not fall,
        and day 0 has share 0 or is left out. Any other content gets one sentence naming the row.
        """
        text, label = _read_text(source)
        days, shares, notes = [], [], []
        rows = list(csv.reader(io.StringIO(text)))
        if len(rows) > MAX_CSV_ROWS:
            raise PlanFileError(f"{label} has {len(rows)} rows, more than the {MAX_CSV_ROWS} an adoption curve "
                                "needs; keep one row per day or week.")
        for n, row in enumerate(rows, start=1):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if cells[0].startswith("#"):
                notes.append(",".join(row).lstrip("# ").strip())
                continue
            if len(cells) != 2:
                raise PlanFileError(f"{label} row {n} has {len(cells)} columns; each row is days,share like "
                                    "\"30,0.85\".")
            day, share = _cell_number(cells[0]), _cell_number(cells[1].rstrip("%"))
            if day is None and not days:
                continue                                    # a header row
            if day is None or share is None:
                raise PlanFileError(f"{label} row {n} is {shown(','.join(row))}, not two numbers; write it like "
                                    "\"30,0.85\".")
            share = share / 100 if cells[1].endswith("%") else share
            if not (0 <= day <= 3650 and 0 <= share <= 1):
                raise PlanFileError(f"{label} row {n} has day {day:g} and share {share:g}; days run from 0 to "
                                    "3650 and a share from 0 to 1 (or 0% to 100%).")
            if days and (day <= days[-1] or share < shares[-1] - 1e-9):
                raise PlanFileError(f"{label} row {n} (day {day:g}, share {share:g}) goes back: days must "
                                    "increase and the share updated may not fall.")
            days.append(day)
            shares.append(share)
        if len(days) < 2:
            raise PlanFileError(f"{label} has {len(days)} data rows; an adoption curve needs at least two "
                                "days,share rows.")
        return cls.from_points(days, shares, name or Path(label).stem, "; ".join(notes) or label)

    def describe(self) -> str:
        """One line: the groups and the never-update share."""
        groups = ", ".join(f"{w:.1%} with half-life {h:g} d" for w, h in self.parts)
        return f"{self.name}: {groups}; {self.never_update:.1%} never update"


def _cell_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_bytes(path: Path, label: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_CSV_BYTES` (a FIFO or a device is refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise PlanFileError(f"there is no adoption CSV at {shown(str(path))}; check the path.") from None
    except OSError:
        raise PlanFileError(f"the adoption CSV {shown(str(path))} cannot be opened; check the path and its "
                            "permissions.") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise PlanFileError(f"{shown(str(path))} is a folder, not an adoption CSV; name the CSV file inside it.")
        if not stat.S_ISREG(mode):
            raise PlanFileError(f"{shown(str(path))} is not a regular file; save the curve to a CSV file.")
        data = os.read(fd, MAX_CSV_BYTES + 1)
    except OSError:
        raise PlanFileError(f"the adoption CSV {shown(str(path))} cannot be read; check the file.") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CSV_BYTES:
        raise PlanFileError(f"{label} has more than {MAX_CSV_BYTES:,} bytes, too many for an adoption curve; "
                            "check that it is the right file.")
    return data


def _read_text(source) -> tuple[str, str]:
    """The text of an adoption CSV (a path, or the name of a shipped example)."""
    path = Path(str(source))
    if not path.exists() and (EXAMPLES / f"{source}.csv").exists():
        path = EXAMPLES / f"{source}.csv"
    label = path.name if path.name.isprintable() else ascii(path.name)
    data = _read_bytes(path, label)
    try:
        return data.decode("utf-8-sig"), label
    except UnicodeDecodeError:
        raise PlanFileError(f"{label} is not UTF-8 text; save the curve as a UTF-8 CSV.") from None


def _nnls(a: np.ndarray, b: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Non-negative least squares (Lawson and Hanson's active-set method), for a few columns."""
    n = a.shape[1]
    x, passive = np.zeros(n), np.zeros(n, dtype=bool)
    for _ in range(iterations):
        grad = a.T @ (b - a @ x)
        if passive.all() or grad[~passive].max(initial=-1.0) <= 1e-10:
            break
        passive[np.argmax(np.where(passive, -np.inf, grad))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x)
            passive &= x > 1e-12
    return x


@functools.lru_cache(maxsize=8)
def example(name: str) -> Adoption:
    """One of the shipped example curves: ``"ios-illustrative"`` or ``"android-illustrative"``."""
    return Adoption.from_csv(EXAMPLES / f"{name}.csv", name)
