"""The campaign's words: template contexts, the schedule, tweet text and alt text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .errors import CardgenError, Problem
from .model import LAUNCH, SUMMARY, Campaign, Case, Loaded

ALT_LIMIT = 420  # characters X accepts for alt text through its API
TWEET_LIMIT = 280
TCO_LENGTH = 23  # X shortens every link to a t.co link of this length
# Links as X finds them (with or without a scheme); trailing punctuation is not part of one.
_URL = re.compile(r"(?:https?://|www\.)[^\s]+?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)
# X's "weighted length": these ranges count 1, everything else 2 (twitter-text v3 config).
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_ZWJ, _KEYCAP = "\u200d", "\u20e3"
_ATTACHED = re.compile(r"[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")


def _weight(ch: str) -> int:
    if ch <= "\u10ff":  # the common case first: Latin and most punctuation
        return 1
    return 1 if any(lo <= ord(ch) <= hi for lo, hi in _LIGHT) else 2


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def tweet_length(text: str) -> int:
    """A tweet's length as X counts it (twitter-text v3).

    Every link counts 23; an emoji counts 2 however many code points build it (ZWJ
    sequences, flags, skin tones, keycaps); other characters count 1 in X's light ranges
    (Latin, general punctuation) and 2 elsewhere (CJK and the rest).
    """
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for match in _URL.finditer(text):
        total += _weigh(text[last : match.start()]) + TCO_LENGTH
        last = match.end()
    return total + _weigh(text[last:])


def _weigh(text: str) -> int:
    total, i = 0, 0
    text = _ATTACHED.sub("", text)  # modifiers and variation selectors ride on their emoji
    while i < len(text):
        ch = text[i]
        if ch == _ZWJ and 0 < i < len(text) - 1:
            i += 2  # joins the next emoji to the previous one: counted already
            continue
        if ch == _KEYCAP:
            total += 1  # "1" + keycap is an emoji: 2 in all
        elif _is_regional(ch) and i + 1 < len(text) and _is_regional(text[i + 1]):
            total += 2  # a flag: two regional indicators
            i += 1
        else:
            total += _weight(ch)
        i += 1
    return total


def _shorten(text: str, budget: int) -> str:
    """Cut ``text`` at a word boundary so that it, plus "…", weighs at most ``budget``."""
    if tweet_length(text) <= budget:
        return text
    words = text.split(" ")
    # Drop whole words from the end; weigh each once instead of the text again every time.
    weight = tweet_length(text + "…")
    while words and weight > budget:
        weight -= tweet_length(words.pop()) + (1 if words else 0)
    return (" ".join(words).rstrip(",;:–—-") + "…") if words else ""


def tweet_text(case: Case, campaign: Campaign) -> str:
    """The words to post with a card, ending with the hashtag and fitting 280 as X counts."""
    if case.tweet:
        if campaign.hashtag.lower() in case.tweet.lower():
            return case.tweet
        return f"{case.tweet} {campaign.hashtag}"
    head = f"{case.title} – {case.organisation}"
    tail = (f"\n\n{case.url}" if case.url else "") + f" {campaign.hashtag}"
    body = ""
    if case.summary:
        room = TWEET_LIMIT - tweet_length(head + "\n\n" + tail)
        body = "\n\n" + _shorten(case.summary, room) if room > 20 else ""
    text = head + body + tail
    if tweet_length(text) > TWEET_LIMIT:  # a very long title: shorten it, keep the rest
        room = TWEET_LIMIT - tweet_length(tail)
        text = _shorten(head, room) + tail
    return text


def launch_tweet(campaign: Campaign) -> str:
    """The launch graphic's tweet."""
    text = (
        f"Over the next {campaign.days} days we’re sharing a case study a day of good local "
        f"commissioning: {campaign.slogan}."
    )
    tail = (f" {campaign.url}" if campaign.url else "") + f" {campaign.hashtag}"
    return _shorten(text, TWEET_LIMIT - tweet_length(tail)) + tail


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _fit_alt(parts: list[str], limit: int = ALT_LIMIT) -> str:
    """Join sentences, dropping optional ones from the end, then cutting, to stay in the limit."""
    text = " ".join(parts)
    while len(text) > limit and len(parts) > 2:
        parts = parts[:-2] + parts[-1:]  # keep the closing slogan, drop the last detail
        text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def alt_text(case: Case, campaign: Campaign) -> str:
    """What the card shows, in plain sentences, at most 420 characters."""
    if case.alt:
        return case.alt
    theme = campaign.services[case.service]
    parts = [
        f"Case study card: {_sentence(case.title)}",
        f"{theme.label} case study from {_sentence(case.organisation)}",
    ]
    parts += [f"{o.figure} {_sentence(o.label)}" for o in case.outcomes]
    parts.append(
        f"{_sentence(campaign.slogan[:1].upper() + campaign.slogan[1:])} {campaign.hashtag}"
    )
    return _fit_alt(parts)


def launch_alt(campaign: Campaign) -> str:
    """The launch graphic's alt text."""
    terms = campaign.slogan_terms
    return _fit_alt(
        [
            f"Infographic: {' equals '.join(terms)}.",
            f"{campaign.name}: {campaign.days} days of case studies from {campaign.organisation},"
            f" starting {campaign.start:%-d %B %Y}. {campaign.hashtag}",
        ]
    )


def check_limits(loaded: Loaded, campaign: Campaign) -> list[Problem]:
    """A case's own tweet and alt text must fit the platform's limits."""
    problems = []
    case = loaded.case
    n = tweet_length(tweet_text(case, campaign)) if case.tweet else 0
    if n > TWEET_LIMIT:
        problems.append(
            Problem(
                loaded.where,
                "tweet",
                f"{n} characters as X counts them (with the hashtag); at most {TWEET_LIMIT}",
            )
        )
    if case.alt and len(case.alt) > ALT_LIMIT:
        problems.append(
            Problem(loaded.where, "alt", f"{len(case.alt)} characters; at most {ALT_LIMIT}")
        )
    return problems


# --- the schedule --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One scheduled post: day 0 is the launch graphic on the start date."""

    day: int
    date: dt.date
    slug: str
    loaded: Loaded | None  # None for the launch graphic


def schedule(campaign: Campaign, cases: list[Loaded]) -> list[Entry]:
    """Launch, then the scheduled cases in day order."""
    out = [Entry(0, campaign.start, LAUNCH, None)]
    for loaded in sorted((c for c in cases if c.case.day), key=lambda c: c.case.day or 0):
        day = loaded.case.day or 0
        out.append(Entry(day, campaign.date_of(day), loaded.slug, loaded))
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
    if not found:
        d = days[-1]
        raise CardgenError(f"no case is scheduled for day {d} ({campaign.date_of(d):%Y-%m-%d})")
    return found


def unscheduled_days(campaign: Campaign, cases: list[Loaded]) -> list[int]:
    """Campaign days that no case takes."""
    taken = {c.case.day for c in cases}
    return [d for d in range(1, campaign.days + 1) if d not in taken]


# --- template contexts ---------------------------------------------------------------------


def _campaign_context(campaign: Campaign) -> dict[str, Any]:
    data = campaign.model_dump(mode="json", exclude={"services"})
    data["slogan_terms"] = campaign.slogan_terms
    data["start_text"] = f"{campaign.start:%-d %B %Y}"
    data["end_text"] = f"{campaign.end:%-d %B %Y}"
    return data


def case_context(loaded: Loaded, campaign: Campaign) -> dict[str, Any]:
    """Everything a case template may use; JSON-serialisable (it is hashed for the cache)."""
    case = loaded.case
    data = case.model_dump(mode="json")
    day = case.day
    data.update(
        slug=loaded.slug,
        theme=campaign.services[case.service].model_dump(mode="json"),
        campaign=_campaign_context(campaign),
        date=campaign.date_of(day).isoformat() if day else None,
        date_text=f"{campaign.date_of(day):%-d %B %Y}" if day else None,
        alt=alt_text(case, campaign),
        tweet=tweet_text(case, campaign),
    )
    return data


def launch_context(campaign: Campaign) -> dict[str, Any]:
    """Everything the launch graphic's template may use."""
    return {
        "slug": LAUNCH,
        "campaign": _campaign_context(campaign),
        "day": 0,
        "date": campaign.start.isoformat(),
        "date_text": f"{campaign.start:%-d %B %Y}",
        "alt": launch_alt(campaign),
        "tweet": launch_tweet(campaign),
        "title": campaign.name,
        "url": campaign.url,
    }


def summary_context(campaign: Campaign, cases: list[Loaded]) -> dict[str, Any]:
    """The closing infographic: each service area's headline figures, in campaign order."""
    ordered = sorted(cases, key=lambda c: (c.case.day or 10**6, c.slug))
    areas = []
    for key, theme in campaign.services.items():
        members = [c for c in ordered if c.case.service == key]
        if members:
            areas.append(
                {
                    "service": key,
                    "label": theme.label,
                    "theme": theme.model_dump(mode="json"),
                    "cases": len(members),
                    "figures": [
                        {
                            "figure": c.case.outcomes[0].figure,
                            "label": c.case.outcomes[0].label,
                            "organisation": c.case.organisation,
                            "slug": c.slug,
                        }
                        for c in members
                    ],
                }
            )
    title = f"{campaign.name}: the campaign at a glance"
    details = [
        f"{a['label']}: " + "; ".join(f"{f['figure']} {f['label']}" for f in a["figures"][:3]) + "."
        for a in areas
    ]
    alt = _fit_alt(
        [
            f"Infographic: {title}. {len(cases)} case studies across {len(areas)} service areas.",
            *details,
            f"{_sentence(campaign.slogan[:1].upper() + campaign.slogan[1:])} {campaign.hashtag}",
        ]
    )
    tail = (f" {campaign.url}" if campaign.url else "") + f" {campaign.hashtag}"
    tweet = _shorten(
        f"{len(cases)} case studies in {campaign.days} days: thank you to every council and "
        f"partner who shared how {campaign.slogan}.",
        TWEET_LIMIT - tweet_length(tail),
    )
    return {
        "slug": SUMMARY,
        "campaign": _campaign_context(campaign),
        "areas": areas,
        "cases": len(cases),
        "day": None,
        "date": campaign.end.isoformat(),
        "date_text": f"{campaign.end:%-d %B %Y}",
        "alt": alt,
        "tweet": tweet + tail,
        "title": title,
        "url": campaign.url,
    }
