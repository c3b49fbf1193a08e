"""Lesson 07's interactive lab: move a control, watch lockouts appear or vanish.

The lab is a thin layer over :func:`helpers.rotation.build_timeline`, :func:`helpers.rotation.simulate`
and :class:`helpers.plots.rotation.TimelineFigure`. Every control change rebuilds the timeline,
re-runs the model and repaints only the data over the figure's saved frame into an
``ipywidgets.Image`` (800 x 600 pixels, JPEG: quick to encode). :meth:`RotationLab.picture` draws
the same timeline as a static PNG, for pages that cannot run widgets.

For browser tests: the lab's outer box has the CSS class ``rotation-lab``; its figure is
the ``<img>`` inside the ``Image`` widget with class ``rotation-lab-figure``; the first
slider is the ``IntSlider`` described "Review delay (days)". Nudging that slider changes
the image's ``src``. For benchmarks: :meth:`RotationLab.set` applies a change exactly as a
control would, and returns when the new image is in place.
"""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.figure import Figure

from ..pinning.strategy import Strategy
from ..plots.rotation import TimelineFigure, TimelinePicture, timeline_picture
from ..rotation.errors import UnknownSettingError
from ..rotation.model import simulate
from ..rotation.scenarios import LIFETIMES, REKEY_DAY, START, build_timeline

LAB_CLASS, FIGURE_CLASS = "rotation-lab", "rotation-lab-figure"
YEARS = 2
#: The lab's starting point (the only place it is set): 47-day certificates, a new key at every
#: renewal, and a backup pin.
DEFAULTS = dict(review_days=2, half_life_days=10, never_update=3.0, pin_expiry_days=0,
                strategy=Strategy.LEAF_SPKI_BACKUP, lifetime=47, key_reuse=False, force_update=False)


def lab_timeline(*, review_days, half_life_days, never_update, pin_expiry_days, strategy, lifetime,
                 key_reuse, force_update):
    """The timeline the lab shows for these control values (``never_update`` in percent)."""
    return build_timeline(strategy=strategy, lifetime=lifetime, key_reuse=key_reuse,
                          rollovers=(REKEY_DAY,) if key_reuse else (), review_days=review_days,
                          half_life_days=half_life_days, never_update=never_update / 100,
                          pin_expiry_days=pin_expiry_days or None, force_update=force_update,
                          years=YEARS, name="lab")


def _controls(start: dict) -> dict[str, w.ValueWidget]:
    """The eight controls, each set to its value in ``start``."""
    style, wide = {"description_width": "190px"}, w.Layout(width="420px")
    right = {"style": {"description_width": "120px"}, "layout": w.Layout(width="420px")}
    slider = dict(style=style, layout=wide, continuous_update=False)
    box = dict(indent=False, layout=w.Layout(width="420px"))
    return {
        "review_days": w.IntSlider(start["review_days"], 0, 14, description="Review delay (days)", **slider),
        "half_life_days": w.IntSlider(start["half_life_days"], 1, 60, description="Update half-life (days)",
                                      **slider),
        "never_update": w.FloatSlider(start["never_update"], min=0, max=10, step=0.5,
                                      description="Never-update share (%)", **slider),
        "pin_expiry_days": w.IntSlider(start["pin_expiry_days"], 0, 365, step=15,
                                       description="Pin-set expiry (days, 0 = off)", **slider),
        "strategy": w.Dropdown(options=[(s.description, s) for s in Strategy], value=start["strategy"],
                               description="Pin strategy", **right),
        "lifetime": w.Dropdown(options=list(LIFETIMES.items()), value=start["lifetime"],
                               description="Cert lifetime", **right),
        "key_reuse": w.Checkbox(start["key_reuse"], description="Reuse the key at renewal (one planned rekey)",
                                **box),
        "force_update": w.Checkbox(start["force_update"], description="Force-update check on an unpinned "
                                   "endpoint", **box),
    }


class RotationLab:
    """The widget lab; display it in a notebook cell, or drive it with :meth:`set`.

    ``RotationLab()`` starts from :data:`DEFAULTS`; ``RotationLab(lifetime=90)`` from other values.
    """

    def __init__(self, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise UnknownSettingError(f"unknown lab setting {sorted(unknown)[0]!r}; use one of "
                                      f"{', '.join(DEFAULTS)}.")
        self.controls = _controls({**DEFAULTS, **settings})
        self.view = TimelineFigure(START, 365 * YEARS, 60, title="Rotation lab",
                                   fig=Figure(figsize=(10, 7.5), dpi=80))
        self.result = None
        self.image = w.Image(format="jpeg", layout=w.Layout(width="800px"))
        self.image.add_class(FIGURE_CLASS)
        self.summary = w.HTML()
        self.redraw()
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        self.widget = w.VBox([w.HBox([w.VBox(list(self.controls.values())[:4]),
                                      w.VBox(list(self.controls.values())[4:])]), self.image, self.summary])
        self.widget.add_class(LAB_CLASS)

    def settings(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def timeline(self):
        return lab_timeline(**self.settings())

    def redraw(self, change=None) -> None:
        self.result = simulate(self.timeline())
        self.summary.value = f"<p>{html.escape(self.view.draw(self.result))}</p>"
        self.image.value = self.view.render("jpeg")

    def picture(self, title: str = "The rotation lab") -> TimelinePicture:
        """The lab's current timeline as a static PNG (what the page shows where widgets cannot run)."""
        return timeline_picture(self.result, title=title)

    def set(self, **changes) -> None:
        """Change controls as a learner would; returns once the figure has been redrawn."""
        for name, value in changes.items():
            if name not in self.controls:
                raise UnknownSettingError(f"unknown lab control {name!r}; use one of "
                                          f"{', '.join(self.controls)}.")
            self.controls[name].value = value

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
