"""The validator's report: one named step per check, and how it renders.

A :class:`Step` is one check applied to one certificate (or to the whole chain): its name,
``passed`` / ``failed`` / ``not checked``, and one sentence saying why. A :class:`Report`
collects the steps of the path that was judged, the verdict, and the candidate paths that
were rejected on the way. It prints as plain text (the command line) and renders as an HTML
table in a notebook, with ✓ / ✗ / – symbols and words, never colour alone.
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
from dataclasses import dataclass, field

from cryptography import x509

from ..show import Table
from .paths import name_of


class Status(enum.StrEnum):
    """What a check concluded. A check that is not implemented says so; it never passes silently."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not checked"

    @property
    def symbol(self) -> str:
        """✓, ✗ or –: shown beside the word, so no meaning rests on colour or a symbol alone."""
        return _SYMBOLS[self]


_SYMBOLS = {Status.PASSED: "✓", Status.FAILED: "✗", Status.NOT_CHECKED: "–"}
#: Rejected paths listed in full; a hostile chain can have a hundred.
MAX_REJECTED_SHOWN = 10


@dataclass(frozen=True)
class Step:
    """One check: ``check`` names it, ``subject`` says which certificate it looked at."""

    check: str
    subject: str
    status: Status
    text: str
    #: For a failure, the short reason a person would give ("expired", "wrong host", ...).
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status == Status.FAILED


@dataclass(frozen=True)
class Rejected:
    """A candidate path that path building found and the validator did not choose."""

    path: str
    why: str


@dataclass(frozen=True)
class Report:
    """Everything :func:`helpers.validation.explain` found out about one chain."""

    host: str
    at: _dt.datetime
    path: tuple[x509.Certificate, ...]
    steps: tuple[Step, ...]
    rejected: tuple[Rejected, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        """True when every check on the chosen path passed (``not checked`` is not a failure)."""
        return not any(step.failed for step in self.steps)

    @property
    def path_text(self) -> str:
        """The judged path as names, leaf first: "api.yourapp.com → YourApp Issuing CA 1 → …"."""
        return " → ".join(name_of(cert) for cert in self.path)

    @property
    def failures(self) -> list[Step]:
        return [step for step in self.steps if step.failed]

    @property
    def failed_step(self) -> Step | None:
        """The first failing step, in the order the lesson teaches the checks."""
        failures = self.failures
        return failures[0] if failures else None

    @property
    def reason(self) -> str:
        """The short reason for the verdict: "valid", or the first failure's reason."""
        step = self.failed_step
        return "valid" if step is None else step.reason

    @property
    def verdict(self) -> str:
        step = self.failed_step
        where = f"{self.host} at {self.at:%Y-%m-%d %H:%M} UTC"
        if step is None:
            return f"VALID: every implemented check passed for {where}."
        return f"INVALID ({step.reason}): {step.check} failed for {step.subject}, checking {where}."

    def counts(self) -> dict[Status, int]:
        return {status: sum(s.status == status for s in self.steps) for status in Status}

    def table(self, *, check: str | None = None, status: Status | None = None) -> Table:
        """The steps as a table (result, check, certificate, why); ``check``/``status`` keep only those."""
        steps = [s for s in self.steps if check in (None, s.check) and status in (None, s.status)]
        return Table(("result", "check", "certificate", "why"),
                     [(f"{s.status.symbol} {s.status}", s.check, s.subject, s.text) for s in steps],
                     styles=("nowrap",))

    def _extras(self) -> list[str]:
        lines = []
        if self.rejected:
            shown = self.rejected[:MAX_REJECTED_SHOWN]
            lines += ["Other candidate paths, rejected:", *(f"  - {r.path}: {r.why}" for r in shown)]
            if len(self.rejected) > len(shown):
                lines.append(f"  ... and {len(self.rejected) - len(shown)} more.")
        return lines + [f"Note: {note}" for note in self.notes]

    def text(self) -> str:
        """The report as plain text, for the command line."""
        extras = self._extras()
        return "\n".join([self.verdict, "", self.table().text(), *([""] if extras else []), *extras])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:  # short and address-free, safe in compared notebook outputs
        c = self.counts()
        return (f"<Report {self.reason}: {c[Status.PASSED]} passed, {c[Status.FAILED]} failed, "
                f"{c[Status.NOT_CHECKED]} not checked>")

    def _repr_html_(self) -> str:
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in self._extras())
        return f"<p><b>{html.escape(self.verdict)}</b></p>{self.table()._repr_html_()}{paragraphs}"
