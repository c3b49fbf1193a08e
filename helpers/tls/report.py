"""A decoded handshake in words: the flights as a table, each message's fields, the checks.

Every table goes through :class:`helpers.show.Table`. Nothing here prints random bytes,
addresses or timings, so a lesson's output is the same on every run.
"""

from __future__ import annotations

from ..show import Table
from . import records as R
from .names import Sender

__all__ = ["FLIGHT_COLUMNS", "check_lines", "flight_rows", "flight_table", "walk"]

FLIGHT_COLUMNS = ("flight", "direction", "protection", "contents")


def flight_rows(handshake) -> list[tuple[str, str, str, str]]:
    """(flight, direction, protection, contents): one row per record, no random bytes."""
    rows = []
    for flight in handshake.flights:
        arrow = "client → server" if flight.sender is Sender.CLIENT else "server → client"
        for view in flight.records:
            names = ", ".join(f"Alert ({i.name})" if isinstance(i, R.Alert) else getattr(i, "name", "?")
                              for i in view.items)
            rows.append((str(flight.number), arrow, view.protection, names))
    return rows


def flight_table(handshake) -> Table:
    """:func:`flight_rows` as a table; the contents column wraps at 80 characters."""
    return Table(FLIGHT_COLUMNS, flight_rows(handshake), wrap=80)


def check_lines(handshake) -> list[str]:
    """What the client checked and what went wrong, one line each."""
    lines = []
    if handshake.find("Certificate", Sender.SERVER) is not None:
        subjects = [c.subject.rfc4514_string() for c in handshake.chain()]
        lines.append(f"chain in the Certificate message: {' ← '.join(subjects)}")
    if handshake.tls13 and handshake.find("CertificateVerify", Sender.SERVER) is not None:
        lines.append(f"CertificateVerify signature valid: {handshake.verify_certificate_verify()}")
    if handshake.tls13 and handshake.find("Finished", Sender.CLIENT) is not None:
        for sender, ok in handshake.verify_finished().items():
            lines.append(f"{sender} Finished MAC valid: {ok}")
    for sender, alert in handshake.alerts:
        lines.append(f"alert sent by the {sender}: {alert}")
    for sender, error in handshake.errors.items():
        lines.append(f"exception seen by the {sender} app: {error}")
    return lines


def walk(handshake) -> str:
    """The whole handshake as text: flights, then each message's fields, then the checks."""
    lines = [f"{handshake.version}, {handshake.cipher_suite}", "", flight_table(handshake).text(), ""]
    for number, who, item in handshake.items:
        lines.append(f"flight {number} · {who} · {item.name}")
        lines.extend(f"    {name}: {value}" for name, value in item.rows())
    lines.append("")
    lines.extend(check_lines(handshake))
    return "\n".join(lines)
