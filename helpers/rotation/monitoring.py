"""Expiry monitoring: when alerts fire, and why fixed thresholds stop working.

The classic set-up warns 90, 60, 30 and 14 days before a certificate expires. That
assumes certificates live for a year. Under SC-081v3 a 47-day certificate is *born*
inside the 90- and 60-day windows, and inside the 30-day window after 17 days: those
alerts fire at issuance, on every renewal, and teach people to ignore them. Alerts set as
a *fraction of the lifetime* keep their meaning at any lifetime: "a third of its life left
and not yet renewed" means the same for 398 days and for 6.

A pinned app adds two more clocks: the pin-set expiry of each release (after which it
fails open), and the next planned key rollover (before which the backup pin must be out).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ..clock import today
from ..show import Table
from .errors import OutOfRangeError
from .model import Cert, Release, as_date

FIXED_THRESHOLDS = (90, 60, 30, 14)
#: Fractions of the lifetime still left when an alert fires.
LIFETIME_FRACTIONS = (1 / 3, 1 / 6, 1 / 12)


@dataclass(frozen=True)
class Alert:
    """One alert: what it is about, when it fires, and whether it is noise."""

    subject: str
    rule: str
    fires_on: _dt.date
    noise: bool = False
    note: str = ""

    def row(self) -> tuple[str, str, str, str]:
        """(fires on, subject, rule, note) for :func:`alert_report`."""
        return str(self.fires_on), self.subject, self.rule, f"noise: {self.note}" if self.noise else self.note


def fixed_alerts(certs: Sequence[Cert], thresholds: Sequence[int] = FIXED_THRESHOLDS) -> list[Alert]:
    """The ``N days before expiry`` alerts; an alert due before issuance fires at once and is noise."""
    alerts = []
    for cert in certs:
        for days in thresholds:
            due = cert.expires - _dt.timedelta(days=int(days))
            early = due <= cert.issued
            alerts.append(Alert(cert.label, f"{days} days before expiry", max(due, cert.issued), early,
                                f"the certificate lives only {cert.lifetime_days} days" if early else ""))
    return sorted(alerts, key=lambda a: (a.fires_on, a.subject))


def fractional_alerts(certs: Sequence[Cert], fractions: Sequence[float] = LIFETIME_FRACTIONS) -> list[Alert]:
    """Alerts when a fraction of the lifetime is left; never noise, however short the lifetime."""
    if any(not 0 < f < 1 for f in fractions):
        raise OutOfRangeError(f"alert fractions {tuple(fractions)} must lie between 0 and 1; use e.g. 1/3.")
    alerts = []
    for cert in certs:
        for frac in fractions:
            left = cert.lifetime_days * frac
            due = cert.issued + _dt.timedelta(days=math.floor(cert.lifetime_days - left))  # the day it falls in
            alerts.append(Alert(cert.label, f"1/{round(1 / frac)} of life left", due, False,
                                f"{left:.1f} days before expiry"))
    return sorted(alerts, key=lambda a: (a.fires_on, a.subject))


def noise_share(alerts: Sequence[Alert]) -> float:
    """The share of alerts that are noise (fire at issuance)."""
    return sum(a.noise for a in alerts) / len(alerts) if alerts else 0.0


def pin_alerts(releases: Sequence[Release], certs: Sequence[Cert], *, on=None,
               warn_days: int = 30) -> list[Alert]:
    """Alerts about pins: pin sets expiring soon, and a key rollover that old versions have not pinned.

    ``on`` is the day you look (default: the course clock's today); only events within
    ``warn_days`` after it, or already overdue, are listed.
    """
    on = as_date(on, "monitoring day") if on is not None else today()
    horizon = on + _dt.timedelta(days=warn_days)
    alerts = []
    for rel in releases:
        if rel.expires and on <= rel.expires <= horizon:
            alerts.append(Alert(rel.version, "pin set expires", rel.expires, False,
                                "its remaining users lose pinning: it fails open"))
    ordered = sorted(certs, key=lambda c: c.deployed)
    for before, after in pairwise(ordered):
        if after.key != before.key and on <= after.deployed <= horizon:
            missing = [r.version for r in releases if r.live <= on and f"key:{after.key}" not in r.pins]
            note = (f"{len(missing)} live versions lack key:{after.key} ({missing[0]} to {missing[-1]})"
                    if missing else f"every live version pins key:{after.key}")
            alerts.append(Alert(after.label, f"key rollover to {after.key}", after.deployed, False, note))
    return sorted(alerts, key=lambda a: (a.fires_on, a.subject))


def alert_report(alerts: Sequence[Alert], limit: int = 12) -> str:
    """Alerts as a text table, one row each (the first ``limit``), and the share of noise."""
    lines = [Table(("fires on", "about", "rule", "note"), [a.row() for a in alerts[:limit]]).text()]
    if len(alerts) > limit:
        lines.append(f"... and {len(alerts) - limit} more")
    lines.append(f"{len(alerts)} alerts, {noise_share(alerts):.0%} of them noise")
    return "\n".join(lines)
