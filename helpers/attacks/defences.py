"""The defences outside pinning: for each attack, what catches it, how, and a primary source."""

from __future__ import annotations

from ..show import Shown, Table
from .scenarios import ATTACKS


def defence_rows() -> list[tuple[str, str, str, str]]:
    """(attack, defence outside pinning, how it works, source) for each attack."""
    return [(a.title, a.defence, a.how, a.source) for a in ATTACKS]


class Defences(Shown):
    """The defences table, shown as HTML in a notebook and as text in a terminal."""

    def __init__(self, rows: list[tuple[str, str, str, str]] | None = None):
        self.rows = defence_rows() if rows is None else rows

    def table(self) -> Table:
        return Table(("attack", "defence outside pinning", "how", "source"), self.rows)

    def __repr__(self) -> str:
        return f"<Defences: {len(self.rows)} attacks>"
