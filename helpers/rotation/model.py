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

That is the first model of lesson 07. :class:`Users` can make it realistic (all off by default):
an adoption curve with a fast head and a slow tail, or a team's measured CSV (:mod:`.adoption`); new
installs and churn; OS cut-offs that strand users on old versions; dormant users whom no prompt
reaches; and proactive force-update (a minimum-version bump with a date). :mod:`.stores` adds
per-platform review, phased rollout, rejection and pin-set expiry. A timeline can also give a
second hostname (``api-v2``) its own certificates; each release says which hostname it talks to.

**Each day each version is in one state**: *connected* (pins checked and matched),
*unprotected* (its Android-style pin-set expiry has passed, so pinning is off: it connects,
but trusts any CA; pin-set expiry fails open), or *locked out* (no pin matches, or the
server's certificate has expired). The three shares partition the users: they sum to 1.

**Limits.** The arrays are (versions x days), so a timeline spans at most :data:`MAX_DAYS` days
with at most :data:`MAX_CERTS` certificates, :data:`MAX_RELEASES` releases and :data:`MAX_PINS`
pins per release; past them the simulator says so in one sentence instead of running for minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import numbers
import re
from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np

from ..pinning.strategy import Strategy
from .adoption import Adoption
from .errors import DateError, NotATimelineError, PinLabelError, ScheduleError, UsersError, shown
from .stores import Platform, as_platforms

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
    host: str = ""          # "" is the main API hostname; e.g. "api-v2" for the second-hostname mitigation

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
             expires_after_days: int | None = None, expires_on=None, host: str = "") -> Release:
        """A release that goes live ``review_days`` after submission, with optional pin-set expiry.

        Android writes the expiry into the XML as an absolute date: ``expires_after_days`` is what a
        build script that stamps "build day + N" produces, ``expires_on`` a date typed in once and kept.
        """
        submitted = as_date(submitted, f"release {version} submitted")
        expires = None if not expires_after_days else submitted + _dt.timedelta(days=int(expires_after_days))
        if expires_on is not None:
            expires = as_date(expires_on, f"release {version} pin-set expiry")
        return cls(version, submitted, submitted + _dt.timedelta(days=int(review_days)), frozenset(pins), expires,
                   host)


@dataclass(frozen=True)
class Users:
    """How users update: half-life for updaters, the share that never updates, force-update.

    The first four fields are lesson 07's first model. The rest default to "off" and make it
    realistic (see :mod:`.adoption` and :mod:`.stores`):

    * ``adoption``: an :class:`~.adoption.Adoption` curve (a fast head and a slow tail, or a measured
      CSV); it replaces ``half_life_days``, and its never-update share replaces ``never_update``;
    * ``installs_per_day`` (new installs per day, as a share of the day-0 users; they arrive on the
      newest version their OS supports) and ``churn_per_day`` (the share of users who uninstall each day);
    * ``os_cutoffs``: ``(date, share)`` pairs: releases live from that date no longer support the OS of
      that share of users, who stop at the last release before it and cannot update even when forced;
    * ``dormant``: the part of the never-updaters who do not open the app, so a force-update prompt
      never reaches them;
    * ``force_update`` is **reactive** (a locked-out version is told to update); ``min_versions`` is
      **proactive**: ``(date, version)`` pairs, from that date every version older than ``version`` is
      told to update, whether or not it is locked out yet.
    """

    half_life_days: float = 10.0
    never_update: float = 0.03
    force_update: bool = False
    force_half_life_days: float = 1.0
    adoption: object = None
    installs_per_day: float = 0.0
    churn_per_day: float = 0.0
    os_cutoffs: tuple = ()
    dormant: float = 0.0
    min_versions: tuple = ()

    def __post_init__(self) -> None:
        if self.adoption is not None:
            if not isinstance(self.adoption, Adoption):
                raise UsersError(f"adoption is {shown(self.adoption)}, but it must be an Adoption curve; build one "
                                 "with Adoption.mixture(...) or Adoption.from_csv(path).")
            object.__setattr__(self, "never_update", self.adoption.never_update)
        for name in ("half_life_days", "never_update", "force_half_life_days", "installs_per_day",
                     "churn_per_day", "dormant"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
                    isinstance(value, float) and not math.isfinite(value)):
                raise UsersError(f"{name} is {shown(value)}, but it must be a number; write e.g. 10 or 0.03.")
        for name in ("never_update", "churn_per_day", "installs_per_day"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise UsersError(f"{name} is {shown(getattr(self, name))}, but a share lies between 0 and 1; "
                                 "write 3% as 0.03.")
        if not 0.0 <= self.dormant <= self.never_update + 1e-12:
            raise UsersError(f"dormant is {shown(self.dormant)}, but it is a part of the never-updaters "
                             f"({self.never_update:.3g}); give a share from 0 up to never_update.")
        low, high = HALF_LIFE_RANGE
        for name in ("half_life_days", "force_half_life_days"):
            if not low <= getattr(self, name) <= high:
                raise UsersError(f"{name} is {shown(getattr(self, name))}, but a half-life must be from {low} to "
                                 f"{high} days; write e.g. 10.")
        if not isinstance(self.force_update, bool | np.bool_):
            raise UsersError(f"force_update is {shown(self.force_update)}, but it must be True or False "
                             "(true or false in a plan file).")
        object.__setattr__(self, "force_update", bool(self.force_update))
        object.__setattr__(self, "os_cutoffs", _pairs(self.os_cutoffs, "os_cutoffs", _cutoff))
        object.__setattr__(self, "min_versions", _pairs(self.min_versions, "min_versions", _bump))
        if sum(s for _, s in self.os_cutoffs) > 1.0 - self.never_update + 1e-9:
            raise UsersError("the os_cutoffs shares add up to more than the users who update; make them smaller.")

    @property
    def simple(self) -> bool:
        """True when only the first model's four fields are used (the fast path)."""
        return (self.adoption is None and not self.installs_per_day and not self.churn_per_day
                and not self.os_cutoffs and not self.dormant and not self.min_versions)

    def curve(self):
        """The adoption curve these users follow (one half-life unless ``adoption`` is set)."""
        return self.adoption or Adoption.exponential(self.half_life_days, self.never_update)

    def adopted(self, days_since_live: float) -> float:
        """Share of *all* users on a release (or newer) this many days after it went live."""
        if self.adoption is not None:
            return float(self.adoption.updated(days_since_live))
        return (1.0 - self.never_update) * (1.0 - 2.0 ** (-max(days_since_live, 0.0) / self.half_life_days))


def _pairs(items, name: str, check) -> tuple:
    if isinstance(items, str | bytes) or not isinstance(items, list | tuple):
        raise UsersError(f"{name} is {shown(items)}, but it must be a list of (date, value) pairs.")
    if len(items) > MAX_PINS:
        raise UsersError(f"{name} lists {len(items)} entries, more than the {MAX_PINS} the simulator handles.")
    out = []
    for item in items:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise UsersError(f"{name} entry {shown(item)} is not a (date, value) pair.")
        out.append(check(*item))
    return tuple(sorted(out, key=lambda p: p[0]))


def _cutoff(day, share):
    if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0.0 <= share <= 1.0:
        raise UsersError(f"an os_cutoffs share is {shown(share)}, but a share lies between 0 and 1.")
    return as_date(day, "OS cut-off"), float(share)


def _bump(day, version):
    if not isinstance(version, str) or not version:
        raise UsersError(f"a min_versions version is {shown(version)}; write a release's version, like \"v20\".")
    return as_date(day, "minimum-version bump"), version


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
    platforms: tuple = ()              # store platforms (see .stores); empty: one store, as written
    second_host: tuple = ()            # certificates of the second hostname ("api-v2"), if any
    notes: tuple = ()                  # what happened while building it (e.g. a rollback)

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
        object.__setattr__(self, "second_host", tuple(sorted(self.second_host, key=lambda c: (c.deployed, c.issued))))
        if any(r.host for r in self.releases) and not self.second_host:
            raise ScheduleError("a release talks to a second hostname, but the timeline gives it no certificates.")
        known = {r.version for r in self.releases}
        for _, version in self.users.min_versions:
            if version not in known:
                raise ScheduleError(f"the minimum-version bump names {shown(version)}, which is not one of the "
                                    "releases; name a version the timeline ships.")
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


def _served(timeline: Timeline, certs) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(timeline.days)
    served = np.searchsorted(_day_numbers(timeline, [c.deployed for c in certs]), t, side="right") - 1
    expiry = _day_numbers(timeline, [c.expires for c in certs])
    return np.maximum(served, 0), (served >= 0) & (t < expiry[np.maximum(served, 0)])


def chain_states(timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """(state per version and day, server-ok per day): pins against the served chain."""
    t = np.arange(timeline.days)
    certs, releases = timeline.certs, timeline.releases
    served, server_ok = _served(timeline, certs)
    match = _pin_matches(releases, certs)[:, served]                                          # (V, T)
    ok = np.broadcast_to(server_ok, match.shape)
    if timeline.second_host:
        other, other_ok = _served(timeline, timeline.second_host)
        on_other = np.array([bool(r.host) for r in releases])[:, None]
        match = np.where(on_other, _pin_matches(releases, timeline.second_host)[:, other], match)
        ok = np.where(on_other, other_ok[None, :], ok)
    pins_off = t[None, :] >= _day_numbers(timeline, [r.expires for r in releases])[:, None]
    state = np.where(pins_off, UNPROTECTED, np.where(match, CONNECTED, LOCKED_OUT))
    state = np.where(ok, state, LOCKED_OUT).astype(np.int8)
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
    users = timeline.users
    if users.simple and not users.force_update:
        return _shares_at_constant_rate(timeline, locked.shape)
    if users.simple:
        return _shares_with_force_update(timeline, locked)
    return _shares_of_groups(timeline, forced_versions(timeline, locked))


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


def forced_versions(timeline: Timeline, locked: np.ndarray) -> np.ndarray:
    """(V, T): versions whose users are told to update: locked out (reactive force-update), or older
    than a minimum version from its date on (proactive force-update)."""
    users = timeline.users
    forced = locked.copy() if users.force_update else np.zeros_like(locked)
    index = {r.version: v for v, r in enumerate(timeline.releases)}
    for day, version in users.min_versions:
        since = max((day - timeline.start).days, 0)
        forced[:index[version], since:] = True
    return forced


def user_groups(timeline: Timeline) -> list[tuple[float, float, bool, int]]:
    """(share of users, update rate per day, reached by force-update, highest version index it can run)."""
    users, n = timeline.users, len(timeline.releases)
    live = [r.live for r in timeline.releases]
    caps = [(share, max(bisect_left(live, day) - 1, 0)) for day, share in users.os_cutoffs]
    stuck = sum(share for share, _ in caps)
    updaters = 1.0 - users.never_update
    groups = [(users.never_update - users.dormant, 0.0, True, n - 1), (users.dormant, 0.0, False, n - 1)]
    for weight, half_life in users.curve().parts:
        rate = math.log(2) / half_life
        part = weight / updaters if updaters > 0 else 0.0
        groups.append((weight - part * stuck, rate, True, n - 1))
        groups += [(part * share, rate, True, cap) for share, cap in caps]
    return [g for g in groups if g[0] > 0]


def _shares_of_groups(timeline: Timeline, forced: np.ndarray) -> np.ndarray:
    """The general model: several groups of users, installs and churn, OS cut-offs, force-update.

    Each group updates at its own constant rate (or at the force rate while its version is forced),
    never past the last version its OS supports. New installs arrive on the newest version they can
    run; churn removes users at the same rate from every version. Shares are of the users alive that day.
    """
    users, (n_versions, n_days) = timeline.users, forced.shape
    t = np.arange(n_days)
    churn, installs = users.churn_per_day, users.installs_per_day
    alive = np.exp(-churn * t)
    total = alive + (installs * (1.0 - alive) / churn if churn > 0 else installs * t)
    force = math.log(2) / users.force_half_life_days
    forced_days = np.zeros((n_versions, n_days + 1))
    np.cumsum(forced, axis=1, out=forced_days[:, 1:])
    segments, newest = _segments(timeline, n_days)
    out = np.zeros((n_versions, n_days))
    groups = user_groups(timeline)
    for cap in sorted({g[3] for g in groups}):       # groups that can run the same versions move together
        mass, rate, reached, _ = (np.array(col, dtype=float) for col in zip(*(g for g in groups if g[3] == cap),
                                                                           strict=True))
        mass, rate, push = mass[:, None, None], rate[:, None, None], (reached * np.maximum(force - rate, 0.0))
        tops = np.maximum(np.minimum(newest, cap), min(newest[0], cap))
        shares = np.zeros((len(rate), n_versions, n_days))
        shares[:, tops[0], 0] = mass[:, 0, 0]
        for (a, b), top in zip(segments, tops, strict=True):
            v, span = top + 1, np.arange(b - a + 1)
            hazard = (rate + churn) * span + push[:, None, None] * (forced_days[:v, a:b + 1] - forced_days[:v, a:a + 1])
            seg = shares[:, :v, a:a + 1] * np.exp(-hazard)
            seg[:, top] = 0.0
            seg[:, top] = mass[:, 0] * total[a:b + 1] - seg.sum(axis=1)
            shares[:, :v, a:b + 1] = seg
        out += shares.sum(axis=0)
    return out / total[None, :]


def simulate(timeline: Timeline) -> Result:
    """Run the model: who is connected, unprotected or locked out, per version and day."""
    if not isinstance(timeline, Timeline):
        raise NotATimelineError(f"simulate() needs a Timeline, not {type(timeline).__name__}; build one with "
                                "rotation.scenario(...) or rotation.build_timeline(...).")
    if timeline.platforms:
        return simulate_platforms(timeline)
    state, server_ok = chain_states(timeline)
    share = update_shares(timeline, state == LOCKED_OUT)
    t = np.datetime64(timeline.start, "D") + np.arange(timeline.days)
    return Result(timeline, t, share, state, server_ok)


def successor(label: str) -> str:
    """The next label in a numbered series: ``K7`` -> ``K8`` (used to name backup keys)."""
    m = re.fullmatch(r"(.*?)(\d+)", label)
    return f"{m.group(1)}{int(m.group(2)) + 1}" if m else f"{label}-next"


# --- stores: one simulation per platform (see .stores) ---------------------------------------------------

def platform_timeline(timeline, plat: Platform):
    """The timeline as one platform sees it: its release dates, its expiry rules, its users."""
    releases = tuple(dataclasses.replace(r, version=f"{plat.name} {r.version}", live=plat.live(r, timeline.start),
                                         expires=r.expires if plat.has_expiry else None)
                     for r in timeline.releases)
    bumps = tuple((day, f"{plat.name} {v}") for day, v in timeline.users.min_versions)
    curve = timeline.users.adoption or plat.adoption     # a team's own curve wins over the preset
    never = curve.never_update if curve is not None else timeline.users.never_update
    users = dataclasses.replace(timeline.users, adoption=curve, min_versions=bumps,
                                dormant=min(timeline.users.dormant, never))   # dormant users are never-updaters
    return Timeline(timeline.start, timeline.end, timeline.certs, releases, users, name=f"{timeline.name} ({plat.name})",
                    strategy=timeline.strategy, second_host=timeline.second_host, notes=timeline.notes)


def simulate_platforms(timeline):
    """Simulate each platform and stack the results: one row per platform and version, shares of all users."""
    parts = [(p, simulate(platform_timeline(timeline, p))) for p in as_platforms(timeline.platforms)]
    releases = tuple(r for _, res in parts for r in res.timeline.releases)
    users = dataclasses.replace(timeline.users, min_versions=())     # its versions are renamed per store
    combined = Timeline(timeline.start, timeline.end, timeline.certs, releases, users, name=timeline.name,
                        strategy=timeline.strategy, second_host=timeline.second_host, notes=timeline.notes)
    rows = {r.version: v for v, r in enumerate(combined.releases)}
    share = np.zeros((len(releases), timeline.days))
    state = np.zeros((len(releases), timeline.days), dtype=np.int8)
    for plat, res in parts:
        for v, r in enumerate(res.timeline.releases):
            share[rows[r.version]] = plat.share * res.share[v]
            state[rows[r.version]] = res.state[v]
    return Result(combined, parts[0][1].dates, share, state, parts[0][1].server_ok)
