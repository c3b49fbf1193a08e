"""The rotation simulator: certificates, app releases and users on a daily grid.

A pinned app connects only when one of its pins matches the chain the server presents.
Servers renew and rekey; apps learn new pins only through an update that has to pass
store review and then reach users who update slowly, or never. This module models all of
that as arrays, one column per day, so a three-year timeline takes milliseconds.

**Pins** are strings ``"kind:value"``: ``cert:C3`` (a certificate pin), ``key:K2`` (a leaf
SPKI pin), ``intermediate:R11`` or ``root:ISRG Root X1``. A pin set matches when any of its
pins names any part of the served chain, as Android's network security config does.

**Users** hold one version each. Every day a user who updates at all moves to the newest
live version with probability ``1 - 2**(-1/half_life)``, so ``d`` days after a release a
share ``1 - 2**(-d/half_life)`` of them have it. A ``never_update`` share stays on the
version it had on day 0. With a **force-update** check on an unpinned endpoint, users on a
version that is locked out (never-updaters included) update with the much shorter
``force_half_life_days``.

**Each day each version is in one state**: *connected* (pins checked and matched),
*unprotected* (its Android-style pin-set expiry has passed, so pinning is off: it connects,
but trusts any CA; pin-set expiry fails open), or *locked out* (no pin matches, or the
server's certificate has expired). The three shares partition the users: they sum to 1.

**Limits.** The arrays are (versions x days), so a timeline spans at most :data:`MAX_DAYS` days
with at most :data:`MAX_CERTS` certificates, :data:`MAX_RELEASES` releases and :data:`MAX_PINS`
pins per release; past them the simulator says so in one sentence instead of running for minutes.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from dataclasses import dataclass, field

import numpy as np

from ..pinning.strategy import Strategy
from .errors import DateError, NotATimelineError, PinLabelError, ScheduleError, UsersError, shown

#: The parts of a chain that a pin can name, in chain order.
PIN_KINDS = ("cert", "key", "intermediate", "root")
#: A share below this (one user in a million) counts as nobody.
NOBODY = 1e-6
CONNECTED, UNPROTECTED, LOCKED_OUT = 0, 1, 2
STATE_NAMES = ("connected", "unprotected", "locked out")

#: The longest timeline (about 10 years) and the most certificates, releases and pins per release.
MAX_DAYS, MAX_CERTS, MAX_RELEASES, MAX_PINS = 3660, 2000, 1000, 100
#: The shortest and longest update half-life, in days.
HALF_LIFE_RANGE = (0.01, 3650)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_date(value, what: str = "date") -> _dt.date:
    """Accept a ``date``, a ``datetime``, a ``numpy.datetime64`` or a ``YYYY-MM-DD`` string; raise
    :class:`DateError` otherwise."""
    if isinstance(value, np.datetime64) and not np.isnat(value):
        value = value.astype("datetime64[D]").item()
    if isinstance(value, _dt.datetime):
        value = value.date()
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            value = _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if not isinstance(value, _dt.date):
        raise DateError(f"{what} {shown(value)} is not a date; write it as YYYY-MM-DD, e.g. 2027-03-15.")
    if not 1990 <= value.year <= 2200:
        raise DateError(f"{what} {value} is outside the years 1990-2200 that the simulator covers; "
                        "pick a nearer date.")
    return value


def check_span(start: _dt.date, end: _dt.date, what: str = "the timeline") -> None:
    """Raise :class:`DateError` unless ``start`` is before ``end`` and at most :data:`MAX_DAYS` days cover both."""
    if end <= start:
        raise DateError(f"{what} ends ({end}) on or before it starts ({start}); swap the dates.")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise DateError(f"{what} spans {days} days, more than the {MAX_DAYS} days (10 years) the simulator "
                        "covers; plan a shorter period.")


def check_count(count: int, most: int, noun: str, where: str, fix: str) -> None:
    """Raise :class:`ScheduleError` when ``where`` has more than ``most`` ``noun``."""
    if count > most:
        raise ScheduleError(f"{where} has {count} {noun}, more than the {most} {noun} the simulator handles; "
                            f"{fix}.")


def percent(share: float) -> str:
    """A share as a percentage with one decimal, or with the digits it needs when that shows 0.0%."""
    text = f"{share:.1%}"
    return f"{share * 100:.2g}%" if share and text in ("0.0%", "-0.0%") else text


def check_pin(pin: str) -> str:
    """Return ``pin`` if it looks like ``kind:value``; raise :class:`PinLabelError` otherwise."""
    kind, sep, value = pin.partition(":") if isinstance(pin, str) else ("", "", "")
    if not sep or kind not in PIN_KINDS or not value:
        raise PinLabelError(
            f"pin {shown(pin)} is not of the form kind:value with kind one of {', '.join(PIN_KINDS)}; "
            "write it like key:K2 or intermediate:R11."
        )
    return str(pin)


@dataclass(frozen=True)
class Cert:
    """One server certificate: when it was issued, deployed and expires, and what it chains to."""

    label: str
    issued: _dt.date
    deployed: _dt.date
    expires: _dt.date
    key: str
    intermediate: str = "R10"
    root: str = "ISRG Root X1"

    def __post_init__(self) -> None:
        for name in ("issued", "deployed", "expires"):
            object.__setattr__(self, name, as_date(getattr(self, name), f"certificate {self.label} {name}"))
        if self.expires <= self.issued:
            raise DateError(f"certificate {self.label} expires ({self.expires}) before it is issued "
                            f"({self.issued}); swap or fix the dates.")
        if not self.issued <= self.deployed < self.expires:
            raise DateError(f"certificate {self.label} is deployed on {self.deployed}, outside its "
                            f"validity {self.issued}..{self.expires}; deploy it between those dates.")

    @property
    def lifetime_days(self) -> int:
        return (self.expires - self.issued).days

    def identities(self) -> frozenset[str]:
        """Every pin that this certificate's chain would satisfy."""
        return frozenset({f"cert:{self.label}", f"key:{self.key}",
                          f"intermediate:{self.intermediate}", f"root:{self.root}"})


@dataclass(frozen=True)
class Release:
    """One app version: submitted for review, live in the store, and the pins it carries.

    ``expires`` is the Android-style pin-set expiry: from that day on the version does
    not check pins at all (it fails open). ``None`` means the pins never expire.
    """

    version: str
    submitted: _dt.date
    live: _dt.date
    pins: frozenset[str]
    expires: _dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "submitted", as_date(self.submitted, f"release {self.version} submitted"))
        object.__setattr__(self, "live", as_date(self.live, f"release {self.version} live"))
        if self.expires is not None:
            object.__setattr__(self, "expires", as_date(self.expires, f"release {self.version} expires"))
        if isinstance(self.pins, str | bytes) or not isinstance(self.pins, list | tuple | set | frozenset):
            raise PinLabelError(f"release {self.version} pins must be a list of pins like [\"key:K1\"], "
                                f"not {shown(self.pins)}.")
        if len(self.pins) > MAX_PINS:
            raise PinLabelError(f"release {self.version} has {len(self.pins)} pins, more than the {MAX_PINS} pins "
                                "an app can sensibly carry; pin a key or a CA instead of each certificate.")
        object.__setattr__(self, "pins", frozenset(check_pin(p) for p in self.pins))
        if not self.pins:
            raise PinLabelError(f"release {self.version} has no pins; give it at least one, like [\"key:K1\"] "
                                "(an app without pinning needs no rotation plan).")
        if self.live < self.submitted:
            raise DateError(f"release {self.version} goes live on {self.live}, before it was submitted "
                            f"on {self.submitted}; fix the dates.")

    @classmethod
    def ship(cls, version: str, submitted, pins, *, review_days: int = 2,
             expires_after_days: int | None = None) -> Release:
        """A release that goes live ``review_days`` after submission, with optional pin-set expiry."""
        submitted = as_date(submitted, f"release {version} submitted")
        expires = None if not expires_after_days else submitted + _dt.timedelta(days=int(expires_after_days))
        return cls(version, submitted, submitted + _dt.timedelta(days=int(review_days)), frozenset(pins), expires)


@dataclass(frozen=True)
class Users:
    """How users update: half-life for updaters, the share that never updates, force-update."""

    half_life_days: float = 10.0
    never_update: float = 0.03
    force_update: bool = False
    force_half_life_days: float = 1.0

    def __post_init__(self) -> None:
        for name in ("half_life_days", "never_update", "force_half_life_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise UsersError(f"{name} is {shown(value)}, but it must be a number; write e.g. 10 or 0.03.")
        if not 0.0 <= self.never_update <= 1.0:
            raise UsersError(f"never_update is {shown(self.never_update)}, but a share lies between 0 and 1; "
                             "write 3% as 0.03.")
        low, high = HALF_LIFE_RANGE
        for name in ("half_life_days", "force_half_life_days"):
            if not low <= getattr(self, name) <= high:
                raise UsersError(f"{name} is {shown(getattr(self, name))}, but a half-life must be from {low} to "
                                 f"{high} days; write e.g. 10.")
        if not isinstance(self.force_update, bool | np.bool_):
            raise UsersError(f"force_update is {shown(self.force_update)}, but it must be True or False "
                             "(true or false in a plan file).")
        object.__setattr__(self, "force_update", bool(self.force_update))

    def adopted(self, days_since_live: float) -> float:
        """Share of *all* users on a release (or newer) this many days after it went live."""
        return (1.0 - self.never_update) * (1.0 - 2.0 ** (-max(days_since_live, 0.0) / self.half_life_days))


@dataclass(frozen=True)
class Timeline:
    """Everything the simulator needs: a date range, the server's certificates, the releases, users."""

    start: _dt.date
    end: _dt.date
    certs: tuple[Cert, ...]
    releases: tuple[Release, ...]
    users: Users = field(default_factory=Users)
    name: str = "custom"
    strategy: Strategy | None = None   # what the releases pin, when one strategy built them

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_date(self.start, "timeline start"))
        object.__setattr__(self, "end", as_date(self.end, "timeline end"))
        if self.strategy is not None:
            object.__setattr__(self, "strategy", Strategy.parse(self.strategy))
        check_span(self.start, self.end)
        if not self.certs:
            raise ScheduleError("the timeline has no certificates; give the server at least one.")
        if not self.releases:
            raise ScheduleError("the timeline has no app releases; give it at least one.")
        check_count(len(self.certs), MAX_CERTS, "certificates", "the timeline",
                    "renew less often or plan a shorter period")
        check_count(len(self.releases), MAX_RELEASES, "releases", "the timeline",
                    "release less often or plan a shorter period")
        object.__setattr__(self, "certs", tuple(sorted(self.certs, key=lambda c: (c.deployed, c.issued))))
        object.__setattr__(self, "releases", tuple(sorted(self.releases, key=lambda r: (r.live, r.version))))
        if self.releases[0].live > self.start:
            raise ScheduleError(f"no release is live on the first day ({self.start}); the first one goes live "
                                f"on {self.releases[0].live}, so start the timeline then or ship earlier.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Summary:
    """The headline figures of one simulation."""

    peak_lockout: float
    peak_day: _dt.date | None
    user_days_locked_out: float
    first_lockout: _dt.date | None
    last_lockout: _dt.date | None
    days_unprotected: int
    user_days_unprotected: float

    def lines(self) -> list[str]:
        when = f" on {self.peak_day}" if self.peak_day else ""
        span = (f"from {self.first_lockout} to {self.last_lockout}" if self.first_lockout else "never")
        return [
            f"peak lockout:          {self.peak_lockout:.2%} of users{when}",
            f"user-days locked out:  {self.user_days_locked_out:.1f} (per user: 1 = everyone for a day)",
            f"anyone locked out:     {span}",
            f"days with unprotected users: {self.days_unprotected} "
            f"({self.user_days_unprotected:.1f} user-days without pinning)",
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass(frozen=True)
class Result:
    """What :func:`simulate` returns: per-version and total shares for every day."""

    timeline: Timeline
    dates: np.ndarray          # (T,) datetime64[D]
    share: np.ndarray          # (V, T) share of all users on each version
    state: np.ndarray          # (V, T) CONNECTED / UNPROTECTED / LOCKED_OUT
    server_ok: np.ndarray      # (T,) a valid certificate is deployed

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(r.version for r in self.timeline.releases)

    def per_version(self, code: int) -> np.ndarray:
        """(V, T): the share of all users who are on each version *and* in state ``code`` each day."""
        return self.share * (self.state == code)

    def _total(self, code: int) -> np.ndarray:
        return self.per_version(code).sum(axis=0)

    @property
    def connected(self) -> np.ndarray:
        return self._total(CONNECTED)

    @property
    def unprotected(self) -> np.ndarray:
        return self._total(UNPROTECTED)

    @property
    def locked_out(self) -> np.ndarray:
        return self._total(LOCKED_OUT)

    def index(self, day) -> int:
        i = (as_date(day) - self.timeline.start).days
        if not 0 <= i < self.share.shape[1]:
            raise DateError(f"{day} is outside the timeline {self.timeline.start}..{self.timeline.end}; "
                            "pick a day inside it.")
        return i

    def on(self, day) -> dict[str, float]:
        """The three shares on one day, rounded for display."""
        i = self.index(day)
        return {name: round(float(self._total(code)[i]), 6) for code, name in enumerate(STATE_NAMES)}

    @property
    def summary(self) -> Summary:
        locked, unprot = self.locked_out, self.unprotected
        peak_i = int(np.argmax(locked))
        hit = np.flatnonzero(locked > NOBODY)
        start = self.timeline.start
        as_day = lambda i: start + _dt.timedelta(days=int(i))  # noqa: E731
        return Summary(
            peak_lockout=float(locked[peak_i]),
            peak_day=as_day(peak_i) if locked[peak_i] > NOBODY else None,
            user_days_locked_out=float(locked.sum()),
            first_lockout=as_day(hit[0]) if hit.size else None,
            last_lockout=as_day(hit[-1]) if hit.size else None,
            days_unprotected=int((unprot > NOBODY).sum()),
            user_days_unprotected=float(unprot.sum()),
        )


def _day_numbers(timeline: Timeline, dates, missing: float = np.inf) -> np.ndarray:
    """Days since the timeline's start, as floats (``missing`` for ``None``)."""
    return np.array([missing if d is None else (d - timeline.start).days for d in dates], dtype=float)


def _pin_matches(releases, certs) -> np.ndarray:
    """(V, C): does release v carry a pin that certificate c's chain satisfies?

    Every pin gets a number; ``has[v, p]`` says release v carries pin p, and each certificate's
    four identities pick four columns of it: linear in versions x certificates.
    """
    ids: dict[str, int] = {}
    cert_ids = np.array([[ids.setdefault(p, len(ids)) for p in sorted(c.identities())] for c in certs])
    rows = [v for v, r in enumerate(releases) for _ in r.pins]
    cols = [ids.get(p, len(ids)) for r in releases for p in r.pins]
    has = np.zeros((len(releases), len(ids) + 1), dtype=bool)
    has[rows, cols] = True
    return has[:, cert_ids].any(axis=2)


def chain_states(timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """(state per version and day, server-ok per day): pins against the served chain."""
    t = np.arange(timeline.days)
    certs, releases = timeline.certs, timeline.releases
    served = np.searchsorted(_day_numbers(timeline, [c.deployed for c in certs]), t, side="right") - 1
    expiry = _day_numbers(timeline, [c.expires for c in certs])
    server_ok = (served >= 0) & (t < expiry[np.maximum(served, 0)])
    matches = _pin_matches(releases, certs)                                                   # (V, C)
    match = matches[:, np.maximum(served, 0)]                                                 # (V, T)
    pins_off = t[None, :] >= _day_numbers(timeline, [r.expires for r in releases])[:, None]
    state = np.where(pins_off, UNPROTECTED, np.where(match, CONNECTED, LOCKED_OUT))
    state = np.where(server_ok[None, :], state, LOCKED_OUT).astype(np.int8)
    return state, server_ok


def _segments(timeline: Timeline, n_days: int) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Day ranges [a, b] during which the newest live version stays the same, and that version."""
    live = _day_numbers(timeline, [r.live for r in timeline.releases])
    starts = [0] + [int(x) for x in live if 0 < x < n_days]
    newest = np.searchsorted(live, np.array(starts), side="right") - 1
    return list(zip(starts, starts[1:] + [n_days - 1], strict=True)), newest


def update_shares(timeline: Timeline, locked: np.ndarray) -> np.ndarray:
    """Share of all users on each version per day (V, T), given which versions are locked out.

    Between two release dates the newest version is fixed, so every other version simply
    decays by its own cumulative update rate; the newest version holds the rest. That
    makes the loop run once per release, not once per day.
    """
    if timeline.users.force_update:
        return _shares_with_force_update(timeline, locked)
    return _shares_at_constant_rate(timeline, locked.shape)


def _shares_at_constant_rate(timeline: Timeline, shape: tuple[int, int]) -> np.ndarray:
    """Without force-update every updater leaves an old version at the same rate: one decay curve."""
    users, n_days = timeline.users, shape[1]
    decay = np.exp(-math.log(2) / users.half_life_days * np.arange(n_days))
    segments, newest = _segments(timeline, n_days)
    mass = 1.0 - users.never_update
    shares = np.zeros(shape)
    shares[newest[0], 0] = mass
    for (a, b), top in zip(segments, newest, strict=True):      # versions after `top` are not live yet
        seg = shares[:top + 1, a:a + 1] * decay[None, :b - a + 1]
        seg[top] = 0.0
        seg[top] = mass - seg.sum(axis=0)
        shares[:top + 1, a:b + 1] = seg
    shares[newest[0]] += users.never_update          # never-updaters keep the first day's version
    return shares


def _shares_with_force_update(timeline: Timeline, locked: np.ndarray) -> np.ndarray:
    """Two populations (updaters, never-updaters); a locked-out version's users update at the force rate.

    A population with base rate ``r`` has, by day ``t``, a cumulative hazard ``r * t + (f - r) * L[t]``,
    where ``L`` counts the locked-out days so far and ``f`` is the force rate: no per-day rate array.
    """
    users, (n_versions, n_days) = timeline.users, locked.shape
    force = math.log(2) / users.force_half_life_days
    locked_days = np.zeros((n_versions, n_days + 1))
    np.cumsum(locked, axis=1, out=locked_days[:, 1:])
    segments, newest = _segments(timeline, n_days)
    total = np.zeros((n_versions, n_days))
    for rate, mass in ((math.log(2) / users.half_life_days, 1.0 - users.never_update), (0.0, users.never_update)):
        shares = np.zeros((n_versions, n_days))
        shares[newest[0], 0] = mass
        for (a, b), top in zip(segments, newest, strict=True):      # versions after `top` are not live yet
            v = top + 1
            hazard = rate * np.arange(b - a + 1) + (force - rate) * (locked_days[:v, a:b + 1] - locked_days[:v, a:a + 1])
            seg = shares[:v, a:a + 1] * np.exp(-hazard)
            seg[top] = 0.0
            seg[top] = mass - seg.sum(axis=0)
            shares[:v, a:b + 1] = seg
        total += shares
    return total


def simulate(timeline: Timeline) -> Result:
    """Run the model: who is connected, unprotected or locked out, per version and day."""
    if not isinstance(timeline, Timeline):
        raise NotATimelineError(f"simulate() needs a Timeline, not {type(timeline).__name__}; build one with "
                                "rotation.scenario(...) or rotation.build_timeline(...).")
    state, server_ok = chain_states(timeline)
    share = update_shares(timeline, state == LOCKED_OUT)
    t = np.datetime64(timeline.start, "D") + np.arange(timeline.days)
    return Result(timeline, t, share, state, server_ok)


def successor(label: str) -> str:
    """The next label in a numbered series: ``K7`` -> ``K8`` (used to name backup keys)."""
    m = re.fullmatch(r"(.*?)(\d+)", label)
    return f"{m.group(1)}{int(m.group(2)) + 1}" if m else f"{label}-next"
