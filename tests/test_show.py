"""show.Table: the one place tables are aligned and escaped."""

from __future__ import annotations

import pytest

from helpers.errors import BadInputError
from helpers.show import Cell, Table


def test_html_escapes_every_cell_header_and_caption():
    hostile = "<script>alert('x')</script> & \"q\""
    table = Table([hostile, "b"], [[hostile, Cell(hostile, (hostile,))]], caption=hostile)
    html = table._repr_html_()
    assert "<script>" not in html and "alert('x')" not in html
    assert html.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;") == 5  # caption, header, cell, headline, note


def test_text_aligns_columns_under_a_rule_and_keeps_the_text_raw():
    table = Table(["name", "pin"], [["api.yourapp.com", "a&b"], ["x", "<c>"]])
    assert table.text().splitlines() == [
        "name             pin",
        "---------------  ---",
        "api.yourapp.com  a&b",
        "x                <c>",
    ]
    assert str(table) == table.text()


def test_cells_notes_row_headers_and_styles():
    table = Table(["attack", "verdict"], [["rogue CA", Cell("✓ refused", ("why: no pin matched",))]],
                  row_headers=True, styles=["", "mono"])
    assert "rogue CA  ✓ refused (why: no pin matched)" in table.text()
    html = table._repr_html_()
    assert "<th style='text-align:left'>rogue CA</th>" in html
    assert "<b>✓ refused</b><br><small>why: no pin matched</small>" in html
    assert "font-family:monospace" in html


def test_the_last_column_wraps_on_request():
    table = Table(["k", "v"], [["a", "one two three four"]], wrap=9)
    assert table.text().splitlines()[2:] == ["a  one two", "   three", "   four"]


def test_a_newline_is_a_line_break_in_html_and_a_space_in_text():
    table = Table(["k"], [["one\ntwo"]])
    assert "one<br>two" in table._repr_html_() and table.text().endswith("one two")


@pytest.mark.parametrize("rows, styles", [([["only one"]], ()), ([["a", "b"]], ("bold",))])
def test_misshapen_tables_are_explained(rows, styles):
    with pytest.raises(BadInputError):
        Table(["h1", "h2"], rows, styles=styles)
