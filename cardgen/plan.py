"""Planning: from a project's cases and templates to the list of cards to make.

Each card is a pure function of (its template context, the template files, the format, the
fonts, the rendering stack, cardgen's code). The hash of those is the card's cache key: a card
whose key and file are unchanged is not rendered again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import context as contexts
from .errors import CardgenError, Problem, UsageError
from .fitting import Source
from .formats import Format, Kind, template_name
from .language import campaign_in, case_in
from .logo import load_logo
from .model import (
    LANGUAGE_NAMES,
    LAUNCH,
    SUMMARY,
    Campaign,
    Loaded,
    case_paths,
    languages_of,
    load_cases,
    open_campaign,
)
from .photo import reference
from .posts import check_limits
from .project import Project, code_digest
from .render import stack_versions
from .rules import lint_source
from .signoff import content


@dataclass(frozen=True, kw_only=True)
class Job:
    """One card to make: a kind of card for one slug in one format."""

    kind: Kind
    slug: str
    format: str
    source: Source
    context: dict[str, Any]
    key: str
    content: dict[str, str]  # what an approval binds: the card, its posts, its alt text
    draft: bool = False  # drawn with the DRAFT mark: sign-off is on and it is not approved
    approval: str | None = None  # its sign-off status in words, when sign-off is on

    @property
    def template(self) -> str:
        """The template's file name."""
        return self.source.template

    @property
    def path(self) -> str:
        """Where the PNG goes, relative to the out folder."""
        return f"{self.format}/{self.slug}.png"


@dataclass(kw_only=True)
class Plan:
    """Everything a build will do, and the problems found while planning it."""

    campaign: Campaign
    cases: list[Loaded]
    jobs: list[Job]
    problems: list[Problem]
    formats: list[Format]
    invalid: set[str]  # slugs of case files that failed validation: their old cards are kept


def card_key(context: dict[str, Any], template: str, fmt: Format, project: Project) -> str:
    """The hash of everything that decides a card's pixels: its cache key."""
    payload = {
        "context": context,
        "template": project.template_digest(template),
        "format": [fmt.name, fmt.width, fmt.height, fmt.safe],
        "stack": stack_versions(project.fonts),
        "code": code_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def choose_formats(project: Project, names: Iterable[str] | None) -> list[Format]:
    """The formats asked for (all by default); an unknown one is a usage error."""
    formats = project.formats
    names = list(dict.fromkeys(names or []))  # --format twitter --format twitter: once
    unknown = [n for n in names if n not in formats]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r}; known: {', '.join(formats)}")
    return [formats[n] for n in (names or formats)]


def lint_templates(project: Project, formats: Sequence[Format]) -> dict[str, list[Problem]]:
    """Each template's source problems, by template name (an empty list: it is fine)."""
    out: dict[str, list[Problem]] = {}
    tmpl = project.templates
    for fmt in formats:
        for kind in fmt.kinds:
            name = template_name(kind, fmt.name)
            out[name] = [
                Problem(
                    file=tmpl.where(name),
                    line=f.line,
                    field=f.slot,
                    message=f.message,
                    template=name,
                )
                for f in lint_source(tmpl.path(name), fmt, project.fonts)
            ]
    return out


def make_job(
    kind: Kind, slug: str, text_file: str, context: dict[str, Any], fmt: Format, project: Project
) -> Job:
    """The job for one card, with its cache key."""
    # A bilingual card has one template per kind, laid out from the format's size.
    name = f"{kind}.bilingual.svg" if context.get("bilingual") else template_name(kind, fmt.name)
    context = contexts.with_format(context, fmt)
    source = Source(
        slug=slug,
        template=name,
        template_file=project.templates.where(name),
        text_file=text_file,
    )
    key = card_key(context, name, fmt, project)
    digest = project.template_digest(name)
    return Job(
        kind=kind,
        slug=slug,
        format=fmt.name,
        source=source,
        context=context,
        key=key,
        content=content(context, digest, project.fonts.digest),
    )


def plan(
    project: Project,
    *,
    formats: Iterable[str] | None = None,
    slugs: Iterable[str] | None = None,
    extra: Mapping[str, Sequence[Loaded]] | None = None,
) -> Plan:
    """Validate the cases and list the cards to make; bad cases are problems, not jobs.

    ``extra`` cases, per format name (the preview's stress row), are planned as case cards
    like the others, but take no part in the launch and summary graphics.
    """
    campaign = open_campaign(project)
    chosen = choose_formats(project, formats)
    cases, problems = load_cases(project, campaign)
    if not cases and not problems:
        problems.append(
            Problem(
                file=project.display(project.cases_dir),
                message="no case files (*.toml) in the cases folder",
            )
        )
    bad = {p.slug for p in problems if p.slug}
    cases = [c for c in cases if c.slug not in bad]
    invalid = {p.stem for p in case_paths(project.cases_dir)} & bad
    wanted = set(slugs) if slugs is not None else None
    if wanted is not None:
        known = {c.slug for c in cases} | {LAUNCH, SUMMARY}
        for slug in sorted(wanted - known - bad):
            problems.append(
                Problem(file=slug, message="no such case (see `cardgen list`)", slug=slug)
            )
    linted = lint_templates(project, chosen)
    for found in linted.values():
        problems.extend(found)
    # A case whose photo cannot be found still counts in the summary; its own cards wait
    # (the old ones are kept) until the photo is there.
    photos: dict[str, dict[str, Any] | None] = {}
    for c in cases:
        try:
            photos[c.slug] = reference(project, c)
        except CardgenError as exc:
            problems.extend(exc.problems)
            invalid.add(c.slug)
    campaign_file = project.display(project.campaign_file)
    shared = contexts.look(campaign, load_logo(project, campaign))
    by_kind: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "launch": _launches(campaign, campaign_file, shared),
        "case": [],
        "summary": _summaries(campaign, cases, campaign_file, shared),
    }
    for c in cases:
        if c.slug in photos:
            cards, found = _case_cards(c, campaign, shared, photos[c.slug])
            by_kind["case"] += cards
            problems += found
    problems += _campaign_post_problems(by_kind, campaign, campaign_file)
    jobs = []
    for fmt in chosen:
        more = [
            (c.slug, c.where, contexts.case_context(c, campaign, shared, reference(project, c)))
            for c in (extra or {}).get(fmt.name, ())
        ]
        for kind in fmt.kinds:
            if linted.get(template_name(kind, fmt.name)):
                continue
            cards = by_kind.get(kind, []) + (more if kind == "case" else [])
            for slug, text_file, context in cards:
                if context.get("bilingual") and fmt.charts:
                    continue  # charts formats are drawn one language at a time
                if wanted is None or asked_for(slug, wanted):
                    jobs.append(make_job(kind, slug, text_file, context, fmt, project))
    if campaign.sign_off.required:
        jobs, found = _sign_off(jobs, project)
        problems += found
    return Plan(
        campaign=campaign,
        cases=cases,
        jobs=jobs,
        problems=problems,
        formats=chosen,
        invalid=invalid,
    )


def asked_for(slug: str, wanted: set[str]) -> bool:
    """A card asked for by its case's slug: its language versions too."""
    if slug in wanted:
        return True
    parts = slug.split("-")
    for cut in range(len(parts) - 1, 0, -1):
        if all(p in LANGUAGE_NAMES for p in parts[cut:]) and "-".join(parts[:cut]) in wanted:
            return True
    return False


def versions(slug: str, slugs: Iterable[str]) -> list[str]:
    """A card's slug and its language versions among ``slugs``: "x", then "x-cy", "x-cy-en"
    (released together on its day, each cleared on its own)."""
    others = {s for s in slugs if s != slug and asked_for(s, {slug})}
    return [slug, *sorted(others, key=lambda s: (len(s), s))]


def _variant(slug: str, languages: Sequence[str]) -> str:
    """A card's slug in its languages: the case's own for English, "x-cy" for Welsh, and
    "x-cy-en" for a bilingual card."""
    return slug if list(languages) == ["en"] else f"{slug}-{'-'.join(languages)}"


def _case_cards(
    c: Loaded, campaign: Campaign, shared: dict[str, Any], photo: dict[str, Any] | None
) -> tuple[list[tuple[str, str, dict[str, Any]]], list[Problem]]:
    """A case's cards: one per language it is published in, and a bilingual one if two; and
    the problems of their posts. A post over a platform's limit is reported, but its card is
    still drawn: the picture is fine, and the case's own words for that platform fix it."""
    languages = languages_of(c.case, campaign)
    cards, problems, made = [], [], {}
    for lang in languages:
        spoken = campaign_in(campaign, lang)
        loaded = dataclasses.replace(c, slug=_variant(c.slug, [lang]), case=case_in(c.case, lang))
        context = contexts.case_context(loaded, spoken, shared, photo)
        found = check_limits(loaded, spoken, context["posts"], context["alt"])
        if lang != "en":  # its own words are in the [cy] table
            found = [dataclasses.replace(p, field=f"{lang}.{p.field}") for p in found]
        problems += found
        cards.append((loaded.slug, c.where, context))
        made[lang] = context
    if len(languages) > 1:
        both = contexts.bilingual([made[lang] for lang in languages], campaign)
        cards.append((_variant(c.slug, languages), c.where, both))
    return cards, problems


def _launches(
    campaign: Campaign, where: str, shared: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any]]]:
    """The launch graphic in each of the campaign's languages, and bilingual."""
    made = {
        lang: {
            **contexts.launch_context(campaign_in(campaign, lang), shared),
            "slug": _variant(LAUNCH, [lang]),
        }
        for lang in campaign.languages
    }
    cards = [(_variant(LAUNCH, [lang]), where, made[lang]) for lang in campaign.languages]
    if len(campaign.languages) > 1:
        both = contexts.bilingual([made[lang] for lang in campaign.languages], campaign)
        cards.append((_variant(LAUNCH, campaign.languages), where, both))
    return cards


def _summaries(
    campaign: Campaign, cases: list[Loaded], where: str, shared: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any]]]:
    """The summary in English, and in each other language of the campaign that every case
    is published in (it shows every case's figures: one case without its Welsh would put
    English words on a Welsh card)."""
    out = []
    for lang in campaign.languages:
        if lang != "en" and not all(lang in languages_of(c.case, campaign) for c in cases):
            continue
        spoken = campaign_in(campaign, lang)
        told = [dataclasses.replace(c, case=case_in(c.case, lang)) for c in cases]
        slug = _variant(SUMMARY, [lang])
        context = {**contexts.summary_context(spoken, told, shared), "slug": slug}
        out.append((slug, where, context))
    return out


def _campaign_post_problems(
    by_kind: dict[str, list[tuple[str, str, dict[str, Any]]]], campaign: Campaign, where: str
) -> list[Problem]:
    """The launch and summary posts, made from the campaign's words, must keep each
    platform's rules too: a problem names the words to shorten."""
    from .platforms import PLATFORMS
    from .posts import post_checks

    found = []
    for kind, field in (("launch", "words.launch_post"), ("summary", "words.summary_post")):
        for slug, _, context in by_kind[kind]:
            for key, which, message in post_checks(context["posts"], context["alt"], campaign):
                name = PLATFORMS[key].name if key else ""
                found.append(
                    Problem(
                        file=where,
                        field=field if which == "post" else f"{kind} alt text",
                        message=f"{name}: {message}" if name else message,
                        slug=slug,
                    )
                )
    return found


def _sign_off(jobs: list[Job], project: Project) -> tuple[list[Job], list[Problem]]:
    """Each job with its sign-off status; unapproved or changed ones drawn DRAFT (the mark is
    part of the cache key, so approving a card draws it again, clean)."""
    from .signoff import read_approvals, status

    approvals, problems = read_approvals(project)
    out = []
    for job in jobs:
        state = status(approvals.get(job.slug), [job])
        draft = state.state != "approved" and project.draft_marks
        key = hashlib.sha256(f"{job.key} draft".encode()).hexdigest() if draft else job.key
        out.append(dataclasses.replace(job, draft=draft, approval=str(state), key=key))
    return out, problems


def problems_of_card(found: Iterable[Problem], slug: str, templates: set[str]) -> list[Problem]:
    """The problems that stop a card: its own case's, the campaign's and its templates'."""
    return [
        p
        for p in found
        if p.slug == slug or (p.slug is None and (p.template is None or p.template in templates))
    ]
