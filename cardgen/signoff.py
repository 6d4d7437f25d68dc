"""Sign-off: approvals bound to exactly what was approved.

An approval records who approved a card and its posts, when, and three content hashes: the
card as drawn in each format (its data, the campaign's settings, the template, the fonts, the
logo), its posts on every platform, and its alt text. The versions of cardgen and the
rendering libraries are left out, so an upgrade does not void every approval. A card whose
hashes no longer match is "changed" (and the status says what changed); with sign-off on,
such a card, or one never approved, is drawn with a DRAFT mark.

Approvals live in ``approvals.toml`` beside the campaign file: plain, sorted, diff-friendly,
committed with the project.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CardgenError, Problem

if TYPE_CHECKING:
    from .plan import Job
    from .project import Project

APPROVALS = "approvals.toml"
# What a reader reads beside the card, hashed on its own: the posts, and the alt text (the
# card's, and the outcomes infographic's, which says what its charts show). And ``t``, the
# table of cardgen's own words in the card's language ("Photo", "Day {day} of {days}"): it
# belongs to cardgen's version, like the rendering libraries', and a release that adds a word
# to it must not void every approval (the words a card shows, "Day 3 of 22", are hashed as
# shown: ``day_text``, the credit line through the photo).
VISUAL_EXCLUDED = ("posts", "alt", "alt_card", "alt_charts", "t")


def _hash(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def content(context: dict[str, Any], template_digest: str, fonts_digest: str) -> dict[str, str]:
    """The hashes an approval binds: the card as drawn, its posts, its alt text."""
    visual = {k: v for k, v in context.items() if k not in VISUAL_EXCLUDED}
    return {
        "card": _hash([visual, template_digest, fonts_digest])[:20],
        "posts": _hash(context.get("posts", {}))[:20],
        # One hash for every format's alt text: the card's, and the charts' where they differ.
        "alt": _hash([context.get("alt_card", context.get("alt", "")), context.get("alt_charts")])[
            :20
        ],
    }


@dataclass(frozen=True, kw_only=True)
class Approval:
    """One card's approval."""

    slug: str
    by: str
    at: str  # ISO 8601, UTC
    note: str = ""
    cards: dict[str, str] = field(default_factory=dict)  # format -> card hash
    posts: str = ""
    alt: str = ""


@dataclass(frozen=True, kw_only=True)
class Status:
    """Where a card stands: approved, not approved, or changed since approval (and what)."""

    state: str  # approved | not approved | changed
    by: str | None = None
    at: str | None = None
    changed: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.state == "approved":
            return f"approved by {self.by} on {self.at[:10] if self.at else '?'}"
        if self.state == "changed":
            return f"changed since approval: {', '.join(self.changed)}"
        return "not approved"


def approvals_path(project: Project) -> Path:
    """Where the project's approvals are kept: beside its campaign file."""
    assert project.campaign_file is not None
    return project.campaign_file.parent / APPROVALS


def read_approvals(project: Project) -> tuple[dict[str, Approval], list[Problem]]:
    """The approvals, and one problem per part that cannot be read (the rest still read)."""
    path = approvals_path(project)
    shown = project.display(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [Problem(file=shown, message=f"cannot be read ({exc}); fix or delete it")]
    found: dict[str, Approval] = {}
    problems = []
    for slug, entry in data.items():
        try:
            if not isinstance(entry, dict):
                raise TypeError("not a table")
            cards = entry.get("cards", {})
            if not isinstance(cards, dict) or not all(isinstance(v, str) for v in cards.values()):
                raise TypeError("cards must map formats to hashes")
            known = {"by", "at", "note", "cards", "posts", "alt"}
            extra = sorted(set(entry) - known)
            if extra:
                raise TypeError(f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(known))})")
            found[slug] = Approval(
                slug=slug,
                by=str(entry["by"]),
                at=str(entry["at"]),
                note=str(entry.get("note", "")),
                cards=dict(cards),
                posts=str(entry.get("posts", "")),
                alt=str(entry.get("alt", "")),
            )
        except (KeyError, TypeError) as exc:
            message = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            problems.append(Problem(file=shown, field=slug, message=f"{message}; entry ignored"))
    return found, problems


def status(approval: Approval | None, jobs: Iterable[Job]) -> Status:
    """A card's status from its approval and its jobs (one per format)."""
    if approval is None:
        return Status(state="not approved")
    jobs = list(jobs)
    changed = [
        f"the {job.format} card"
        for job in jobs
        if approval.cards.get(job.format) not in (None, job.content["card"])
    ]
    if any(job.content["posts"] != approval.posts for job in jobs):
        changed.append("post text")
    if any(job.content["alt"] != approval.alt for job in jobs):
        changed.append("alt text")
    if changed:
        return Status(state="changed", by=approval.by, at=approval.at, changed=tuple(changed))
    return Status(state="approved", by=approval.by, at=approval.at)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_approvals(approvals: dict[str, Approval]) -> str:
    """The approvals file's text: one table per card, sorted, one key per line."""
    lines = [
        "# Approvals of cards and their posts (cardgen approve / revoke). Each binds the card's",
        "# content: edit a case, its posts or its template and the card shows as changed.",
    ]
    for slug in sorted(approvals):
        a = approvals[slug]
        lines += ["", f"[{slug}]", f"by = {_toml_string(a.by)}", f"at = {_toml_string(a.at)}"]
        if a.note:
            lines.append(f"note = {_toml_string(a.note)}")
        lines.append(f"posts = {_toml_string(a.posts)}")
        lines.append(f"alt = {_toml_string(a.alt)}")
        cards = ", ".join(f"{k} = {_toml_string(v)}" for k, v in sorted(a.cards.items()))
        lines.append(f"cards = {{ {cards} }}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def locked(project: Project) -> Iterator[None]:
    """One writer of the approvals at a time (two `cardgen approve` at once lose nothing)."""
    import fcntl

    path = approvals_path(project)
    with open(path.with_name(f".{APPROVALS}.lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def update(project: Project, change: dict[str, Approval | None]) -> None:
    """Add, replace (an Approval) or remove (None) approvals: read, change, write atomically,
    all under the lock."""
    from .build import write_atomic

    with locked(project):
        current, problems = read_approvals(project)
        if problems and approvals_path(project).exists() and not current:
            raise CardgenError(problems)  # a broken file is not overwritten
        for slug, approval in change.items():
            if approval is None:
                current.pop(slug, None)
            else:
                current[slug] = approval
        write_atomic(approvals_path(project), render_approvals(current).encode())


def approval_for(slug: str, jobs: list[Job], by: str, note: str = "") -> Approval:
    """An approval of a card's jobs (every format given) as they are now."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Approval(
        slug=slug,
        by=by,
        at=now,
        note=note,
        cards={job.format: job.content["card"] for job in jobs},
        posts=jobs[0].content["posts"],
        alt=jobs[0].content["alt"],
    )


def draft_mark(svg: bytes, width: int, height: int, family: str) -> bytes:
    """The card's SVG with a "DRAFT – not approved" band across its top and a frame, drawn
    over everything after the card's own checks (so they measure the card beneath)."""
    band = max(48, round(height * 0.08))
    size = round(band * 0.55)
    mark = (
        f'<g id="cardgen-draft">'
        f'<rect x="0" y="0" width="{width}" height="{band}" fill="#d4351c"/>'
        f'<rect x="4" y="4" width="{width - 8}" height="{height - 8}" fill="none" '
        f'stroke="#d4351c" stroke-width="8"/>'
        f'<text x="{width // 2}" y="{round(band * 0.7)}" text-anchor="middle" '
        f'font-family="{family}" font-weight="bold" font-size="{size}" fill="#ffffff">'
        f"DRAFT – not approved</text></g>"
    )
    return svg.replace(b"</svg>", mark.encode() + b"</svg>")


def approve(
    project: Project, slug: str | None, *, by: str, note: str = "", formats: Iterable[str] = ()
) -> list[tuple[str, list[str]]]:
    """Approve one card (or every one that builds: ``slug`` None) as it is now; a card with
    problems is refused with them. Returns (slug, formats) approved."""
    from .card import prepare
    from .plan import plan, problems_of_card

    the_plan = plan(project, formats=formats or None, slugs=[slug] if slug else None)
    by_slug: dict[str, list[Job]] = {}
    for job in the_plan.jobs:
        by_slug.setdefault(job.slug, []).append(job)
    if slug and slug not in by_slug:
        own = [p for p in the_plan.problems if p.slug == slug]
        if not own:
            raise CardgenError(Problem(file=slug, message="no such card", slug=slug))
        header = Problem(message=f"{slug} does not build, so it cannot be approved:")
        raise CardgenError([header, *own])
    approved, refused = {}, []
    for name, jobs in by_slug.items():
        problems = problems_of_card(the_plan.problems, name, {j.template for j in jobs})
        for job in jobs:
            try:
                prepare(job, project)
            except CardgenError as exc:
                problems += exc.problems
        if problems:
            refused += problems
            continue
        approved[name] = approval_for(name, jobs, by, note)
    if slug and refused:
        raise CardgenError(
            [Problem(message=f"{slug} does not build, so it cannot be approved:"), *refused]
        )
    if approved:
        update(project, dict(approved))
    return [(name, sorted(a.cards)) for name, a in approved.items()]


def day_statuses(
    project: Project,
) -> tuple[list[tuple[int | str, str, str, str, Status]], list[Problem]]:
    """(day, date, slug, title, status) of each scheduled card, in schedule order."""
    from .model import SUMMARY
    from .plan import plan, versions
    from .schedule import schedule

    the_plan = plan(project)
    approvals, problems = read_approvals(project)
    by_slug: dict[str, list[Job]] = {}
    for job in the_plan.jobs:
        by_slug.setdefault(job.slug, []).append(job)
    campaign = the_plan.campaign
    rows = []
    entries = [(e.day, e.date, e.slug) for e in schedule(campaign, the_plan.cases)]
    entries.append((campaign.days, campaign.end, SUMMARY))
    for day, date, posted in entries:
        for slug in versions(posted, by_slug):  # its Welsh and bilingual cards too
            jobs = by_slug.get(slug, [])
            title = str(jobs[0].context.get("title") or slug) if jobs else slug
            state = status(approvals.get(slug), jobs)
            rows.append((day, f"{date:%Y-%m-%d}", slug, title, state))
    known = set(by_slug) | {c.stem for c in project.cases_dir.glob("*.toml")}
    for slug in approvals:
        if slug not in known:
            problems.append(
                Problem(
                    file=project.display(approvals_path(project)),
                    field=slug,
                    message="approves a card that does not exist (its case was renamed or "
                    "deleted?): `cardgen revoke` it",
                )
            )
    return rows, problems
