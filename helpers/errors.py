"""The course's exception family.

Every helper that is given bad input raises a subclass of :class:`BadInputError` whose message
is one sentence: what was wrong, and what to do about it. Each module names its leaves for the
problem (``DERInsteadOfPEMError``, ``PinFormatError``, ``HostPortError``), never for the module. The
command line prints that sentence and exits with status 2, so a learner never sees a traceback
from inside a library.
"""

from __future__ import annotations


class CourseError(Exception):
    """Base class of every error the course raises on purpose, explained in one sentence."""


class BadInputError(CourseError, ValueError):
    """Input that a helper cannot use (a wrong type, an empty file, an unknown name)."""
