"""Lesson 07's timeline figure: certificates, app versions and users, on one date axis.

Four aligned panels share the x axis:

1. the server's certificates: each one's validity (labelled C1, C2, ... when they fit), and
   which key is served, in greys with one hatch and a text label per key, so a rekey shows
   without colour (and is never mistaken for a user state);
2. the app versions, one row each while at least 0.1% of users run it (:data:`SHOWN`; rarer
   versions would be rows too thin to see, and the figure says so): plain while connected,
   hatched (``//``) while unprotected, cross-hatched (``xx``) while locked out, with the pin set
   written where it changes;
3. the users, stacked: locked out (cross-hatched) at the bottom, then unprotected
   (``//``), then the connected users of each version in three shades of blue that repeat
   (the legend shows all three);
4. the locked-out (solid) and unprotected (dashed) shares on a *symlog* axis: linear from 0 to
   0.1%, logarithmic above, so that a 0.5% target and a 100% outage are both readable.

Hatches are drawn with lines 1.2 points wide (:data:`HATCH_WIDTH`): Matplotlib's default is too
thin to see at the lab's size.

Drawing the axes, ticks and legends costs far more than drawing the data. So a
:class:`TimelineFigure` draws its frame once, and each figure only paints its data over
that saved background and encodes an image. The notebook's figures
(:func:`timeline_picture`) share a few cached frames from :func:`cached_frame`; the widget
lab keeps its own.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass

import matplotlib
import numpy as np

from ..rotation.model import CONNECTED, LOCKED_OUT, UNPROTECTED, Result
from . import alt_metadata, course_style

STATE_STYLE = {  # state -> (label, hatch, face colour index)
    CONNECTED: ("connected", "", 0),
    UNPROTECTED: ("unprotected (pins expired)", "//", 1),
    LOCKED_OUT: ("locked out", "xx", 3),
}
PERCENT_TICKS = (0, 0.1, 1, 10, 100)
#: A version gets a row while at least this share of users runs it.
SHOWN = 0.001
#: Hatch line width, in points.
HATCH_WIDTH = 1.2
#: Certificates are labelled on their bars when there are at most this many.
LABELLED_CERTS = 16
#: Hatches for the served keys: none of them is a state's hatch (``//`` or ``xx``).
KEY_HATCHES = ("", "\\\\\\", "...", "++", "oo", "--")
#: Palette indices of the blues used for connected users (tableau-colorblind10).
BLUES = (0, 4, 7)
#: Two version labels at least this many days apart, so they never overlap.
LABEL_GAP_DAYS = 90


def _day(result: Result, date) -> int:
    return (date - result.timeline.start).days


def _boxes(runs, y0: float, height: float) -> list:
    return [[(a, y0), (a + n, y0), (a + n, y0 + height), (a, y0 + height)] for a, n in runs]


def _add(ax, verts, **style):
    """Add boxes or bands. Hatched ones become one compound path: hatching path by path is slow."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    verts = [v for v in verts if len(v)]
    if style.get("hatch"):
        if not verts:
            return None
        codes = [np.r_[Path.MOVETO, np.full(len(v) - 1, Path.LINETO)] for v in verts]
        patch = PathPatch(Path(np.concatenate(verts), np.concatenate(codes)), transform=ax.transData,
                          **{k.rstrip("s"): v for k, v in style.items()})  # facecolors -> facecolor, ...
        patch.set_clip_path(ax.patch)
        return ax.add_artist(patch)  # add_patch would recompute the data limits: slow, and not needed
    return ax.add_collection(PolyCollection(verts, **style), autolim=False)


def _key_runs(result: Result) -> list[tuple[str, str, int, int]]:
    """(key, intermediate, first day, last day + 1) for each stretch served by one key and intermediate."""
    certs, n_days = result.timeline.certs, result.share.shape[1]
    runs: list[list] = []
    for i, cert in enumerate(certs):
        end = _day(result, certs[i + 1].deployed) if i + 1 < len(certs) else n_days
        if runs and runs[-1][:2] == [cert.key, cert.intermediate]:
            runs[-1][3] = end
        else:
            runs.append([cert.key, cert.intermediate, _day(result, cert.deployed), end])
    return [tuple(r) for r in runs]


def _certificates(ax, result: Result) -> None:
    """Lane 0: each certificate's validity. Lane 1: which key (and intermediate) is served, hatched per key."""
    certs = result.timeline.certs
    valid = [box for i, c in enumerate(certs)
             for box in _boxes([(_day(result, c.issued), c.lifetime_days)], 0.05 + 0.4 * (i % 2), 0.35)]
    _add(ax, valid, facecolors="lightgrey", edgecolors="black", linewidths=0.3)
    if len(certs) <= LABELLED_CERTS:
        for i, c in enumerate(certs):
            ax.text(max(_day(result, c.issued), 0) + 2, 0.225 + 0.4 * (i % 2), c.label, fontsize=6, va="center")
    else:
        ax.text(4, 0.4, f"{len(certs)} certificates", fontsize=7, va="center",
                bbox=dict(facecolor="white", edgecolor="none", pad=0.3))
    runs = _key_runs(result)
    if len(runs) > len(KEY_HATCHES):
        _add(ax, [b for r in runs for b in _boxes([(r[2], r[3] - r[2])], 1.0, 0.8)],
             facecolors="gainsboro", edgecolors="black", linewidths=0.5)
        ax.text(4, 1.4, f"{len(runs)} keys: a new one at every renewal", fontsize=8, va="center",
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
        return
    for k, (key, intermediate, a, b) in enumerate(runs):
        _add(ax, _boxes([(a, b - a)], 1.0, 0.8), facecolors="gainsboro", edgecolors="black",
             linewidths=0.5, hatch=KEY_HATCHES[k])
        ax.text(max(a, 0) + 4, 1.4, f"{key} / {intermediate}", fontsize=8, va="center",
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5))


def _runs_2d(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, start, length) of every run of True along the rows of a 2-D boolean array."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    rows, cols = np.nonzero(np.diff(padded, axis=1))
    return rows[::2], cols[::2], cols[1::2] - cols[::2]


def _versions(ax, result: Result, colours) -> None:
    """One row per version, drawn only while at least 0.1% of users are on it."""
    used = result.share >= SHOWN
    for code, (_label, hatch, c) in STATE_STYLE.items():
        rows, starts, lengths = _runs_2d(used & (result.state == code))
        x0, x1, y0, y1 = starts, starts + lengths, rows - 0.4, rows + 0.4
        boxes = np.stack([np.column_stack(p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], axis=1)
        _add(ax, list(boxes), facecolors=colours[c], edgecolors="black" if hatch else "none", linewidths=0.3,
             hatch=hatch)
    previous, last_x, labelled = None, -LABEL_GAP_DAYS, 0
    for v, rel in enumerate(result.timeline.releases):
        first = np.flatnonzero(used[v])
        if rel.pins == previous or not first.size:
            continue
        previous, x = rel.pins, int(first[0])
        if labelled < 4 and x - last_x >= LABEL_GAP_DAYS:  # a label where the pin set changes, if it fits
            pins = ", ".join(p.split(":", 1)[1] for p in sorted(rel.pins))
            first_row = x < LABEL_GAP_DAYS                   # no room left of it: write below, under row 0
            ax.text(x + 2 if first_row else x - 4, v - 0.8 if first_row else v, f"{rel.version} pins {pins}",
                    fontsize=8, va="top" if first_row else "center", ha="left" if first_row else "right",
                    bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
            last_x, labelled = x, labelled + 1


def _band(t: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The polygon between two curves, trimmed to the days where it is visibly thick."""
    thick = np.flatnonzero(upper - lower > 1e-4)
    if thick.size == 0:
        return np.zeros((0, 2))
    a, b = max(thick[0] - 1, 0), min(thick[-1] + 2, t.size)
    t, lower, upper = t[a:b], lower[a:b], upper[a:b]
    return np.concatenate([np.column_stack([t, upper]), np.column_stack([t[::-1], lower[::-1]])])


def _shares(ax, result: Result, colours) -> None:
    """Locked out (``xx``) at the bottom, unprotected (``//``) above, then each version's connected users."""
    t = np.arange(result.share.shape[1])
    layers = np.vstack([result.locked_out, result.unprotected, result.share * (result.state == CONNECTED)])
    tops = np.cumsum(layers, axis=0)
    bottoms = np.vstack([np.zeros(t.size), tops[:-1]])
    bands = [_band(t, bottoms[i], tops[i]) for i in range(len(layers))]
    _add(ax, [bands[0]], facecolors=colours[3], edgecolors="black", hatch="xx", linewidths=0.3)
    _add(ax, [bands[1]], facecolors=colours[1], edgecolors="black", hatch="//", linewidths=0.3)
    _add(ax, bands[2:], facecolors=[colours[BLUES[i % len(BLUES)]] for i in range(len(bands) - 2)],
         edgecolors="none")


def _lines(ax, result: Result) -> None:
    t = np.arange(result.share.shape[1])
    ax.plot(t, 100 * result.locked_out, color="black", linewidth=1.2)
    ax.plot(t, 100 * result.unprotected, color="C1", linestyle="--", linewidth=1.2)


def summary_line(result: Result) -> str:
    """One sentence that says what the figure shows."""
    s, name = result.summary, result.timeline.name
    if s.first_lockout is None:
        locked = "nobody is ever locked out"
    else:
        locked = (f"lockout peaks at {s.peak_lockout:.1%} of users on {s.peak_day} "
                  f"({s.user_days_locked_out:.1f} user-days in all)")
    unprot = f"; some users run without pinning on {s.days_unprotected} days" if s.days_unprotected else ""
    return (f"{name}: {len(result.timeline.certs)} certificates and {len(result.timeline.releases)} releases "
            f"over {result.share.shape[1]} days; {locked}{unprot}.")


class TimelineFigure:
    """Four aligned axes whose frame (limits, ticks, labels, legends) is drawn once.

    :meth:`draw` replaces only the data artists. :meth:`render` paints them over the saved
    background of the frame, which keeps the widget lab's redraw fast. The frame fits a
    timeline of ``days`` days from ``start`` with at most ``versions`` releases. The title
    belongs to the frame until :meth:`draw` is given a different one; from then on it is
    redrawn with the data (text is slow to draw, so the lab keeps one fixed title).
    """

    def __init__(self, start: _dt.date, days: int, versions: int, *, target: float | None = 0.005,
                 title: str = "", fig=None, figsize=(10, 7.5)):
        with course_style(), matplotlib.rc_context({"hatch.linewidth": HATCH_WIDTH}):
            if fig is None:
                import matplotlib.pyplot as plt

                fig = plt.figure(figsize=figsize)
            self.fig, self.start, self.days = fig, start, days
            self.axes = fig.subplots(4, 1, sharex=True, gridspec_kw={"height_ratios": [0.8, 2.0, 1.6, 1.0]})
            self.colours = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
            self._frame(versions, target)
            self.title = fig.text(0.13, 0.975, title, fontsize=10, va="center")
            fig.subplots_adjust(left=0.14, right=0.98, top=0.95, bottom=0.06, hspace=0.15)
        self._background, self._title_changes = None, False

    def _frame(self, versions: int, target: float | None) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        certs, rows, shares, lines = self.axes
        labels = ("server\ncerts", "app versions\n(rows: \u2265 0.1%\nof users)", "users\nby version",
                  "% of users\n(symlog:\nlinear\nbelow 0.1%)")
        for ax, label in zip(self.axes, labels, strict=True):
            ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        certs.set_ylim(-0.1, 1.9)
        certs.set_yticks([0.4, 1.4], ["validity", "key served"], fontsize=7)
        rows.set_ylim(-5, versions + 2.5)  # room under row 0 for the first version's label
        shares.set_ylim(0, 1)
        shares.set_yticks([0, 0.5, 1], ["0", "50%", "100%"])
        lines.set_yscale("symlog", linthresh=0.1)
        lines.set_ylim(0, 1000)  # a decade above 100% keeps the legend clear of a 100% outage
        lines.set_yticks(PERCENT_TICKS, [f"{p:g}%" for p in PERCENT_TICKS])
        lines.minorticks_off()
        days = [self.start + _dt.timedelta(days=d) for d in range(self.days)]
        ticks = [d for d, day in enumerate(days) if day.day == 1 and day.month in (1, 4, 7, 10)]
        lines.set_xticks(ticks, [days[d].strftime("%b %Y") for d in ticks], fontsize=8)
        lines.set_xlim(0, self.days - 1)
        state = [Patch(facecolor=self.colours[c], edgecolor="black", hatch=h, label=label)
                 for label, h, c in STATE_STYLE.values()]
        rows.legend(handles=state, loc="upper left", fontsize=7, ncol=3, frameon=False)
        from matplotlib.legend_handler import HandlerTuple

        blues = tuple(Patch(facecolor=self.colours[b], edgecolor="none") for b in BLUES)
        # Above the panels, by the title: data painted over the cached frame would hide it inside panel 3.
        self.fig.legend(handles=[blues], labels=["users connected: 3 blues, one per version, repeating"],
                        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)}, loc="center right",
                        bbox_to_anchor=(0.98, 0.975), fontsize=7, frameon=False)
        handles = [Line2D([], [], color="black", label="locked out"),
                   Line2D([], [], color="C1", linestyle="--", label="unprotected")]
        if target is not None:
            handles += lines.plot([0, self.days - 1], [100 * target] * 2, color="#595959", linestyle=":",
                                  linewidth=1.2, label=f"target {target:.1%}")
        lines.legend(handles=handles, loc="upper left", fontsize=7, ncol=3, frameon=False)
        self._static = set(lines.lines)

    def _data(self) -> list:
        return [a for ax in self.axes for a in (*ax.collections, *ax.patches, *ax.texts, *ax.lines)
                if a not in self._static]

    def draw(self, result: Result, title: str | None = None) -> str:
        """Replace the data with ``result``'s (and the title, if given); return the one-line summary."""
        if title is not None and title != self.title.get_text():
            self.title.set_text(title)
            if not self._title_changes:  # from now on the title is data, not part of the cached frame
                self._title_changes, self._background = True, None
        with course_style(), matplotlib.rc_context({"hatch.linewidth": HATCH_WIDTH}):
            for artist in self._data():
                artist.remove()
            _certificates(self.axes[0], result)
            _versions(self.axes[1], result, self.colours)
            _shares(self.axes[2], result, self.colours)
            _lines(self.axes[3], result)
        return summary_line(result)

    def render(self, fmt: str = "png") -> bytes:
        """The figure as PNG (or JPEG: faster to encode) bytes, painting only the data over the cached frame."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        canvas = self.fig.canvas if isinstance(self.fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(self.fig)
        with course_style(), matplotlib.rc_context({"hatch.linewidth": HATCH_WIDTH}):
            moving = [*self._data(), self.title] if self._title_changes else self._data()
            if self._background is None:
                data = moving
                for artist in data:
                    artist.set_visible(False)
                canvas.draw()
                self._background = canvas.copy_from_bbox(self.fig.bbox)
                for artist in data:
                    artist.set_visible(True)
            canvas.restore_region(self._background)
            for artist in self._data():
                artist.axes.draw_artist(artist)
            if self._title_changes:
                self.fig.draw_artist(self.title)
            image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
            out = io.BytesIO()
            options = {"compress_level": 1} if fmt == "png" else {"quality": 90}
            image.convert("RGB").save(out, format=fmt.upper(), **options)
        return out.getvalue()


#: Frames drawn so far, by (start, days, version rows, target): at most :data:`MAX_FRAMES`.
_FRAMES: dict[tuple, TimelineFigure] = {}
MAX_FRAMES = 4


def cached_frame(start: _dt.date, days: int, versions: int, *, target: float | None = 0.005) -> TimelineFigure:
    """A :class:`TimelineFigure` (1000 x 750 pixels) whose frame is drawn only once per shape.

    Rows for versions are rounded up (at least 60), so timelines of a similar size share a frame.
    """
    from matplotlib.figure import Figure

    rows = max(60, -(-versions // 10) * 10)
    key = (start, days, rows, target)
    if key not in _FRAMES:
        if len(_FRAMES) >= MAX_FRAMES:
            _FRAMES.pop(next(iter(_FRAMES)))
        _FRAMES[key] = TimelineFigure(start, days, rows, target=target, fig=Figure(figsize=(10, 7.5), dpi=100))
    return _FRAMES[key]


@dataclass(frozen=True)
class TimelinePicture:
    """A rendered timeline: a notebook shows it as a PNG; ``summary`` says in one line what it shows."""

    png: bytes
    summary: str
    title: str

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        """The PNG, with ``summary`` as its alt text."""
        return {"image/png": self.png, "text/plain": repr(self)}, alt_metadata(self.summary)

    def __repr__(self) -> str:
        return f"<timeline figure: {self.title}>"


def timeline_picture(result: Result, *, target: float | None = 0.005, title: str | None = None) -> TimelinePicture:
    """The four aligned panels for ``result`` as a picture, drawn over a cached frame (fast)."""
    title = title or result.timeline.name
    view = cached_frame(result.timeline.start, result.share.shape[1], len(result.timeline.releases),
                        target=target)
    summary = view.draw(result, title=title)
    return TimelinePicture(view.render("png"), summary, title)


def adoption_picture(curves, *, days: int = 180, title: str = "Adoption: share of users on a release") \
        -> TimelinePicture:
    """Adoption curves (share of users on a release, by days since it went live) as a PNG with a summary.

    Each curve gets its own line style and marker and a label at its end; a curve whose source says
    "illustrative" is marked ILLUSTRATIVE in the legend and the title says so.
    """
    from matplotlib.figure import Figure

    curves = list(curves)
    illustrative = [c for c in curves if "illustrative" in f"{c.name} {c.source}".lower()]
    styles = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))
    with course_style():
        fig = Figure(figsize=(8, 3.6), dpi=100)
        ax = fig.subplots()
        d = np.arange(days + 1)
        for i, curve in enumerate(curves):
            line, marker = styles[i % len(styles)]
            tag = " (ILLUSTRATIVE, not measured)" if curve in illustrative else ""
            ax.plot(d, 100 * curve.updated(d), linestyle=line, marker=marker, markevery=30, linewidth=1.5,
                    label=f"{curve.name}{tag}: {curve.never_update:.1%} never update")
        ax.set_xlim(0, days)
        ax.set_ylim(0, 100)
        ax.set_xlabel("days since the release went live")
        ax.set_ylabel("% of users on it or newer")
        ax.axhline(99, color="#595959", linestyle=":", linewidth=1)
        ax.text(days, 99.5, "99%", ha="right", va="bottom", fontsize=8)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        note = " (illustrative curves, not measurements)" if illustrative else ""
        ax.set_title(title + note, fontsize=10)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
    parts = []
    for curve in curves:
        half = curve.days_until(0.5)
        parts.append(f"{curve.name} reaches 50% of users after {half} days and "
                     f"{curve.updated(days):.1%} after {days}" if half is not None
                     else f"{curve.name} never reaches 50%")
    summary = "Adoption curves" + note + ": " + "; ".join(parts) + "."
    return TimelinePicture(out.getvalue(), summary, title)
