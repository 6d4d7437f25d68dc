"""`cardgen export`: the whole campaign's posts for the tools comms teams use.

- ``csv``: one row per post per platform (columns in the README);
- ``ics``: one calendar event per day at the posting time (RFC 5545, the ``icalendar``
  library), the day's posts and alt texts in its description;
- ``sprout``: Sprout Social's bulk-scheduling CSV (help centre, "How do I use bulk
  scheduling?": the headers ``date``, ``time_24hr``, ``message_text``, in that order; the
  image and link columns could not be confirmed, so images are attached in Sprout);
- ``hootsuite``: Hootsuite's bulk composer CSV (no Hootsuite page could be read: date-time,
  message and link columns as its older help described them; unconfirmed).

A cell that a spreadsheet would run as a formula (it begins with = + - @, a tab or a carriage
return) is written with a leading apostrophe, as OWASP advises for CSV injection: the
spreadsheet shows the text as written and runs nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from .build import build
from .errors import CardgenError, Problem
from .model import LAUNCH, SUMMARY, Campaign, load_cases, open_campaign
from .plan import versions
from .platforms import PLATFORMS
from .posts import platforms
from .project import Project
from .schedule import schedule

Target = Literal["csv", "ics", "sprout", "hootsuite"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "date", "time", "timezone", "day", "card", "platform", "text", "alt_text", "image", "link",
    "reply", "approval",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Row:
    """One post on one platform at its time."""

    when: dt.datetime  # aware, in the campaign's time zone
    day: int
    slug: str
    title: str
    platform: str
    text: str
    alt: str
    image: str
    link: str
    reply: bool = False  # a bilingual card's second language, posted as a reply to the first
    approval: str = ""  # its sign-off status, when the campaign requires sign-off


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as written and never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def posting_time(campaign: Campaign, date: dt.date, where: str) -> dt.datetime:
    """The campaign's posting time on ``date`` in its time zone; one that does not exist
    that day (the clocks go forward through it) is an error naming the date."""
    zone = ZoneInfo(campaign.posting.timezone)
    hour, minute = (int(x) for x in campaign.posting.time.split(":"))
    local = dt.datetime.combine(date, dt.time(hour, minute), tzinfo=zone)
    back = local.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise CardgenError(
            Problem(
                file=where,
                field="posting.time",
                message=f"{campaign.posting.time} does not exist on {date:%-d %B %Y} in "
                f"{campaign.posting.timezone} (the clocks go forward): choose another time",
            )
        )
    return local


def rows(project: Project, out_dir: Path) -> tuple[list[Row], list[Problem], Campaign]:
    """Every scheduled post on every platform, the cards built first (their images)."""
    campaign = open_campaign(project)
    cases, _ = load_cases(project, campaign)
    chosen = platforms(campaign)
    report = build(project, out_dir)
    cards = {(r.job.format, r.job.slug): r.entry for r in report.results if r.entry}
    summaries = {r.job.slug for r in report.results if r.job.kind == "summary"}  # "summary-cy" too
    summary_format = next((n for n, f in project.formats.items() if "summary" in f.kinds), "")
    entries = [(e.day, e.date, e.slug) for e in schedule(campaign, cases)]
    entries.append((campaign.days, campaign.end, SUMMARY))
    where = project.display(project.campaign_file)
    slugs = [slug for _, slug in cards]
    posted = [(d, date, s) for d, date, slug in entries for s in versions(slug, slugs)]
    out, problems = [], list(report.problems)
    for day, date, slug in posted:  # each card of the day: its Welsh and bilingual ones too
        when = posting_time(campaign, date, where)
        for platform in chosen:
            fmt = summary_format if slug in summaries else platform.format
            fmt = fmt if fmt in project.formats else "twitter"
            card = cards.get((fmt, slug))
            if card is None:
                problems.append(
                    Problem(
                        file=f"{fmt}/{slug}.png",
                        message=f"no image for the {PLATFORMS[platform.key].name} post",
                        slug=slug,
                    )
                )
                continue
            row = Row(
                when=when,
                day=day,
                slug=slug,
                title=card.title or slug,
                platform=platform.key,
                text=card.posts[platform.key],
                alt=card.alt,
                image=project.display(out_dir / card.path),
                link=card.url or "",
                approval=card.approval or "",
            )
            out.append(row)
            if platform.key in card.replies:
                out.append(dataclasses.replace(row, text=card.replies[platform.key], reply=True))
    return out, problems, campaign


def to_csv(found: list[Row]) -> str:
    """One row per post per platform."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in found:
        cells = [
            f"{r.when:%Y-%m-%d}", f"{r.when:%H:%M}", str(r.when.tzinfo), str(r.day), r.slug,
            r.platform, r.text, r.alt, r.image, r.link, "yes" if r.reply else "", r.approval,
        ]  # fmt: skip
        writer.writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


def to_sprout(found: list[Row], platform: str) -> str:
    """Sprout Social's bulk scheduling file for one platform (dd/mm/yyyy dates)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["date", "time_24hr", "message_text"])
    for r in found:
        if r.platform == platform and not r.reply:  # a bulk file cannot thread a reply
            writer.writerow([f"{r.when:%d/%m/%Y}", f"{r.when:%H:%M}", safe_cell(r.text)])
    return buffer.getvalue()


def to_hootsuite(found: list[Row], platform: str) -> str:
    """Hootsuite's bulk composer file for one platform (date-time, message, link)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for r in found:
        if r.platform == platform and not r.reply:  # a bulk file cannot thread a reply
            message = r.text.replace(r.link, "").strip() if r.link else r.text
            writer.writerow([f"{r.when:%d/%m/%Y %H:%M}", safe_cell(message), r.link])
    return buffer.getvalue()


def to_ics(found: list[Row], campaign: Campaign) -> bytes:
    """One event a day at the posting time, the day's posts and alt texts described."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//cardgen//campaign posts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{campaign.name} {campaign.hashtag}")
    by_day: dict[dt.datetime, list[Row]] = {}
    for r in found:
        by_day.setdefault(r.when, []).append(r)
    stamp = dt.datetime.combine(campaign.start, dt.time(0), tzinfo=dt.UTC)  # same bytes each run
    for when, day_rows in sorted(by_day.items()):
        titles = list(dict.fromkeys(r.title for r in day_rows))
        event = icalendar.Event()
        first = day_rows[0]
        label = "Launch" if first.slug == LAUNCH else f"Day {first.day}"
        event.add("uid", f"{when:%Y%m%d}-{first.slug}@cardgen")
        event.add("dtstamp", stamp)
        event.add("dtstart", when)
        event.add("duration", dt.timedelta(minutes=30))
        event.add("summary", f"{label}: {' / '.join(titles)} {campaign.hashtag}")
        lines = []
        for r in day_rows:
            name = PLATFORMS[r.platform].name + (", in reply" if r.reply else "")
            lines.append(f"{name} ({r.slug}) · image {r.image}\n{r.text}\n")
        alts = dict.fromkeys((r.slug, r.alt) for r in day_rows)
        lines += [f"Alt text ({slug}): {alt}\n" for slug, alt in alts]
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    # The zone's rules for the campaign's own dates only (not 1970 to 2038).
    year = dt.timedelta(days=366)
    calendar.add_missing_timezones(first_date=campaign.start - year, last_date=campaign.end + year)
    return calendar.to_ical()


def export(
    project: Project, out_dir: Path, target: Target, platform: str
) -> tuple[bytes, list[Problem]]:
    """The file's bytes for ``target``, and the problems met on the way."""
    found, problems, campaign = rows(project, out_dir)
    if target == "ics":
        return to_ics(found, campaign), problems
    text = {
        "csv": lambda: to_csv(found),
        "sprout": lambda: to_sprout(found, platform),
        "hootsuite": lambda: to_hootsuite(found, platform),
    }[target]()
    return text.encode("utf-8"), problems
