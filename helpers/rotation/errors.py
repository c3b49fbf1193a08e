"""What can be wrong with a rotation timeline, one exception per problem.

Each is a :class:`helpers.errors.BadInputError` whose message is one sentence: what was wrong
and what to write instead. A PLAN.json file that cannot be read raises
:class:`helpers.rotation.planfile.PlanFileError`; an unknown pin strategy raises
:class:`helpers.pinning.strategy.UnknownStrategyError`.
"""

from __future__ import annotations

from ..errors import BadInputError

__all__ = ["DateError", "NotATimelineError", "OutOfRangeError", "PinLabelError", "ScheduleError",
           "UnknownScenarioError", "UnknownSettingError", "UsersError"]


class DateError(BadInputError):
    """A value that is not a date, a date the simulator does not cover, or dates in the wrong order."""


class PinLabelError(BadInputError):
    """A release's pins that are not a list of ``kind:value`` strings, like ``["key:K1"]``."""


class UsersError(BadInputError):
    """Update behaviour (a half-life, the never-update share) that is not a usable number."""


class OutOfRangeError(BadInputError):
    """A number of days or years, a target or an alert fraction outside the range that makes sense."""


class ScheduleError(BadInputError):
    """A timeline the simulator cannot run: no certificates, no releases, nothing live on day one."""


class UnknownScenarioError(BadInputError):
    """A scenario name that is not in :data:`helpers.rotation.SCENARIOS`."""


class UnknownSettingError(BadInputError):
    """A scenario knob or a rotation-lab control that does not exist."""


class NotATimelineError(BadInputError):
    """Something other than a :class:`helpers.rotation.Timeline` given to the simulator."""
