"""`cardgen new`: a working project folder for another team's campaign.

Everything a user types goes into the files as TOML strings (escaped, never as TOML or
template code), and the result is validated before anything is written: a bad hashtag or
date is an error and leaves no folder behind.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .errors import CardgenError, Problem
from .project import campaign_in, find_root


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def default_hashtag(name: str) -> str:
    """``"Care Leavers Week"`` → ``#CareLeaversWeek``."""
    words = re.findall(r"\w+", name)
    return "#" + ("".join(w[:1].upper() + w[1:] for w in words) or "OurCampaign")


def next_monday(today: dt.date) -> dt.date:
    """The Monday after ``today``: a campaign starts at the beginning of a week."""
    return today + dt.timedelta(days=7 - today.weekday())


CAMPAIGN = """\
# The campaign: its name, dates and words, its look ([brand]) and its service areas.
# Every colour pair is checked for contrast (WCAG AA, 4.5:1) when cards are built.
name = {name}
organisation = {organisation}
hashtag = {hashtag}
slogan = {slogan}
start = {start}
days = {days}
# url = "https://www.example.gov.uk/our-campaign"    # the campaign's page, added to posts

[brand]
colour = "#12284c"        # the brand colour: launch and summary background
text = "#ffffff"          # text on the brand colour
accent = "#ffdd00"        # bands, the hashtag and highlights on the brand colour
panel = "#ffffff"         # boxes on the brand colour
footer = "#0b0c0c"        # the band with the slogan on case cards
footer_text = "#ffffff"   # its text
typeface = "Atkinson Hyperlegible Next"   # or "Source Sans 3" (plain zero, even figures)
# logo = "assets/logo-example.svg"        # SVG or PNG in this folder; light on the brand colour
# logo_alt = "Our organisation"           # what the logo says (for alt text)
# logo_min_height = 40                    # px on a 1200px-wide card
# logo_clear_space = 0.25                 # free space all round, × the logo's height

[words]
# {{days}}, {{cases_text}} ("5 case studies"), {{areas_text}}, {{name}}, {{organisation}},
# {{hashtag}}, {{slogan}}, {{start}} and {{end}} are filled in.
launch_intro = "{{days}} days of case studies from {{organisation}}"
launch_post = "Over the next {{days}} days we’re sharing a case study a day: {{slogan}}."
summary_title = "The campaign at a glance"
summary_subtitle = "{{cases_text}} across {{areas_text}}, {{start}} to {{end}}"
summary_post = "{{cases_text}} in {{days}} days: thank you to everyone who shared their work."

# One colour theme per service area: `background` and `ink` for the card, `accent` for its
# bands and figure panels with `on_accent` text on them. Cases name their area by its key.
[services.community]
label = "Community"
background = "#eef7f1"
ink = "#0b0c0c"
accent = "#00703c"
on_accent = "#ffffff"

[services.health]
label = "Health and care"
background = "#eaf2fa"
ink = "#0b0c0c"
accent = "#1d5fa0"
on_accent = "#ffffff"
"""

CASES = {
    "example-community-hub.toml": """\
# An example case study: replace it with your own (the file name is the card's name).
title = "A community hub brings five services under one roof"
organisation = {organisation}
service = "community"
summary = "Residents find advice, health checks and activities in one place."
url = "https://www.example.gov.uk/case-studies/community-hub"
day = 1

[[outcomes]]
figure = "3 in 4"
label = "visitors use more than one service"

[[outcomes]]
figure = "£120,000"
label = "saved on buildings each year"
""",
    "example-home-care.toml": """\
title = "Care at home helps older people leave hospital sooner"
organisation = {organisation}
service = "health"
summary = "A joint team arranges care at home before people leave hospital."
day = 2

[[outcomes]]
figure = "35%"
label = "fewer days in hospital"
""",
}

README = """\
# {name}

Cards and posts for {hashtag}, made with cardgen.

- `campaign.toml`: the campaign's name, dates, words, brand (colours, typeface, logo) and
  service areas.
- `cases/`: one file per case study; `day = N` puts it on the schedule.
- `assets/`: your logo (and later photos). Name it in `campaign.toml` under `[brand]`.
- `templates/`: only if you need a different layout: `cardgen templates` lists the built-in
  templates, `cardgen templates copy NAME` copies one here to edit; yours then wins.
- `out/`: what `cardgen build` makes (PNG cards and `manifest.json`); not worth keeping in
  version control.

Every day: `cardgen today` prints the card, the post and the alt text.
While editing: `cardgen preview` shows every card in the browser as you save.
Before a build: `cardgen check`. Something odd: `cardgen doctor`.
"""

# A stand-in logo (shapes only, white: it sits on the brand colour and the dark footer band):
# replace it with your own, in the same place or named in campaign.toml.
EXAMPLE_LOGO = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">
  <!-- An example logo made by cardgen new: replace it with your organisation's. -->
  <path d="M10 12 h60 v44 q0 28 -30 38 q-30 -10 -30 -38 z" fill="#ffffff"/>
  <rect x="88" y="22" width="200" height="18" rx="4" fill="#ffffff"/>
  <rect x="88" y="50" width="150" height="12" rx="4" fill="#ffffff"/>
  <rect x="88" y="72" width="170" height="12" rx="4" fill="#ffffff"/>
</svg>
"""

TEMPLATES_README = """\
Put a template here with the same name as a built-in one (see `cardgen templates`) and it is
used instead. `cardgen templates copy case.twitter.svg` copies a built-in one to start from.
"""


def new_project(
    folder: Path,
    *,
    name: str,
    organisation: str,
    hashtag: str | None,
    start: dt.date,
    days: int,
    slogan: str,
) -> list[Path]:
    """Write a working project into ``folder`` (new or empty); returns the files written."""
    shown = str(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CardgenError(
            Problem(
                file=shown,
                message="is not an empty folder: cardgen new writes only into a new or empty "
                "folder, and overwrites nothing",
            )
        )
    parent = find_root(folder.resolve().parent)
    if parent is not None:
        where = campaign_in(parent)
        raise CardgenError(
            Problem(
                file=shown,
                message=f"would be inside the project {parent} (it has {where}): "
                "create the new project outside it",
            )
        )
    values = {
        "name": _toml(name),
        "organisation": _toml(organisation),
        "hashtag": _toml(hashtag or default_hashtag(name)),
        "slogan": _toml(slogan),
        "start": start.isoformat(),
        "days": days,
    }
    files = {
        "campaign.toml": CAMPAIGN.format(**values),
        ".gitignore": "/out/\n",
        "README.md": README.format(name=name, hashtag=hashtag or default_hashtag(name)),
        "templates/README.md": TEMPLATES_README,
        "assets/logo-example.svg": EXAMPLE_LOGO,
    }
    for file, text in CASES.items():
        files[f"cases/{file}"] = text.format(organisation=_toml(organisation))
    _validate(files, shown)
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _validate(files: dict[str, str], shown: str) -> None:
    """The campaign file as it would be written must load: otherwise nothing is written."""
    import tomllib

    from .model import Campaign, load
    from .project import Project

    try:
        data = tomllib.loads(files["campaign.toml"])
    except tomllib.TOMLDecodeError as exc:  # cannot happen with escaped strings; still say so
        raise CardgenError(Problem(file=shown, message=f"invalid campaign file: {exc}")) from None
    fonts = Project(cases_dir=Path(".")).fonts
    try:
        load(Campaign, data, shown=f"{shown}/campaign.toml", fonts=fonts)
    except CardgenError as exc:
        options = {"name": "--name", "organisation": "--organisation", "hashtag": "--hashtag"}
        raise CardgenError(
            Problem(
                file=shown,
                field=options.get(p.field, p.field),
                message=f"{p.message} (nothing was written)",
            )
            for p in exc.problems
        ) from None
