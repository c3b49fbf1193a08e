"""What can be wrong with a rotation timeline, one exception per problem.

Each is a :class:`helpers.errors.BadInputError` whose message is one sentence: what was wrong
and what to write instead; :func:`shown` quotes a value in it, cut short when it is long. An
unknown pin strategy raises :class:`helpers.pinning.strategy.UnknownStrategyError`.
"""

from __future__ import annotations

from ..errors import BadInputError

__all__ = ["DateError", "NotATimelineError", "OutOfRangeError", "PinLabelError", "PlanFileError", "ScheduleError",
           "UnknownScenarioError", "UnknownSettingError", "UsersError", "shown"]


def shown(value) -> str:
    """``value`` as a message quotes it: its repr cut to 40 characters, a long integer by its length."""
    if isinstance(value, int) and not isinstance(value, bool) and not -10**15 < value < 10**15:
        try:
            return f"a {len(str(abs(value)))}-digit number"
        except ValueError:                       # past Python's limit for turning an int into text
            return "a number with thousands of digits"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:36]}..."


class DateError(BadInputError):
    """A value that is not a date, a date the simulator does not cover, or dates in the wrong order."""


class PinLabelError(BadInputError):
    """A release's pins that are not a list of ``kind:value`` strings, like ``["key:K1"]``."""


class UsersError(BadInputError):
    """Update behaviour (a half-life, the never-update share) that is not a usable number."""


class OutOfRangeError(BadInputError):
    """A number of days or years, a target or an alert fraction outside the range that makes sense."""


class ScheduleError(BadInputError):
    """A timeline the simulator cannot run: no certificates, no releases, nothing live on day one, or more
    certificates, releases or pins than it handles."""


class PlanFileError(BadInputError):
    """A PLAN.json that cannot be read: not a regular file, too big, not JSON, or a field missing, unknown,
    empty or of the wrong type."""


class UnknownScenarioError(BadInputError):
    """A scenario name that is not in :data:`helpers.rotation.SCENARIOS`."""


class UnknownSettingError(BadInputError):
    """A scenario knob or a rotation-lab control that does not exist."""


class NotATimelineError(BadInputError):
    """Something other than a :class:`helpers.rotation.Timeline` given to the simulator."""
