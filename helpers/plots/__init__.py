"""All of the course's matplotlib code lives in this package, one module per lesson topic.

Every figure uses :func:`course_style` (the colour-blind-safe ``tableau-colorblind10``
palette) and never encodes a meaning in colour alone: each series also gets a hatch (from
:data:`HATCHES`), a line style or a text label. A lesson follows each figure with a one-line
text summary, which the plotting function returns; :func:`display_figure` attaches that summary
to the image as its alt text, so screen readers and exported HTML carry it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

HATCHES = ("", "///", "...", "xxx", "\\\\\\", "++", "oo", "--")


@contextlib.contextmanager
def course_style() -> Iterator[None]:
    """Apply the course's figure style for the duration of a ``with`` block."""
    import matplotlib.pyplot as plt

    rc = {
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "course",
        "path.simplify": True,
    }
    import matplotlib

    with plt.style.context("tableau-colorblind10"), plt.rc_context(rc):
        yield
        interactive = matplotlib.is_interactive()  # the first figure may have loaded the backend
    # Leaving rc_context restores "interactive" too; keep the inline backend's setting, or the
    # next figure in a notebook would silently never appear.
    matplotlib.interactive(interactive)


def alt_metadata(summary: str) -> dict:
    """Output metadata that gives a PNG its alt text (JupyterLab and nbconvert's HTML honour it)."""
    return {"image/png": {"alt": summary}}


def display_figure(fig, summary: str) -> None:
    """Show ``fig`` in a notebook with ``summary`` as its alt text, then close it (so it shows once)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig, metadata=alt_metadata(summary))
    plt.close(fig)
