"""One table for the whole course: plain text for a terminal, escaped HTML for a notebook.

Every table a lesson shows goes through :class:`Table`, so there is one place that aligns
columns and one place that escapes HTML. Cell text may come from a certificate (a subject
name, a SAN), and a certificate can say anything, ``<script>`` included: every cell, header
and caption is escaped before it reaches the HTML.

A cell is a string, or a :class:`Cell`: a headline with notes under it (bold and small in
HTML; ``headline (note; note)`` in text). A ``\\n`` inside a string is a line break in HTML
and a space in text.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass

from .errors import BadInputError


class TableShapeError(BadInputError):
    """A row whose length differs from the headers', or an unknown column style."""


@dataclass(frozen=True)
class Cell:
    """A cell with a headline and notes beneath it."""

    headline: str
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        return f"{self.headline} ({'; '.join(self.notes)})" if self.notes else self.headline

    def html(self) -> str:
        notes = "".join(f"<br><small>{_escape(note)}</small>" for note in self.notes)
        return f"<b>{_escape(self.headline)}</b>{notes}"


#: Column styles for :class:`Table` (HTML only; the text form ignores them).
STYLES = {"": "", "mono": "font-family:monospace", "em": "font-style:italic", "nowrap": "white-space:nowrap"}


@dataclass(frozen=True)
class Table:
    """Headers, rows and an optional caption, shown as aligned text or as an escaped HTML table.

    ``row_headers`` makes each row's first cell a header (``<th>``); ``styles`` gives one
    :data:`STYLES` key per column; ``wrap`` wraps the last column's text at that many characters.
    """

    headers: Sequence[str]
    rows: Iterable[Sequence[str | Cell]]
    caption: str = ""
    _: KW_ONLY
    row_headers: bool = False
    styles: Sequence[str] = ()
    wrap: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "headers", tuple(str(h) for h in self.headers))
        set_(self, "rows", tuple(tuple(c if isinstance(c, Cell) else str(c) for c in row) for row in self.rows))
        set_(self, "styles", tuple(self.styles))
        width = len(self.headers)
        bad = [i for i, row in enumerate(self.rows) if len(row) != width]
        if bad:
            raise TableShapeError(f"row {bad[0]} has {len(self.rows[bad[0]])} cells, but there are {width} "
                                  "headers; give every row one cell per header.")
        unknown = [s for s in self.styles if s not in STYLES]
        if unknown:
            raise TableShapeError(f"unknown column style {unknown[0]!r}; use one of {sorted(STYLES)}.")

    # --- text ----------------------------------------------------------------------------------

    def _text_lines(self) -> list[list[str]]:
        """Rows as lists of plain strings; a wrapped last column continues on extra lines."""
        lines = []
        for row in self.rows:
            cells = [_plain(c) for c in row]
            pieces = textwrap.wrap(cells[-1], self.wrap, break_on_hyphens=False) if self.wrap else [cells[-1]]
            pieces = pieces or [""]
            lines.append(cells[:-1] + [pieces[0]])
            lines.extend([""] * (len(cells) - 1) + [piece] for piece in pieces[1:])
        return lines

    def text(self) -> str:
        """Aligned columns separated by two spaces, with a rule under the headers."""
        lines = self._text_lines()
        widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(self.headers)]

        def join(cells) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        body = [join(self.headers), join("-" * w for w in widths), *(join(line) for line in lines)]
        return "\n".join(([self.caption] if self.caption else []) + body)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Table: {len(self.rows)} rows × {len(self.headers)} columns>"

    # --- HTML ----------------------------------------------------------------------------------

    def _td(self, column: int, cell: str | Cell) -> str:
        tag = "th" if self.row_headers and column == 0 else "td"
        style = "text-align:left"
        extra = STYLES[self.styles[column]] if column < len(self.styles) else ""
        if extra:
            style += ";" + extra
        content = cell.html() if isinstance(cell, Cell) else _escape(cell)
        return f"<{tag} style='{style}'>{content}</{tag}>"

    def _repr_html_(self) -> str:
        caption = f"<caption>{_escape(self.caption)}</caption>" if self.caption else ""
        head = "".join(f"<th style='text-align:left'>{_escape(h)}</th>" for h in self.headers)
        body = "".join("<tr>" + "".join(self._td(i, c) for i, c in enumerate(row)) + "</tr>"
                       for row in self.rows)
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plain(cell: str | Cell) -> str:
    return cell.text() if isinstance(cell, Cell) else cell.replace("\n", " ")


def _escape(text: str) -> str:
    """HTML-escape ``text`` (quotes included); a newline becomes a line break."""
    return html.escape(text, quote=True).replace("\n", "<br>")


class Shown:
    """Mixin for a result that is shown as one :class:`Table`: ``str()`` is the table's text and a
    notebook renders its HTML. A subclass defines ``table()``; one that shows a different table in
    HTML (a matrix beside a listing) also overrides ``_repr_html_``."""

    def table(self) -> Table:
        raise NotImplementedError

    def text(self) -> str:
        return self.table().text()

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def printable(text: str) -> str:
    """``text`` for a terminal: control characters (from a hostile file or certificate) are shown
    escaped, as ``\x1b`` or ``\u202e``, never sent to the terminal."""
    return "".join(ch if ch.isprintable() or ch == "\t" else ascii(ch)[1:-1] for ch in text)
