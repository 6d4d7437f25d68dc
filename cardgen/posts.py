"""The words posted with each card, per platform, and its alt text.

A post is made of whole parts: the title and organisation, as many whole sentences of the
summary as fit, the photo's credit, the link and the hashtag. A sentence is never cut: if
only the title fits, the post is the title, the link and the hashtag; if even that does not,
the case must write its own post for that platform (``[posts]`` in its file), and the build
says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import Problem
from .language import ACROSS, UI, date_text
from .model import Campaign, Case, Loaded
from .platforms import PLATFORMS, Platform, length, post_problems

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'‘“(]?[A-Z0-9£€$])")


@dataclass(frozen=True, kw_only=True)
class Post:
    """A post as a platform counts it."""

    platform: str
    text: str
    length: int
    limit: int


def platforms(campaign: Campaign) -> list[Platform]:
    """The platforms the campaign posts on, in the campaign file's order."""
    return [PLATFORMS[key] for key in campaign.posting.platforms]


def limit_of(platform: Platform, campaign: Campaign) -> int:
    """A platform's post limit for this campaign (Mastodon: its instance's)."""
    return campaign.posting.mastodon_limit if platform.key == "mastodon" else platform.limit


def counted(key: str, text: str, campaign: Campaign) -> Post:
    """A post with its length and limit on the platform ``key``."""
    platform = PLATFORMS[key]
    return Post(
        platform=key,
        text=text,
        length=length(text, platform),
        limit=limit_of(platform, campaign),
    )


def sentences(text: str) -> list[str]:
    """A text's sentences, split after . ! ? or … before a capital, digit or quote."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def _tail(url: str | None, platform: Platform, campaign: Campaign) -> str:
    link = (
        (url if platform.links_clickable else UI[campaign.language]["link_in_bio"]) if url else ""
    )
    return "\n\n" + " ".join(p for p in (link, campaign.hashtag) if p)


def _with_hashtag(text: str, campaign: Campaign) -> str:
    return text if campaign.hashtag.lower() in text.lower() else f"{text} {campaign.hashtag}"


def compose(case: Case, campaign: Campaign, platform: Platform) -> str:
    """The case's post on one platform: its own words if it gave them, else whole parts."""
    own = case.posts.get(platform.key) or (case.tweet if platform.key == "x" else None)
    if own:
        return _with_hashtag(own, campaign)
    limit = limit_of(platform, campaign)
    tail = _tail(case.url, platform, campaign)
    head = f"{case.title} – {case.organisation}"
    body = sentences(case.summary) if case.summary else []
    credit = ""
    if case.photo and case.photo_credit:
        credit = f"\n\n{UI[campaign.language]['photo']}: {_sentence(case.photo_credit)}"
    for k in range(len(body), -1, -1):
        text = head + ("\n\n" + " ".join(body[:k]) if k else "") + credit + tail
        if length(text, platform) <= limit:
            return text
    return case.title + tail  # the title, the link and the hashtag: whole, whatever it counts


def case_posts(case: Case, campaign: Campaign) -> dict[str, str]:
    """The case's post on each of the campaign's platforms."""
    return {p.key: compose(case, campaign, p) for p in platforms(campaign)}


def _campaign_posts(text: str, campaign: Campaign) -> dict[str, str]:
    return {p.key: text + _tail(campaign.url, p, campaign) for p in platforms(campaign)}


def launch_posts(campaign: Campaign) -> dict[str, str]:
    """The launch graphic's posts: the campaign's ``launch_post`` words."""
    return _campaign_posts(campaign.say(campaign.words.launch_post), campaign)


def summary_posts(campaign: Campaign, cases: int, areas: int) -> dict[str, str]:
    """The summary infographic's posts: the campaign's ``summary_post`` words."""
    words = campaign.say(campaign.words.summary_post, cases=cases, areas=areas)
    return _campaign_posts(words, campaign)


# --- alt text --------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def spoken(text: str, language: str = "en") -> str:
    """Text as a screen reader should hear it: "=" said as "equals" ("yn hafal i")."""
    return re.sub(r"\s*=\s*", f" {UI[language]['equals']} ", text).strip()


def _slogan(campaign: Campaign) -> str:
    slogan = spoken(campaign.slogan, campaign.language)
    return _sentence(slogan[:1].upper() + slogan[1:])


def _fit_alt(parts: list[str], limit: int) -> str:
    """Join sentences, dropping optional ones from the end (the last, closing one kept) to
    stay within the limit; the first sentence alone is cut only if it is itself too long."""
    text = " ".join(parts)
    while len(text) > limit and len(parts) > 2:
        parts = parts[:-2] + parts[-1:]
        text = " ".join(parts)
    if len(text) > limit:
        text = parts[0]
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def alt_text(case: Case, campaign: Campaign) -> str:
    """What the card shows, in plain sentences, within the campaign's alt-text limit."""
    if case.alt:
        return case.alt
    theme = campaign.services[case.service]
    ui = UI[campaign.language]
    parts = [f"{ui['card']}: {_sentence(case.title)}"]
    if case.photo and case.photo_alt:
        parts.append(f"{ui['photo']}: {_sentence(case.photo_alt)}")
    parts.append(
        _sentence(ui["case_from"].format(label=theme.label, organisation=case.organisation))
    )
    parts += [f"{o.figure} {_sentence(o.label)}" for o in case.outcomes]
    parts.append(_slogan(campaign))
    return _fit_alt(parts, campaign.posting.alt_limit)


def outcomes_alt(case: Case, campaign: Campaign) -> str:
    """The outcomes infographic's alt text: each figure, what its chart shows, and its label."""
    from .figures import describe, parse

    theme = campaign.services[case.service]
    ui = UI[campaign.language]
    parts = [
        f"{ui['outcomes']}: {_sentence(case.title)}",
        _sentence(ui["case_from"].format(label=theme.label, organisation=case.organisation)),
    ]
    for o in case.outcomes:
        # What a chart shows is said in English only, so far: other languages give the figure.
        shown = describe(parse(o.figure, o.label)) if campaign.language == "en" else ""
        parts.append(
            f"{shown}, {_sentence(o.label)}" if shown else f"{o.figure} {_sentence(o.label)}"
        )
    parts.append(_slogan(campaign))
    return _fit_alt(parts, campaign.posting.alt_limit)


def launch_alt(campaign: Campaign) -> str:
    """The launch graphic's alt text."""
    ui = UI[campaign.language]
    equals = f" {ui['equals']} "
    terms = campaign.slogan_terms
    intro = campaign.say(campaign.words.launch_intro)
    return _fit_alt(
        [
            f"{ui['infographic']}: {_sentence(equals.join(terms))}",
            f"{campaign.name}: {_sentence(intro)}",
            _sentence(
                ui["period"].format(
                    start=date_text(campaign.start, campaign.language),
                    end=date_text(campaign.end, campaign.language),
                    organisation=campaign.organisation,
                )
            ),
        ],
        campaign.posting.alt_limit,
    )


def summary_alt(campaign: Campaign, title: str, cases: int, areas: list[dict[str, Any]]) -> str:
    """The summary infographic's alt text: each service area's headline figures."""
    details = [
        f"{a['label']}: " + "; ".join(f"{f['figure']} {f['label']}" for f in a["figures"]) + "."
        for a in areas
    ]
    counts = campaign.say(ACROSS[campaign.language], cases=cases, areas=len(areas))
    lead = f"{UI[campaign.language]['infographic']}: {_sentence(title)} {counts}."
    return _fit_alt(
        [lead, *details, _slogan(campaign)],
        campaign.posting.alt_limit,
    )


# --- both languages ------------------------------------------------------------------------


def bilingual_posts(
    first: dict[str, str], second: dict[str, str], campaign: Campaign
) -> tuple[dict[str, str], dict[str, str]]:
    """A bilingual card's posts: on each platform both languages in one post where its limit
    allows (the first without its link and hashtag, which the second ends with), else the
    first language's post, with the second's as a reply."""
    posts, replies = {}, {}
    for key, one in first.items():
        two = second[key]
        platform = PLATFORMS[key]
        body = one.rsplit("\n\n", 1)[0] if campaign.hashtag in one.rsplit("\n\n", 1)[-1] else one
        both = f"{body}\n\n{two}"
        if not post_problems(both, platform, limit_of(platform, campaign)):
            posts[key] = both
        else:
            posts[key], replies[key] = one, two
    return posts, replies


def bilingual_alt(first: str, second: str, campaign: Campaign) -> str:
    """Alt text in both languages, each in its own half of the limit if both do not fit."""
    limit = campaign.posting.alt_limit
    both = f"{first} {second}"
    if len(both) <= limit:
        return both
    half = (limit - 1) // 2  # each keeps its first sentence and its last, dropping between
    return f"{_fit_alt(sentences(first), half)} {_fit_alt(sentences(second), half)}"


# --- checks ----------------------------------------------------------------------------------


def post_checks(posts: dict[str, str], alt: str, campaign: Campaign) -> list[tuple[str, str, str]]:
    """(platform key, which, message) for every rule a card's posts or alt text break; the
    alt text is checked once, against the smallest limit of the platforms and the house."""
    found = []
    for key, text in posts.items():
        platform = PLATFORMS[key]
        limit = limit_of(platform, campaign)
        found += [(key, "post", message) for message in post_problems(text, platform, limit)]
    strictest = min((PLATFORMS[k] for k in posts), key=lambda p: p.alt_limit, default=None)
    most = min(campaign.posting.alt_limit, strictest.alt_limit if strictest else 10**6)
    if len(alt) > most:
        which = "the house limit" if most == campaign.posting.alt_limit else strictest.name
        found.append(("", "alt", f"{len(alt):,} characters; at most {most:,} ({which})"))
    return found


def check_limits(
    loaded: Loaded,
    campaign: Campaign,
    posts: dict[str, str] | None = None,
    alt: str | None = None,
) -> list[Problem]:
    """A case's posts (its own or composed) and alt text must keep each platform's rules
    (``posts`` and ``alt``: as already made for its context, not made again)."""
    case = loaded.case
    posts = case_posts(case, campaign) if posts is None else posts
    alt = alt_text(case, campaign) if alt is None else alt
    problems = []
    for key, which, message in post_checks(posts, alt, campaign):
        own = key in case.posts or (key == "x" and case.tweet)
        if which == "alt":
            field = "alt"
        elif own:
            field = f"posts.{key}" if key in case.posts else "tweet"
        else:
            field = "title"
            message += f"; its title alone is too long for {PLATFORMS[key].name}: write posts.{key}"
        problems.append(
            Problem(
                file=loaded.where,
                field=field,
                message=f"{PLATFORMS[key].name}: {message}" if which == "post" else message,
                slug=loaded.slug,
            )
        )
    return problems
