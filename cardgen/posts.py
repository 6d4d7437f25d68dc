"""The words posted with each card: tweet text and alt text, counted as the platform counts."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .errors import Problem
from .model import Campaign, Case, Loaded, plural

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
    """The launch graphic's tweet: the campaign's ``launch_post`` words."""
    text = campaign.say(campaign.words.launch_post)
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


def summary_alt(campaign: Campaign, title: str, cases: int, areas: list[dict[str, Any]]) -> str:
    """The summary infographic's alt text: each service area's headline figures."""
    details = [
        f"{a['label']}: " + "; ".join(f"{f['figure']} {f['label']}" for f in a["figures"][:3]) + "."
        for a in areas
    ]
    counts = (
        f"{plural(cases, 'case study', 'case studies')} across "
        f"{plural(len(areas), 'service area', 'service areas')}"
    )
    return _fit_alt(
        [
            f"Infographic: {_sentence(title)} {counts}.",
            *details,
            f"{_sentence(campaign.slogan[:1].upper() + campaign.slogan[1:])} {campaign.hashtag}",
        ]
    )


def summary_tweet(campaign: Campaign, cases: int, areas: int) -> str:
    """The summary infographic's tweet: the campaign's ``summary_post`` words."""
    tail = (f" {campaign.url}" if campaign.url else "") + f" {campaign.hashtag}"
    text = campaign.say(campaign.words.summary_post, cases=cases, areas=areas)
    return _shorten(text, TWEET_LIMIT - tweet_length(tail)) + tail


def check_limits(loaded: Loaded, campaign: Campaign) -> list[Problem]:
    """A case's own tweet and alt text must fit the platform's limits."""
    problems = []
    case = loaded.case
    n = tweet_length(tweet_text(case, campaign)) if case.tweet else 0
    if n > TWEET_LIMIT:
        problems.append(
            Problem(
                file=loaded.where,
                field="tweet",
                message=(
                    f"{n} characters as X counts them (with the hashtag); at most {TWEET_LIMIT}"
                ),
                slug=loaded.slug,
            )
        )
    if case.alt and len(case.alt) > ALT_LIMIT:
        problems.append(
            Problem(
                file=loaded.where,
                field="alt",
                message=f"{len(case.alt)} characters; at most {ALT_LIMIT}",
                slug=loaded.slug,
            )
        )
    return problems
