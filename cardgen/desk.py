"""The day's desk: what comms staff post on a date, per platform: the image, the words with
their count and limit, and the alt text."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .build import build
from .errors import CardgenError, Problem
from .model import LAUNCH, SUMMARY, load_cases, open_campaign
from .platforms import PLATFORMS
from .posts import counted, platforms
from .project import Project
from .schedule import entries_for
from .signoff import read_approvals, status


@dataclass(frozen=True, kw_only=True)
class DayPost:
    """One card of the day with its post on each platform."""

    day: int
    date: dt.date
    slug: str
    kind: str
    title: str
    posts: dict[str, dict[str, Any]]  # platform key -> text, length, limit, alt, image
    approval: str | None = None  # its sign-off status, when the campaign requires sign-off

    def to_json(self) -> dict[str, Any]:
        """As `cardgen today --json` prints it."""
        return {
            "day": self.day,
            "date": self.date.isoformat(),
            "slug": self.slug,
            "title": self.title,
            "posts": self.posts,
        } | ({"approval": self.approval} if self.approval else {})


def _broken_day(project: Project, problems: list[Problem], day: int) -> list[Problem]:
    """The problems of an invalid case file that asks for ``day``, if there is one."""
    for slug in dict.fromkeys(p.slug for p in problems if p.slug):
        path = project.cases_dir / f"{slug}.toml"
        try:
            asked = tomllib.loads(path.read_text(encoding="utf-8")).get("day")
        except (OSError, ValueError):
            continue
        if asked == day:
            own = [p for p in problems if p.slug == slug]
            first = f"day {day}'s case {project.display(path)} has problems:"
            return [Problem(message=first), *own]
    return []


def day_posts(
    project: Project,
    out_dir: Path,
    *,
    date: dt.date | None = None,
    day: int | None = None,
    only: tuple[str, ...] = (),
) -> tuple[list[DayPost], list[Problem]]:
    """The cards of a date (or campaign day) with their posts, each card drawn if missing or
    stale; also the problems of that day's case if its file is broken."""
    campaign = open_campaign(project)
    cases, problems = load_cases(project, campaign)
    case_slugs = {c.slug for c in cases}
    chosen = [p for p in platforms(campaign) if not only or p.key in only]
    unknown = [k for k in only if k not in PLATFORMS]
    if unknown:
        raise CardgenError(f"unknown platform {unknown[0]!r}; use one of: {', '.join(PLATFORMS)}")
    wanted = day if day is not None else ((date - campaign.start).days + 1 if date else None)
    try:
        entries = entries_for(campaign, cases, date=date, day=day)
    except CardgenError as exc:  # a day left empty by a broken case file: say which, and why
        raise CardgenError(_broken_day(project, problems, wanted or -1) or exc.problems) from None
    broken = [] if wanted is None else _broken_day(project, problems, wanted)
    summary_format = next((n for n, f in project.formats.items() if "summary" in f.kinds), "")
    formats = {p.key: _format_of(project, p.format) for p in chosen}
    needed = {
        *formats.values(),
        *([summary_format] if SUMMARY in [e.slug for e in entries] else []),
    }
    report = build(
        project, out_dir, formats=sorted(needed), slugs=[e.slug for e in entries], jobs=1
    )
    cards = {(r.job.format, r.job.slug): r for r in report.results}
    approvals = read_approvals(project)[0] if campaign.sign_off.required else {}
    summaries = {r.job.slug for r in report.results if r.job.kind == "summary"}  # "summary-cy" too
    out = []
    for entry in _in_every_language(entries, {slug for _, slug in cards}):
        posts, title, shown = {}, entry.slug, {}
        for platform in chosen:
            fmt = summary_format if entry.slug in summaries else formats[platform.key]
            result = cards.get((fmt, entry.slug))
            if result is None or result.entry is None:
                mine = [p for p in report.problems if p.slug == entry.slug]
                raise CardgenError(
                    (result.problems if result else mine)
                    or f"the {fmt} format has no card for {entry.slug}"
                )
            card = result.entry
            post = counted(platform.key, card.posts[platform.key], campaign)
            image = project.display(out_dir / card.path)
            posts[platform.key] = {
                "text": post.text,
                "length": post.length,
                "limit": post.limit,
                "alt": card.alt,
                "image": image,
            }
            if platform.key in card.replies:  # a bilingual post too long for one: a reply
                reply = counted(platform.key, card.replies[platform.key], campaign)
                posts[platform.key]["reply"] = reply.text
                posts[platform.key]["reply_length"] = reply.length
            title = card.title or entry.slug
            shown[fmt] = result.job
        # Every image the day posts counts: one changed format is enough to refuse the day.
        approval = (
            str(status(approvals.get(entry.slug), shown.values()))
            if campaign.sign_off.required
            else None
        )
        kind = (
            "launch"
            if entry.slug.startswith(LAUNCH) and entry.slug not in case_slugs
            else "summary"
            if entry.slug in summaries
            else "case"
        )
        out.append(
            DayPost(
                day=entry.day,
                date=entry.date,
                slug=entry.slug,
                kind=kind,
                title=title,
                posts=posts,
                approval=approval,
            )
        )
    return out, broken


def _in_every_language(entries: list[Any], made: set[str]) -> list[Any]:
    """Each entry of the day, followed by its cards in the campaign's other languages and its
    bilingual card ("x-cy", "x-cy-en"): released together on the same day."""
    import dataclasses

    from .plan import versions

    return [dataclasses.replace(e, slug=s) for e in entries for s in versions(e.slug, made)]


def _format_of(project: Project, wanted: str) -> str:
    """The platform's format, or the first case format the project has if it lacks it."""
    formats = project.formats
    if wanted in formats:
        return wanted
    return next(name for name, f in formats.items() if "case" in f.kinds)
