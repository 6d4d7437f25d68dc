"""Template contexts: everything a template may use, for a case, the launch and the summary.

A context is JSON-serialisable: it is hashed into the card's cache key.
"""

from __future__ import annotations

from typing import Any

from .fonts import TYPEFACES
from .formats import Format
from .language import UI, date_text, day_text
from .model import LAUNCH, SUMMARY, Campaign, Loaded
from .posts import (
    alt_text,
    case_posts,
    launch_alt,
    launch_posts,
    outcomes_alt,
    summary_alt,
    summary_posts,
)
from .schedule import order
from .schema import dump


def _campaign_context(campaign: Campaign) -> dict[str, Any]:
    # Its words in other languages ("cy") are not: a card has only its own language's words,
    # so an edit to the Welsh leaves the English cards (and their approvals) alone.
    data = dump(campaign, exclude={"services", "brand", "words", "cy"})
    data["slogan_terms"] = campaign.slogan_terms
    data["start_text"] = date_text(campaign.start, campaign.language)
    data["end_text"] = date_text(campaign.end, campaign.language)
    data["dates_text"] = UI[campaign.language]["dates"].format(
        start=data["start_text"], end=data["end_text"]
    )
    return data


def look(campaign: Campaign, logo: dict[str, Any] | None) -> dict[str, Any]:
    """What every template gets about the brand: ``brand`` (colours, ``font`` and
    ``font_heavy`` families, ``logo``)."""
    brand = campaign.brand
    typeface = TYPEFACES[brand.typeface]
    return {
        "brand": {
            "colour": brand.colour,
            "text": brand.text,
            "accent": brand.accent,
            "panel": brand.panel,
            "panel_text": brand.on_panel,
            "footer": brand.footer,
            "footer_text": brand.footer_text,
            "font": typeface.name,
            "font_heavy": typeface.heavy,
            "logo": logo,
        }
    }


def case_context(
    loaded: Loaded,
    campaign: Campaign,
    shared: dict[str, Any],
    photo: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a case template may use; JSON-serialisable (it is hashed for the cache).
    ``shared`` is :func:`look`'s brand and words; ``photo`` what :func:`cardgen.photo.reference`
    says of the case's photo (its file, hash, alt text, credit and focus), or None."""
    case = loaded.case
    data = {**shared, **dump(case)}
    day = case.day
    data.update(
        slug=loaded.slug,
        theme=dump(campaign.services[case.service]),
        campaign=_campaign_context(campaign),
        date=campaign.date_of(day).isoformat() if day else None,
        date_text=date_text(campaign.date_of(day), campaign.language) if day else None,
        day_text=day_text(day, campaign.days, campaign.language) if day else None,
        language=campaign.language,
        t=UI[campaign.language],
        alt=alt_text(case, campaign),
        alt_charts=outcomes_alt(case, campaign),
        posts=case_posts(case, campaign),
        photo=photo,
    )
    return data


def launch_context(campaign: Campaign, shared: dict[str, Any]) -> dict[str, Any]:
    """Everything the launch graphic's template may use."""
    return {
        **shared,
        "words": {"launch_intro": campaign.say(campaign.words.launch_intro)},
        "slug": LAUNCH,
        "campaign": _campaign_context(campaign),
        "day": 0,
        "date": campaign.start.isoformat(),
        "date_text": date_text(campaign.start, campaign.language),
        "alt": launch_alt(campaign),
        "posts": launch_posts(campaign),
        "title": campaign.name,
        "url": campaign.url,
    }


def summary_context(
    campaign: Campaign, cases: list[Loaded], shared: dict[str, Any]
) -> dict[str, Any]:
    """The closing infographic: each service area's headline figures, in campaign order."""
    ordered = sorted(cases, key=lambda c: order(c.case.day, c.slug))
    areas = []
    for key, theme in campaign.services.items():
        members = [c for c in ordered if c.case.service == key]
        if members:
            areas.append(
                {
                    "service": key,
                    "label": theme.label,
                    "theme": dump(theme),
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
    counts = {"cases": len(cases), "areas": len(areas)}
    words = {
        name: campaign.say(getattr(campaign.words, name), **counts)
        for name in ("summary_title", "summary_subtitle")
    }
    # {more} is filled in by the template, panel by panel.
    words["summary_more"] = campaign.say(campaign.words.summary_more, **counts)
    title = f"{words['summary_title']} – {campaign.name}"
    return {
        **shared,
        "words": words,
        "slug": SUMMARY,
        "campaign": _campaign_context(campaign),
        "areas": areas,
        "cases": len(cases),
        "day": None,
        "date": campaign.end.isoformat(),
        "date_text": date_text(campaign.end, campaign.language),
        "alt": summary_alt(campaign, title, len(cases), areas),
        "posts": summary_posts(campaign, len(cases), len(areas)),
        "title": title,
        "url": campaign.url,
    }


def with_format(context: dict[str, Any], fmt: Format) -> dict[str, Any]:
    """A template context plus the format it is rendered for (``format.width`` etc.)."""
    size = {"name": fmt.name, "width": fmt.width, "height": fmt.height, "safe": fmt.safe}
    out = {**context, "format": size}
    if fmt.charts and "alt_charts" in context:  # its cards chart the outcomes: say what each shows
        out["alt"], out["alt_card"] = context["alt_charts"], context["alt"]
    return out


def bilingual(made: list[dict[str, Any]], campaign: Campaign) -> dict[str, Any]:
    """A bilingual card's context: the first language's, with the second's as ``second``
    (the campaign's order: Welsh first for ["cy", "en"]). Posts hold both languages where a
    platform's limit allows, else the first language's, with the second's as its reply; the
    alt text says the card in both."""
    from .posts import bilingual_alt, bilingual_posts

    first, second = made[0], made[1]
    posts, replies = bilingual_posts(first["posts"], second["posts"], campaign)
    languages = [first.get("language", "en"), second.get("language", "en")]
    return {
        **first,
        "slug": f"{first['slug']}-{languages[1]}" if languages[0] != "en" else first["slug"],
        "second": {k: v for k, v in second.items() if k not in ("brand", "posts", "alt")},
        "words": first.get("words", {}),
        "bilingual": languages,
        "title": f"{first['title']} / {second['title']}",  # for lists: the cards show each alone
        "titles": [first["title"], second["title"]],
        "posts": posts,
        "replies": replies,
        "alt": bilingual_alt(first["alt"], second["alt"], campaign),
        "alt_charts": None,
    }
