"""The rotation planner: from a certificate schedule to a release calendar.

Every time the server starts presenting something the app has not pinned before (a new
certificate, key, intermediate or root, depending on the strategy), an app release must
have added that pin early enough: it needs ``review_days`` in the store's queue, then
enough days for all but ``target`` of the users to install it. With a half-life ``h``
and a never-update share ``n``, the share still lacking the pin ``d`` days after release is

    (1 - n) * 2**(-d / h)  +  n   (the last term only if the never-updaters' version lacks it)

so the release has to be live ``d = ceil(h * log2((1 - n) / (target - n)))`` days before
the rotation. When ``n`` alone is above the target, or the new pin cannot exist early
enough (a certificate cannot be pinned before it is issued), the target is impossible and
the planner says why. It then builds that calendar's releases and runs the simulator on
them, so every plan comes with its measured lockout.

The work grows with the number of certificates times the number of releases, never faster:
each look-up ("which certificate is served on this day", "is a release submitted in this
window") is a binary search, and the simulator's own limits bound both counts.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np

from ..pinning.strategy import Strategy
from .errors import OutOfRangeError, ScheduleError, shown
from .model import (
    MAX_PINS,
    MAX_RELEASES,
    NOBODY,
    Cert,
    Release,
    Timeline,
    Users,
    as_date,
    check_span,
    percent,
    simulate,
)
from .scenarios import primary_pin, release_train, whole_days

DAY = _dt.timedelta(days=1)


@dataclass(frozen=True)
class PinChange:
    """One rotation: the day the server moves from pin ``old`` to pin ``new``, and its calendar."""

    day: _dt.date
    old: str
    new: str
    known_from: _dt.date
    ship_by: _dt.date | None
    earliest_rotation: _dt.date | None
    adoption_days: int | None
    feasible: bool
    reasons: tuple[str, ...] = ()
    in_first_release: bool = False

    def lines(self) -> list[str]:
        head = f"{self.day}  server moves {self.old} -> {self.new}"
        if not self.feasible:
            return [head, *(f"    IMPOSSIBLE: {why}" for why in self.reasons)]
        drop = f"    drop {self.old} from releases built on or after {self.day}"
        if self.in_first_release:
            return [head, f"    {self.new} is a backup pin in the first release, so every user has it: "
                          f"rotating is safe from {self.earliest_rotation}", drop]
        return [head,
                f"    ship the release adding {self.new} by {self.ship_by} (review, then {self.adoption_days} "
                "days of adoption)",
                f"    earliest safe rotation: {self.earliest_rotation} ({self.new} can ship from "
                f"{self.known_from})", drop]


def adoption_days(users: Users, target: float, never_lacking: float) -> int | None:
    """Days after going live until at most ``target`` of users lack a release; None if never."""
    room = target - never_lacking
    if room <= 0:
        return None
    updaters = 1.0 - users.never_update
    if updaters <= room:
        return 0
    if users.adoption is not None:                  # a mixture or a measured curve: search it
        return users.adoption.days_until(updaters - room)
    return math.ceil(users.half_life_days * math.log2(updaters / room) - 1e-9)


def pin_changes(certs: Sequence[Cert], strategy: Strategy, start, end) -> list[tuple[_dt.date, str, str, Cert]]:
    """(day, old pin, new pin, new certificate) for each change of pinned identity in [start, end]."""
    ordered = sorted(certs, key=lambda c: c.deployed)
    changes = []
    for before, after in pairwise(ordered):
        old, new = primary_pin(strategy, before), primary_pin(strategy, after)
        if old != new and start < after.deployed <= end:
            changes.append((after.deployed, old, new, after))
    return changes


def first_issued(certs: Sequence[Cert], strategy: Strategy) -> dict[str, _dt.date]:
    """For each pin, the day the first certificate it matches under ``strategy`` was issued."""
    first: dict[str, _dt.date] = {}
    for cert in certs:
        pin = primary_pin(strategy, cert)
        first[pin] = min(first.get(pin, cert.issued), cert.issued)
    return first


def _known_from(strategy, new, first, previous_day, start, overrides) -> _dt.date:
    if new in overrides:
        return as_date(overrides[new], f"known_from for {new}")
    if strategy is Strategy.LEAF_SPKI_BACKUP:
        return previous_day            # the next backup key is generated at the previous rollover
    return max(first[new], start)


def _reasons(strategy, cert, users, target, review_days, adoption, never_lacking) -> list[str]:
    reasons = []
    if adoption is None:
        reasons.append(f"{percent(users.never_update)} of users never update and stay on the first release, "
                       f"which lacks this pin; that alone exceeds the {percent(target)} target, so pin it as a "
                       "backup in the first release or give pin sets an expiry (old versions then fail open)")
    elif strategy is Strategy.CERTIFICATE and cert.lifetime_days <= review_days + adoption:
        reasons.append(f"certificate pinning cannot work with {cert.lifetime_days}-day certificates: each new "
                       f"certificate must sit in a live app for {review_days} days of review plus {adoption} "
                       "days of adoption before it is deployed, longer than it lives; pin a key instead")
    return reasons


@dataclass
class Plan:
    """A release calendar, the releases it implies, and the simulated result of following it."""

    strategy: Strategy
    target: float
    changes: list[PinChange]
    timeline: Timeline
    warnings: list[str]

    @property
    def feasible(self) -> bool:
        return all(c.feasible for c in self.changes)

    @cached_property
    def result(self):
        return simulate(self.timeline)

    def lines(self) -> list[str]:
        out = [f"Plan for {self.strategy} pinning, lockout target {percent(self.target)}:"]
        if not self.changes:
            out.append("    the pinned identity never changes in this period: nothing to schedule")
        previous: tuple[str, ...] = ()
        for change in self.changes:
            lines = change.lines()
            if not change.feasible and change.reasons == previous:
                lines = [lines[0], "    IMPOSSIBLE: the same reason as above"]
            out += lines
            previous = change.reasons
        out += ["", "Following this calendar:"] + ["    " + s for s in self.result.summary.lines()]
        out += [f"warning: {w}" for w in self.warnings]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def plan_rotation(certs: Sequence[Cert], strategy: Strategy | str, *, start, end, users: Users | None = None,
                  review_days: int = 2, cadence_days: int = 14, target: float = 0.005,
                  pin_expiry_days: int | None = None, known_from: Mapping[str, object] | None = None,
                  extra_pins=(), backup_keys: int = 1, platforms=()) -> Plan:
    """Plan every pin change in ``certs`` so that lockout stays at or below ``target``.

    ``known_from`` maps a pin to the first day it may be put in an app (by default: the
    day its certificate is issued; for ``leaf-spki+backup``, the previous rollover). ``extra_pins``
    go into every planned release; ``platforms`` (see :mod:`.stores`) are used to simulate the
    calendar (the calendar itself uses ``review_days``: give the slowest store's).
    """
    strategy = Strategy.parse(strategy)
    start, end, users = as_date(start, "plan start"), as_date(end, "plan end"), users or Users()
    check_span(start, end, "the plan")
    review_days, cadence_days = whole_days(review_days, "review_days"), whole_days(cadence_days, "cadence_days", 1)
    if pin_expiry_days is not None:
        pin_expiry_days = whole_days(pin_expiry_days, "pin_expiry_days", 1)
    if isinstance(target, bool) or not isinstance(target, numbers.Real):
        raise OutOfRangeError(f"target {shown(target)} is not a number; write 0.5% as 0.005.")
    if not NOBODY <= target < 1:
        raise OutOfRangeError(f"target {shown(target)} is not a share from {NOBODY:g} (one user in a million) "
                              "to 1; write 0.5% as 0.005.")
    first_submit = start - review_days * DAY
    first_expiry = first_submit + pin_expiry_days * DAY if pin_expiry_days else None
    changes, previous, first = [], first_submit, first_issued(certs, strategy)
    for day, old, new, cert in pin_changes(certs, strategy, start, end):
        known = max(_known_from(strategy, new, first, previous, start, known_from or {}), first_submit)
        if new in extra_pins:
            known = first_submit                 # pinned in every release, the first one included
        in_first = known <= first_submit       # the first release already carries it as a backup
        lacking = 0.0 if in_first or (first_expiry and first_expiry <= day) else users.never_update
        adoption = 0 if in_first else adoption_days(users, target, lacking)
        reasons = _reasons(strategy, cert, users, target, review_days, adoption, lacking)
        ship_by = earliest = None
        if adoption is not None:
            ship_by = day - (review_days + adoption) * DAY
            earliest = start if in_first else known + (review_days + adoption) * DAY
            if not reasons and ship_by < known:
                reasons.append(f"{new} can first be shipped on {known} but would have to ship by {ship_by}; "
                               f"rotate on {earliest} or later, or make {new} known earlier")
        changes.append(PinChange(day, old, new, known, ship_by, earliest, adoption, not reasons, tuple(reasons),
                                 in_first))
        previous = day
    releases = planned_releases(certs, strategy, changes, start=start, end=end, review_days=review_days,
                                cadence_days=cadence_days, pin_expiry_days=pin_expiry_days)
    if extra_pins or backup_keys > 1:
        releases = tuple(_with_extra(r, strategy, certs, extra_pins, backup_keys) for r in releases)
    timeline = Timeline(start, end, tuple(certs), releases, users, name="plan", strategy=strategy,
                        platforms=tuple(platforms))
    return Plan(strategy, target, changes, timeline, _warnings(timeline, changes, pin_expiry_days, users))


def _with_extra(release: Release, strategy, certs, extra_pins, backup_keys: int) -> Release:
    """``release`` with ``extra_pins``, and more backup keys after each pinned key for ``leaf-spki+backup``."""
    from dataclasses import replace

    from .model import successor

    pins = set(release.pins) | set(extra_pins)
    if strategy is Strategy.LEAF_SPKI_BACKUP:
        for pin in [p for p in release.pins if p.startswith("key:")]:
            key = pin[4:]
            for _ in range(backup_keys):
                key = successor(key)
                pins.add(f"key:{key}")
    return replace(release, pins=frozenset(pins))


def planned_releases(certs, strategy, changes, *, start, end, review_days, cadence_days,
                     pin_expiry_days) -> tuple[Release, ...]:
    """The release train, each release pinning what is served plus every announced next pin.

    When no regular release falls between the day a new pin is known and the day it must
    ship, an extra release goes out on the ship-by date.
    """
    ordered = sorted(certs, key=lambda c: c.deployed)
    deployed = [c.deployed for c in ordered]
    known = np.array([c.known_from.toordinal() for c in changes], dtype=np.int64)
    until = np.array([c.day.toordinal() for c in changes], dtype=np.int64)

    def pins(day):
        served = ordered[max(bisect.bisect_right(deployed, max(day, start)) - 1, 0)]
        upcoming = {changes[i].new for i in np.flatnonzero((known <= day.toordinal()) & (day.toordinal() < until))}
        if len(upcoming) >= MAX_PINS:
            raise ScheduleError(f"a release built on {day} would carry {len(upcoming)} announced pins, more than "
                                f"the {MAX_PINS} pins an app can carry; announce fewer at once (known_from, or "
                                "certificates issued closer to their deployment).")
        return frozenset({primary_pin(strategy, served)} | upcoming)

    train = list(release_train(certs, strategy, start=start, end=end, cadence_days=cadence_days,
                               review_days=review_days, pin_expiry_days=pin_expiry_days, pins=pins))
    submitted = [r.submitted for r in train]          # ascending: the train is built in order
    for change in changes:
        if not change.feasible:
            continue
        first = bisect.bisect_left(submitted, change.known_from)
        if first < len(submitted) and submitted[first] <= change.ship_by:
            continue                                  # a regular release already carries the new pin
        at = bisect.bisect_right(submitted, change.ship_by)
        extra = Release.ship(f"{train[at - 1].version}.1", change.ship_by, pins(change.ship_by),
                             review_days=review_days, expires_after_days=pin_expiry_days)
        train.insert(at, extra)
        submitted.insert(at, change.ship_by)
        if len(train) > MAX_RELEASES:
            raise ScheduleError(f"the calendar needs more than {MAX_RELEASES} releases, the most the simulator "
                                "handles, counting the extra ones that ship each new pin in time; rotate keys "
                                "less often or plan a shorter period.")
    return tuple(train)


def _warnings(timeline: Timeline, changes, pin_expiry_days, users: Users) -> list[str]:
    warnings = []
    for a, b in pairwise(timeline.certs):
        if b.deployed > a.expires:
            warnings.append(f"no valid certificate from {a.expires} to {b.deployed}: every user is locked out "
                            "(renew before expiry)")
    if pin_expiry_days:
        warnings.append(f"pin sets expire {pin_expiry_days} days after each build: users who stop updating "
                        "lose pinning then (they fail open, unprotected)")
    if users.never_update and not pin_expiry_days and any(not c.feasible for c in changes):
        warnings.append("without pin-set expiry or a backup in the first release, never-updaters are locked "
                        "out for good at the first uncovered rotation")
    if users.force_update and not users.min_versions and any(not c.feasible for c in changes):
        warnings.append("reactive force-update only shortens a lockout: locked-out users still wait for a "
                        "release that carries the new pin; a minimum-version bump to such a release, shipped "
                        "before the rotation (min_versions), prevents it for everyone who can update")
    return warnings
