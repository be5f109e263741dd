"""Working time: the clock reminders and escalations run on.

A working day is a Monday to Friday that is not a configured holiday; all of its 24 hours
count (a choice: schools' approvers read messages outside lessons, and "24 working hours" then
means "one working day"). Saturdays, Sundays and holidays do not count at all. Days are UTC
days.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

DAY = timedelta(days=1)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_hours(start: datetime, hours: float, holidays: Collection[date]) -> datetime:
    """The moment ``hours`` working hours after ``start``."""
    remaining = timedelta(hours=hours)
    moment = start
    while True:
        midnight = datetime.combine(moment.date() + DAY, datetime.min.time(), moment.tzinfo)
        if is_working_day(moment.date(), holidays):
            left_today = midnight - moment
            if remaining <= left_today:
                return moment + remaining
            remaining -= left_today
        moment = midnight
