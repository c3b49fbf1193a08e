"""Figures of the real root store (lesson 02): key types, and the years in which roots expire."""

from __future__ import annotations

from ..trust_store import RootStats, root_stats
from . import HATCHES, course_style


def plot_root_store(stats: RootStats | None = None):
    """Two panels: roots by key type (bars hatched by family) and roots by expiry year.

    ``stats`` is a :class:`helpers.trust_store.RootStats` (certifi's bundle by default).
    Returns ``(figure, one-line summary)``.
    """
    import matplotlib.pyplot as plt

    stats = root_stats() if stats is None else stats
    kinds = sorted(stats.key_types, key=lambda k: (k.split()[0], _size(k)))
    with course_style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=(1, 2))
        for i, kind in enumerate(kinds):
            family = kind.split()[0]
            hatch = HATCHES[1] if family == "RSA" else HATCHES[2]
            bar = left.barh(i, stats.key_types[kind], hatch=hatch, edgecolor="black",
                            color=f"C{0 if family == 'RSA' else 1}")
            left.bar_label(bar, padding=3)
        left.set_yticks(range(len(kinds)), kinds)
        left.set_xlabel("number of roots")
        left.set_title("Key types (RSA: ///, EC: ...)")
        left.margins(x=0.2)
        years = sorted(stats.expiry_years)
        bars = right.bar(years, [stats.expiry_years[y] for y in years], color="C2", edgecolor="black")
        right.bar_label(bars, padding=2, fontsize=8)
        right.set_xlabel("year the root expires (notAfter)")
        right.set_ylabel("number of roots")
        right.set_title("When the roots expire")
        fig.suptitle(f"certifi's root store: {stats.count} roots")
        # Fixed margins instead of tight_layout(): measuring every label twice (here, and again when
        # the notebook saves the PNG with a tight bounding box) doubled the cell's run time.
        fig.subplots_adjust(left=0.09, right=0.99, bottom=0.14, top=0.82, wspace=0.22)
    busiest = max(years, key=lambda y: (stats.expiry_years[y], -y))
    families = " and ".join(f"{n} {name}" for name, n in stats.families.most_common())
    summary = (f"{stats.count} roots: {families} keys, the most common type {stats.key_types.most_common(1)[0][0]}; "
               f"they expire between {years[0]} and {years[-1]}, most of them ({stats.expiry_years[busiest]}) "
               f"in {busiest}.")
    return fig, summary


def _size(kind: str) -> int:
    digits = "".join(ch for ch in kind.split()[-1] if ch.isdigit())
    return int(digits or 0)
