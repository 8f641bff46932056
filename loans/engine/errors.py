"""Errors the engine raises for terms it cannot schedule."""


class ScheduleError(ValueError):
    """Terms that do not make a valid schedule (the message says why, for a 400)."""
