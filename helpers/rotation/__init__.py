"""Backup pins and rotation timelines (lesson 07): a simulator, a planner and monitoring.

* :mod:`.model` simulates who can connect, day by day and version by version;
* :mod:`.adoption` describes how fast users take up a release (a head and a tail, or a measured CSV);
* :mod:`.stores` models two stores: review, phased rollout, rejection, and which platforms have pin expiry;
* :mod:`.scenarios` builds certificate schedules, release trains and the named stories;
* :mod:`.planner` turns a certificate schedule into a safe release calendar;
* :mod:`.monitoring` shows when expiry and pin alerts fire, and probes what is served instead;
* :mod:`.planfile` reads PLAN.json files and runs the planner on them (``python -m helpers plan``);
* :mod:`.planjson` reads a PLAN.json strictly: a bounded regular file, strict JSON, typed fields;
* :mod:`.errors` names what can be wrong with a timeline, one exception per problem.

What an app pins is a :class:`helpers.pinning.strategy.Strategy`. Figures are in
:mod:`helpers.plots.rotation`, the interactive lab in :mod:`helpers.widgets.rotation`.
"""

from ..pinning.strategy import Strategy
from .adoption import Adoption
from .errors import (
    DateError,
    NotATimelineError,
    OutOfRangeError,
    PinLabelError,
    PlanFileError,
    ScheduleError,
    UnknownScenarioError,
    UnknownSettingError,
    UsersError,
)
from .model import (
    CONNECTED,
    LOCKED_OUT,
    UNPROTECTED,
    Cert,
    Release,
    Result,
    Summary,
    Timeline,
    Users,
    simulate,
)
from .monitoring import (
    Alert,
    alert_report,
    fault_drill,
    fixed_alerts,
    fractional_alerts,
    healthy_counts,
    noise_share,
    pin_alerts,
    probe_alerts,
)
from .planner import PinChange, Plan, adoption_days, plan_rotation
from .scenarios import (
    LIFETIMES,
    SCENARIOS,
    START,
    build_timeline,
    catalogue_table,
    certificate_schedule,
    max_lifetime,
    pins_for,
    release_train,
    scenario,
)
from .stores import Platform, platform

__all__ = [
    "CONNECTED", "LOCKED_OUT", "UNPROTECTED", "Cert", "Release", "Result", "Summary", "Timeline", "Users",
    "simulate", "Alert", "alert_report", "fixed_alerts", "fractional_alerts", "noise_share", "pin_alerts",
    "Plan", "PinChange", "adoption_days", "plan_rotation", "LIFETIMES", "SCENARIOS", "START", "Strategy",
    "build_timeline", "catalogue_table", "certificate_schedule", "max_lifetime", "pins_for",
    "release_train", "scenario", "DateError", "NotATimelineError", "OutOfRangeError", "PinLabelError",
    "PlanFileError", "ScheduleError", "UnknownScenarioError", "UnknownSettingError", "UsersError",
    "Adoption", "Platform", "platform", "probe_alerts", "healthy_counts", "fault_drill",
]
