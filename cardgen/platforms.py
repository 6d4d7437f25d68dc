"""Each platform's rules for a post and its image, in one table, and how each counts.

Sources are given per figure; where a figure could not be confirmed from the platform's own
documentation, the comment says so. A campaign may switch platforms off, set its Mastodon
instance's limit and a house alt-text limit (``[posting]`` in the campaign file).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Counting = Literal["x", "graphemes", "characters"]


@dataclass(frozen=True, kw_only=True)
class Platform:
    """What a post on one platform may be."""

    key: str  # as written in campaign and case files, and in the JSON
    name: str
    limit: int  # the post's length, counted as ``counting`` says
    counting: Counting
    url_length: int | None = None  # every link counts this much (None: as written)
    url_scheme_only: bool = False  # only links written with http(s):// are shortened
    byte_limit: int | None = None  # UTF-8 bytes, as well as the length
    max_links: int | None = None
    max_hashtags: int | None = None
    links_clickable: bool = True  # else "link in bio" stands for the link
    alt_limit: int = 1000  # the image description
    format: str = "twitter"  # the card format posted with it


PLATFORMS: dict[str, Platform] = {
    p.key: p
    for p in (
        # twitter-text v3 config (github.com/twitter/twitter-text, config/v3.json):
        # maxWeightedTweetLength 280, scale 100, defaultWeight 200, ranges 0-4351, 8192-8205,
        # 8208-8223, 8242-8247 weigh 100, transformedURLLength 23, emoji parsing on.
        # Alt text: 1,000 characters through API v2 media metadata (420 was the 2016 limit).
        Platform(key="x", name="X", limit=280, counting="x", url_length=23, alt_limit=1000),
        # Bluesky lexicon app.bsky.feed.post: text maxGraphemes 300, maxLength 3000 (bytes).
        # Alt text 2,000: the official app's limit (the lexicon's image alt has no maximum).
        Platform(
            key="bluesky",
            name="Bluesky",
            limit=300,
            counting="graphemes",
            byte_limit=3000,
            alt_limit=2000,
        ),
        # Mastodon: 500 by default (MAX_CHARS in StatusLengthValidator, each instance may set
        # its own); counts graphemes; every http(s) URL counts 23 (URL_PLACEHOLDER_CHARS).
        # Media descriptions: 1,500 (MediaAttachment::MAX_DESCRIPTION_LENGTH).
        Platform(
            key="mastodon",
            name="Mastodon",
            limit=500,
            counting="graphemes",
            url_length=23,
            url_scheme_only=True,
            alt_limit=1500,
        ),
        # LinkedIn: 3,000 characters per post (LinkedIn Help). Alt text limit not published:
        # a house limit of 1,000.
        Platform(key="linkedin", name="LinkedIn", limit=3000, counting="characters", format="og"),
        # Threads: 500 characters, at most 5 links, one topic tag (Meta's Threads API docs).
        # Alt text limit not published: a house limit of 1,000.
        Platform(
            key="threads",
            name="Threads",
            limit=500,
            counting="characters",
            max_links=5,
            max_hashtags=1,
            format="portrait",
        ),
        # Instagram: captions of 2,200 characters; at most 5 hashtags (announced December
        # 2025; earlier 30); links in captions are not clickable. Alt text: house limit.
        Platform(
            key="instagram",
            name="Instagram",
            limit=2200,
            counting="characters",
            max_hashtags=5,
            links_clickable=False,
            format="portrait",
        ),
        # Facebook: 63,206 characters per post. Alt text limit not published: house limit.
        Platform(key="facebook", name="Facebook", limit=63206, counting="characters", format="og"),
    )
}

# Links as platforms find them: with a scheme, or a www. name (X finds bare domains too, by
# its list of TLDs; cardgen's own posts always write links with https://).
_URL = re.compile(r"(?:https?://|www\.)[^\s]+?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
HASHTAG = re.compile(r"(?<![\w&])#\w+")
# X's weighted length: these ranges count 1, everything else 2 (twitter-text v3 config).
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


@functools.cache
def _graphemes() -> re.Pattern[str]:
    import regex  # extended grapheme clusters (\X), which the standard library lacks

    return regex.compile(r"\X")  # type: ignore[no-any-return]


def graphemes(text: str) -> list[str]:
    """The user-perceived characters of ``text`` (Unicode extended grapheme clusters)."""
    if text.isascii():
        return list(text)
    return _graphemes().findall(text)  # type: ignore[no-any-return]


def _is_emoji(cluster: str) -> bool:
    """A grapheme that is an emoji: an emoji presentation, a ZWJ sequence, a flag, a keycap."""
    first = ord(cluster[0])
    joined = len(cluster) > 1 and any(ch in cluster for ch in ("\u200d", "\ufe0f", "\u20e3"))
    return joined or 0x1F000 <= first <= 0x1FAFF or 0x2600 <= first <= 0x27BF


def _x_weight(cluster: str) -> int:
    if _is_emoji(cluster):
        return 2  # an emoji weighs 2 however many code points build it
    return sum(1 if any(lo <= ord(ch) <= hi for lo, hi in _LIGHT) else 2 for ch in cluster)


def links(text: str) -> list[str]:
    """The links in a post."""
    return [m.group(0) for m in _URL.finditer(text)]


def _valid_host(url: str) -> bool:
    """A domain whose every label is at most 63 characters (as punycode): else not a link."""
    host = re.split(r"[/?#:]", _SCHEME.sub("", url, count=1), maxsplit=1)[0]
    for label in host.split("."):
        size = len(label) if label.isascii() else len(label.encode("punycode")) + 4  # "xn--"
        if size > 63:
            return False
    return True


def length(text: str, platform: Platform) -> int:
    """A post's length as the platform counts it."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for match in _URL.finditer(text):
        shortened = (
            platform.url_length is not None
            and (not platform.url_scheme_only or _SCHEME.match(match.group(0)))
            and _valid_host(match.group(0))
        )
        if shortened:
            total += _count(text[last : match.start()], platform) + (platform.url_length or 0)
            last = match.end()
    return total + _count(text[last:], platform)


# Text with none of these is counted as it is long: each character is one grapheme, and
# weighs 1 on X (Latin, Welsh, general punctuation such as ’ – “ ”).
_NOT_PLAIN = re.compile(
    "[^\u0000-\u02ff\u0370-\u0482\u048a-\u0590\u2000-\u200c\u2010-\u201f\u2032-\u2037]"
)


def _count(text: str, platform: Platform) -> int:
    if platform.counting == "characters" or text.isascii() or not _NOT_PLAIN.search(text):
        return len(text)
    clusters = graphemes(text)
    if platform.counting == "graphemes":
        return len(clusters)
    return sum(_x_weight(c) for c in clusters)


def post_problems(text: str, platform: Platform, limit: int | None = None) -> list[str]:
    """What breaks the platform's rules in a post, in words: empty if nothing does."""
    found = []
    most = limit or platform.limit
    n = length(text, platform)
    if n > most:
        found.append(f"{n:,} characters as {platform.name} counts them; at most {most:,}")
    if platform.byte_limit and len(text.encode()) > platform.byte_limit:
        found.append(f"{len(text.encode()):,} bytes; {platform.name} takes {platform.byte_limit:,}")
    if platform.max_links is not None and len(links(text)) > platform.max_links:
        found.append(f"{len(links(text))} links; {platform.name} takes {platform.max_links}")
    tags = HASHTAG.findall(text)
    if platform.max_hashtags is not None and len(tags) > platform.max_hashtags:
        found.append(f"{len(tags)} hashtags; {platform.name} takes {platform.max_hashtags}")
    return found
