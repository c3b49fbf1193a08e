"""Lesson 09's decision lab: the answer sheet as controls, the advice redrawn on every change.

A thin layer over :func:`helpers.decide.decide`: each control is one question; every change
rebuilds the sheet and replaces the advice (an HTML table: recommendation, reasons with their
sources, cost, contradictions). The page shows :func:`helpers.decide.profile_table` beside it for
readers who cannot run widgets.

For browser tests: the lab's outer box has the CSS class ``decide-lab``; the advice is the HTML
widget with class ``decide-lab-result``; the "Data value" control is a row of toggle buttons
whose labels are ``low``, ``personal`` and ``high``. Clicking another one changes the advice.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..decide import QUESTIONS, DataValue, KeyControl, Plan, decide
from ..errors import BadInputError

LAB_CLASS, RESULT_CLASS = "decide-lab", "decide-lab-result"

#: The lab's starting sheet: the bank profile's answers.
DEFAULTS = dict(key_control="you", update_days=7, force_update=True, never_update=2.0, data_value="high",
                inspection=False, monitoring=True, offline_backups=True, plan="undecided")


class UnknownControlError(BadInputError):
    """A setting that is none of the lab's controls."""


def _controls(start: dict) -> dict[str, w.ValueWidget]:
    style, wide = {"description_width": "230px"}, w.Layout(width="520px")
    slider = dict(style=style, layout=wide, continuous_update=False)
    box = dict(indent=False, layout=w.Layout(width="520px"))
    toggles = dict(style={"description_width": "230px", "button_width": "90px"})
    return {
        "key_control": w.ToggleButtons(options=[k.value for k in KeyControl], value=start["key_control"],
                                       description="Who holds the server keys", **toggles),
        "data_value": w.ToggleButtons(options=[v.value for v in DataValue], value=start["data_value"],
                                      description="Data value", **toggles),
        "update_days": w.IntSlider(start["update_days"], 0, 120, description="Days until half have updated",
                                   **slider),
        "never_update": w.FloatSlider(start["never_update"], min=0, max=40, step=1,
                                      description="Never-update share (%)", **slider),
        "force_update": w.Checkbox(start["force_update"], description="We can force an update", **box),
        "inspection": w.Checkbox(start["inspection"], description="Some users sit behind TLS inspection / MDM",
                                 **box),
        "monitoring": w.Checkbox(start["monitoring"], description="We can monitor pin failures", **box),
        "offline_backups": w.Checkbox(start["offline_backups"], description="We can keep backup keys offline",
                                      **box),
        "plan": w.Dropdown(options=[p.value for p in Plan], value=start["plan"], description="What we plan to pin",
                           style=style, layout=wide),
    }


def advice_html(advice) -> str:
    """The advice as escaped HTML: what the lab shows."""
    def items(reasons):
        return "".join(f"<li>{html.escape(r.text)} <code>[{html.escape(r.source.key)}]</code></li>" for r in reasons)

    parts = [f"<h4>{html.escape(advice.recommendation.title)}</h4>", f"<ul>{items(advice.reasons)}</ul>",
             "<p><b>Operating cost</b></p><ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in advice.cost)
             + "</ul>"]
    also = [r.title for r in advice.defensible if r is not advice.recommendation]
    if also:
        parts.append(f"<p><b>Also defensible:</b> {html.escape('; '.join(also))}</p>")
    if advice.contradictions:
        parts.append(f"<p><b>⚠ The answers contradict each other:</b></p><ul>{items(advice.contradictions)}</ul>")
    return "".join(parts)


class DecideLab:
    """The lab; display it in a notebook cell, or drive it with :meth:`set`."""

    def __init__(self, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise UnknownControlError(f"unknown lab setting {sorted(unknown)[0]!r}; use one of {', '.join(DEFAULTS)}.")
        self.controls = _controls({**DEFAULTS, **settings})
        for name, control in self.controls.items():
            control.tooltip = QUESTIONS[name]
        self.result = w.HTML()
        self.result.add_class(RESULT_CLASS)
        self.advice = None
        self.redraw()
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        self.widget = w.VBox([*self.controls.values(), self.result])
        self.widget.add_class(LAB_CLASS)

    def answers(self) -> dict:
        values = {name: control.value for name, control in self.controls.items()}
        return {**values, "never_update": values["never_update"] / 100}

    def redraw(self, change=None) -> None:
        self.advice = decide(self.answers())
        self.result.value = advice_html(self.advice)

    def set(self, **changes) -> None:
        """Change controls as a learner would; the advice is redrawn before this returns."""
        for name, value in changes.items():
            if name not in self.controls:
                raise UnknownControlError(f"unknown lab control {name!r}; use one of {', '.join(self.controls)}.")
            self.controls[name].value = value

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
