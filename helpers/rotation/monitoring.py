"""Expiry monitoring: when alerts fire, and why fixed thresholds stop working.

The classic set-up warns 90, 60, 30 and 14 days before a certificate expires. That
assumes certificates live for a year. Under SC-081v3 a 47-day certificate is *born*
inside the 90- and 60-day windows, and inside the 30-day window after 17 days: those
alerts fire at issuance, on every renewal, and teach people to ignore them. Alerts set as
a *fraction of the lifetime* keep their meaning at any lifetime: "a third of its life left
and not yet renewed" means the same for 398 days and for 6.

A pinned app adds two more clocks: the pin-set expiry of each release (after which it
fails open), and the next planned key rollover (before which the backup pin must be out).

**But both kinds of expiry alert are noise when renewal works.** Under the course's renewal rule
(renew when a third of the lifetime is left), a fraction alert fires on the day of routine renewal,
and fixed alerts fire at issuance or on certificates already replaced. :func:`is_noise` counts an
alert as noise when its certificate was renewed on time: honest, and in a healthy run every one of
them is. :func:`probe_alerts` is the monitoring to use instead: it probes the **served** certificate
(and each new certificate before it is deployed) and alerts only on what is actually wrong:

* *renewal overdue*: the served certificate is past its renewal point by more than ``slack_days``;
* *renewal failed*: the ACME client reported a failure (its exit status, not a probe);
* *key not pinned*: a new certificate matches no pin of the versions that more than ``target`` of the
  users still run (on the day it is issued, so that it can be held back);
* *pin set expiring*: a release that still has users reaches its pin-set expiry within ``warn_days``.

:func:`healthy_counts` and :func:`fault_drill` measure both: alerts in a healthy run (should be 0)
and, for each injected fault, whether an alert comes before the first locked-out user.
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
from .model import Cert, Release, Timeline, as_date, simulate

FIXED_THRESHOLDS = (90, 60, 30, 14)
#: A release counts as in use while at least this share of users runs it (0.1%, as in the figure).
IN_USE = 0.001
#: The share of users a new key may leave without a matching pin (the planner's default target, 0.5%).
LOCKOUT_TARGET = 0.005
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
    """The share of alerts marked noise when they were made: only those that fire at issuance.

    That undercounts: under the renewal rule, alerts also fire on the renewal day or after the certificate
    was replaced. :func:`is_noise` counts those too (see :func:`healthy_counts`)."""
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
    """Alerts as a text table, one row each (the first ``limit``), and their count.

    When some alerts are marked noise (only expiry alerts that fire at issuance are), the count says
    what share; probe alerts are never marked, so no share is claimed for them."""
    lines = [Table(("fires on", "about", "rule", "note"), [a.row() for a in alerts[:limit]]).text()]
    if len(alerts) > limit:
        lines.append(f"... and {len(alerts) - limit} more")
    marked = f", {noise_share(alerts):.0%} of them noise (they fire at issuance)" if any(a.noise for a in alerts) else ""
    lines.append(f"{len(alerts)} alerts{marked}")
    return "\n".join(lines)


def _renewal_due(cert: Cert) -> _dt.date:
    """The day the course's renewal rule renews ``cert`` (a third of its lifetime left)."""
    from .scenarios import renewal_interval

    return cert.issued + _dt.timedelta(days=renewal_interval(cert.lifetime_days))


def is_noise(alert: Alert, certs: Sequence[Cert], slack_days: int = 3) -> bool:
    """An expiry alert is noise when its certificate was replaced by its renewal point plus the slack."""
    by_label = {c.label: c for c in certs}
    cert = by_label.get(alert.subject)
    if cert is None:
        return False
    later = [c.deployed for c in certs if c.deployed > cert.deployed]
    return bool(later) and min(later) <= _renewal_due(cert) + _dt.timedelta(days=slack_days)


def unpinned_share(timeline: Timeline, result, cert: Cert) -> tuple[float, list[str]]:
    """On the day ``cert`` is issued: the share of users on versions that enforce pins, none of which
    ``cert`` satisfies (still enforcing when it is deployed), and those versions that are in use."""
    day = min(max(cert.issued, timeline.start), timeline.end)
    t = (day - timeline.start).days
    lacking = [v for v, rel in enumerate(timeline.releases)
               if not rel.host and not rel.pins & cert.identities()
               and (rel.expires is None or rel.expires > cert.deployed)]
    share = float(result.share[lacking, t].sum()) if lacking else 0.0
    return share, [timeline.releases[v].version for v in lacking if result.share[v, t] >= IN_USE]


def probe_alerts(timeline: Timeline, *, slack_days: int = 3, warn_days: int = 30, failed_renewals: Sequence = (),
                 result=None, target: float = LOCKOUT_TARGET) -> list[Alert]:
    """Alerts from probing the served certificate each day, and each new certificate before deployment.

    Each problem alerts once, on the first day it is true (see the module's list). ``result`` is the
    timeline's simulation, if you have it (for the users on each version). ``target`` is the share of
    users a new key may leave without a matching pin before it alerts.
    """
    certs, releases = timeline.certs, timeline.releases
    result = result if result is not None else simulate(timeline)
    alerts = [Alert("ACME client", "renewal failed", as_date(d, "failed renewal"), False,
                    "the client's exit status says the renewal did not happen") for d in failed_renewals]
    slack = _dt.timedelta(days=slack_days)
    for i, cert in enumerate(certs):
        nxt = certs[i + 1].deployed if i + 1 < len(certs) else None
        overdue = _renewal_due(cert) + slack + _dt.timedelta(days=1)
        if overdue <= timeline.end and (nxt is None or nxt > overdue) and overdue < cert.expires:
            alerts.append(Alert(cert.label, "renewal overdue", overdue, False,
                                f"served past its renewal point by {slack_days} days; expires {cert.expires}"))
        share, versions = unpinned_share(timeline, result, cert)
        if share > target:
            named = f"{versions[0]} to {versions[-1]}" if len(versions) > 1 else "".join(versions) or "old versions"
            alerts.append(Alert(cert.label, "key not pinned", cert.issued, False,
                                f"key {cert.key} / {cert.intermediate} matches no pin of {named}: "
                                f"{share:.1%} of users; it is deployed on {cert.deployed}"))
    for v, rel in enumerate(releases):
        if rel.expires is None or not timeline.start <= rel.expires <= timeline.end:
            continue
        warn = max(rel.expires - _dt.timedelta(days=warn_days), timeline.start)
        if result.share[v, (warn - timeline.start).days] >= IN_USE:
            alerts.append(Alert(rel.version, "pin set expiring", warn, False,
                                f"on {rel.expires} its users lose pinning (it fails open)"))
    return sorted(alerts, key=lambda a: (a.fires_on, a.subject))


def healthy_counts(years: float = 3, lifetime: int = 47, slack_days: int = 3) -> dict[str, tuple[int, int]]:
    """(alerts, of which noise) in a healthy run: renewals on time, a backup pin, key reused, no expiry."""
    from .scenarios import build_timeline

    timeline = build_timeline(strategy="leaf-spki+backup", lifetime=lifetime, key_reuse=True, years=years,
                              name=f"healthy, {lifetime}-day certificates")
    certs = timeline.certs
    counts = {}
    for name, alerts in (("fixed 90/60/30/14 days", fixed_alerts(certs)),
                         ("fraction of lifetime", fractional_alerts(certs)),
                         ("probes of the served certificate", probe_alerts(timeline, slack_days=slack_days))):
        counts[name] = (len(alerts), sum(is_noise(a, certs, slack_days) for a in alerts))
    return counts


def inject(timeline: Timeline, fault: str, day) -> Timeline:
    """``timeline`` with one fault from ``day``: ``"renewal fails"`` (no certificate is renewed from then
    on) or ``"unpinned key"`` (the next certificate, issued a day before it is deployed, has a key no
    app pins)."""
    import dataclasses

    day = as_date(day, "fault day")
    certs = list(timeline.certs)
    if fault == "renewal fails":
        certs = [c for c in certs if c.deployed < day]
    elif fault == "unpinned key":
        i = next(i for i, c in enumerate(certs) if c.deployed >= day)
        c = certs[i]
        certs[i] = dataclasses.replace(c, issued=c.deployed - _dt.timedelta(days=1), key="K-unpinned")
    else:
        raise OutOfRangeError(f"unknown fault {fault!r}; use \"renewal fails\" or \"unpinned key\".")
    return dataclasses.replace(timeline, certs=tuple(certs), name=f"{timeline.name}, {fault}")


def fault_drill(timeline: Timeline | None = None, day="2027-06-01", slack_days: int = 3) -> Table:
    """For each injected fault: the first alert, and the first day anyone is locked out."""
    from .scenarios import build_timeline

    timeline = timeline or build_timeline(strategy="leaf-spki+backup", lifetime=47, key_reuse=True, years=3)
    rows = []
    for fault in ("renewal fails", "unpinned key"):
        broken = inject(timeline, fault, day)
        alerts = probe_alerts(broken, slack_days=slack_days)       # probes only: no help from the ACME log
        first = simulate(broken).summary.first_lockout
        alert = alerts[0] if alerts else None
        rows.append((fault, f"{alert.fires_on} ({alert.rule})" if alert else "none", str(first),
                     "yes" if alert and first and alert.fires_on < first else "no"))
    return Table(("fault", "first alert", "first lockout", "alert first?"), rows)
