"""The schedule: which card is posted on which day (day 0 is the launch graphic)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import CardgenError
from .model import LAUNCH, SUMMARY, Campaign, Loaded

UNSCHEDULED = 10**6  # sorts after every campaign day


def order(day: int | None, slug: str) -> tuple[int, str]:
    """The schedule's sort key: by day, unscheduled cases last, then by slug."""
    return (UNSCHEDULED if day is None else day, slug)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One scheduled post: day 0 is the launch graphic on the start date."""

    day: int
    date: dt.date
    slug: str
    loaded: Loaded | None  # None for the launch graphic


def schedule(campaign: Campaign, cases: list[Loaded]) -> list[Entry]:
    """Launch, then the scheduled cases in day order."""
    out = [Entry(day=0, date=campaign.start, slug=LAUNCH, loaded=None)]
    for loaded in sorted((c for c in cases if c.case.day), key=lambda c: c.case.day or 0):
        day = loaded.case.day or 0
        out.append(Entry(day=day, date=campaign.date_of(day), slug=loaded.slug, loaded=loaded))
    return out


def entries_for(
    campaign: Campaign, cases: list[Loaded], *, date: dt.date | None = None, day: int | None = None
) -> list[Entry]:
    """The posts for a date, in order (the start date has the launch, then day 1's case), or
    for a day (0 is the launch)."""
    span = f"{campaign.start:%Y-%m-%d} to {campaign.end:%Y-%m-%d} (days 1 to {campaign.days})"
    if date is not None:
        if not campaign.start <= date <= campaign.end:
            raise CardgenError(f"{date:%Y-%m-%d} is outside the campaign: it runs {span}")
        days = [(date - campaign.start).days + 1]
        if date == campaign.start:
            days.insert(0, 0)
    else:
        assert day is not None
        if not 0 <= day <= campaign.days:
            raise CardgenError(f"day {day} is outside the campaign: it runs {span}")
        days = [day]
    by_day = {entry.day: entry for entry in schedule(campaign, cases)}
    found = [by_day[d] for d in days if d in by_day]
    if days[-1] == campaign.days:  # the last day also has the summary infographic
        found.append(Entry(day=campaign.days, date=campaign.end, slug=SUMMARY, loaded=None))
    if not found:
        d = days[-1]
        raise CardgenError(f"no case is scheduled for day {d} ({campaign.date_of(d):%Y-%m-%d})")
    return found


def unscheduled_days(campaign: Campaign, cases: list[Loaded]) -> list[int]:
    """Campaign days that no case takes."""
    taken = {c.case.day for c in cases}
    return [d for d in range(1, campaign.days + 1) if d not in taken]
