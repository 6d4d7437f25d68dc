"""Languages: Welsh and English words that cardgen itself puts on cards and in posts, dates
in each language, and a campaign or case seen in one of its languages.

Welsh month and weekday names are the wide forms of the Unicode CLDR Welsh ("cy") locale,
which GOV.UK services use for their Welsh dates too (HMCTS's and HMRC's Welsh date
formatting list the same names): dates read "Dydd Mawrth 25 Awst 2015". After a numeral
Welsh keeps the noun singular ("22 astudiaeth achos"). The Welsh phrases here are cardgen's
defaults, marked in the README for a Welsh translator to check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

WELSH_MONTHS = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
]
WELSH_DAYS = ("Llun", "Mawrth", "Mercher", "Iau", "Gwener", "Sadwrn", "Sul")  # Monday first
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Words on the cards themselves, per language: "Day 7 of 22", "Photo: …".
UI = {
    "en": {
        "day": "Day {day} of {days}",
        "day_long": "Day {day}",  # a campaign of 100 days or more: the count would not fit
        "dates": "From {start} to {end}",
        "photo": "Photo",
        "link_in_bio": "Link in bio.",
        "card": "Case study card",
        "case_from": "{label} case study from {organisation}",
        "outcomes": "Outcomes infographic",
        "infographic": "Infographic",
        "equals": "equals",
        "period": "{start} to {end}, from {organisation}",
    },
    "cy": {
        "day": "Diwrnod {day} o {days}",
        "day_long": "Diwrnod {day}",
        "dates": "O {start} i {end}",
        "photo": "Llun",
        "link_in_bio": "Dolen yn y bio.",
        "card": "Cerdyn astudiaeth achos",
        "case_from": "Astudiaeth achos {label} gan {organisation}",
        "outcomes": "Ffeithlun canlyniadau",
        "infographic": "Ffeithlun",
        "equals": "yn hafal i",
        "period": "{start} i {end}, gan {organisation}",
    },
}


def day_text(day: int, days: int, language: str = "en") -> str:
    """ "Day 7 of 22" on a case card; "Day 107" in a campaign of 100 days or more."""
    words = UI[language]
    return words["day" if days < 100 else "day_long"].format(day=day, days=days)


# The summary's alt text: how many cases across how many areas. Kept out of UI, which every
# card's context holds: a new phrase here changes no card's key and voids no approval.
ACROSS = {"en": "{cases_text} across {areas_text}", "cy": "{cases_text} ar draws {areas_text}"}
# Counted nouns: (one, many) in English; Welsh keeps the singular after a numeral.
NOUNS = {
    "en": {"case": ("case study", "case studies"), "area": ("service area", "service areas")},
    "cy": {"case": ("astudiaeth achos", "astudiaeth achos"), "area": ("maes gwasanaeth",) * 2},
}
# cardgen's own Welsh for the campaign's phrases ([words]), where a campaign gives none.
WELSH_WORDS = {
    "launch_intro": "{days} diwrnod o astudiaethau achos gan {organisation}",
    "launch_post": "Dros y {days} diwrnod nesaf byddwn yn rhannu astudiaeth achos bob dydd: "
    "{slogan}.",
    "summary_title": "Yr ymgyrch yn gryno",
    "summary_subtitle": "{cases_text} ar draws {areas_text}, {start} i {end}",
    "summary_post": "{cases_text} mewn {days} diwrnod: diolch i bawb a rannodd eu gwaith.",
    "summary_more": "a {more} arall",
}


def date_text(day: dt.date, language: str = "en", *, weekday: bool = False) -> str:
    """A date as a reader writes it: "25 August 2015"; in Welsh "25 Awst 2015"; with the
    weekday, "Tuesday 25 August 2015", "Dydd Mawrth 25 Awst 2015"."""
    if language == "cy":
        text = f"{day.day} {WELSH_MONTHS[day.month - 1]} {day.year}"
        return f"Dydd {WELSH_DAYS[day.weekday()]} {text}" if weekday else text
    text = f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"
    return f"{ENGLISH_DAYS[day.weekday()]} {text}" if weekday else text


def counted(n: int, noun: str, language: str = "en") -> str:
    """ "1 case study", "5 case studies"; "5 astudiaeth achos"."""
    one, many = NOUNS[language][noun]
    return f"{n} {one if n == 1 else many}"


def campaign_in(campaign: Any, language: str) -> Any:
    """The campaign as it speaks ``language``: its name, organisation, slogan, service
    labels and phrases in that language (the campaign itself for English)."""
    if language == "en":
        return campaign
    text = campaign.cy
    words = dataclasses.replace(campaign.words, **{**WELSH_WORDS, **text.words})
    services = {
        key: dataclasses.replace(theme, label=text.services.get(key, theme.label))
        for key, theme in campaign.services.items()
    }
    return dataclasses.replace(
        campaign,
        name=text.name,
        organisation=text.organisation,
        slogan=text.slogan,
        services=services,
        words=words,
        language=language,
    )


def case_in(case: Any, language: str) -> Any:
    """The case with its words in ``language`` only (none of its other languages': an edit to
    the Welsh leaves the English cards, their keys and approvals alone)."""
    if language == "en":
        return dataclasses.replace(case, cy=None) if case.cy is not None else case
    text = case.cy
    outcomes = tuple(
        dataclasses.replace(o, label=t.label, figure=t.figure or o.figure)
        for o, t in zip(case.outcomes, text.outcomes, strict=True)
    )
    return dataclasses.replace(
        case,
        title=text.title,
        organisation=text.organisation,
        summary=text.summary,
        model=text.model,
        alt=text.alt,
        photo_alt=text.photo_alt,
        photo_credit=text.photo_credit or case.photo_credit,
        posts=dict(text.posts),
        tweet=None,
        outcomes=outcomes,
        cy=None,
    )


def missing(case: Any, languages: tuple[str, ...]) -> list[tuple[str, str]]:
    """(field, message) for each word of the case not given in each of its languages."""
    found = []
    for language in languages:
        if language == "en":
            continue
        name = {"cy": "Welsh"}[language]
        text = getattr(case, language)
        if text is None:
            found.append(
                (
                    language,
                    f"{name} missing: the case is published in {name}, so give its words in a "
                    f'[{language}] table (or set languages = ["en"] for this case)',
                )
            )
            continue
        for field in ("summary", "model", "alt", "photo_alt"):
            if getattr(case, field) and not getattr(text, field):
                found.append((f"{language}.{field}", f"{name} missing for {field}"))
        if len(text.outcomes) != len(case.outcomes):
            found.append(
                (
                    f"{language}.outcomes",
                    f"{name} gives {len(text.outcomes)} outcomes; the case has "
                    f"{len(case.outcomes)}: give each one's label in {name}",
                )
            )
        for key in case.posts:
            if key not in text.posts:
                found.append((f"{language}.posts.{key}", f"{name} missing for posts.{key}"))
    return found
