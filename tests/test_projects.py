"""Projects: `cardgen new`, finding the project, template overrides, and the brand kit's
bad input, each through the command line on real files."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from .conftest import run

NEW = ["--name", "Care Leavers Week", "--hashtag", "#CareLeaversWeek"]
NEW += ["--start", "2026-10-26", "--days", "5"]


@pytest.fixture
def anytown(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new project made by `cardgen new`, the working folder inside it."""
    monkeypatch.chdir(tmp_path)
    result = run(runner, "new", "anytown", *NEW)
    assert result.exit_code == 0, result.stderr
    monkeypatch.chdir(tmp_path / "anytown")
    return tmp_path / "anytown"


def set_brand(project: Path, **values: object) -> None:
    """Set keys of the campaign file's [brand] table."""
    path = project / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        line = f"{key} = {json.dumps(value)}"
        text, found = re.subn(rf"(?m)^{key} = .*$", line, text, count=1)
        if not found:
            text = text.replace("[brand]\n", f"[brand]\n{line}\n", 1)
    path.write_text(text, encoding="utf-8")


def test_new_project_builds_at_once(runner, anytown: Path) -> None:
    assert sorted(p.name for p in (anytown / "cases").iterdir()) == [
        "example-community-hub.toml",
        "example-home-care.toml",
    ]
    assert (anytown / "README.md").read_text().startswith("# Care Leavers Week")
    result = run(runner, "build", "-q")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((anytown / "out/manifest.json").read_text())
    cards = {(c["format"], c["slug"]) for c in manifest["cards"]}
    for fmt, size in {"twitter": (1200, 675), "og": (1200, 630), "square": (1080, 1080)}.items():
        for slug in ("launch", "example-community-hub", "example-home-care"):
            assert (fmt, slug) in cards
            assert Image.open(anytown / f"out/{fmt}/{slug}.png").size == size
    assert ("story", "summary") in cards
    # The campaign's own words, its name as written; counts agree in number.
    summary = next(c for c in manifest["cards"] if c["slug"] == "summary")
    assert "2 case studies across 2 service areas" in summary["alt"]
    launch = next(c for c in manifest["cards"] if c["slug"] == "launch")
    words = [*launch["posts"].values(), launch["alt"], *summary["posts"].values()]
    assert "commissioning" not in " ".join(words).lower()
    assert launch["posts"]["x"].endswith("#CareLeaversWeek")


def test_new_refuses_a_folder_that_is_not_empty(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = run(runner, "new", "busy")
    assert result.exit_code == 1
    assert result.stderr.startswith("busy: is not an empty folder")
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["notes.txt"]


def test_new_refuses_a_project_inside_a_project(runner, anytown: Path) -> None:
    result = run(runner, "new", "inner")
    assert result.exit_code == 1
    assert "inner: would be inside the project" in result.stderr
    assert not (anytown / "inner").exists()


def test_new_with_a_bad_hashtag_writes_nothing(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "new", "x", "--hashtag", "no hash")
    assert result.exit_code == 1
    assert "x: --hashtag: 'no hash' is not a hashtag" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "x").exists()


def test_the_project_is_found_from_a_subfolder_or_named(runner, anytown: Path, monkeypatch) -> None:
    monkeypatch.chdir(anytown / "cases")
    listed = run(runner, "list")
    assert listed.exit_code == 0, listed.stderr
    assert "example-home-care" in listed.output
    monkeypatch.chdir(anytown.parent)
    named = run(runner, "list", "--project", "anytown")
    assert named.output == listed.output
    (anytown / "cases" / "example-home-care.toml").write_text('title = "x"\n', encoding="utf-8")
    # Paths in messages are relative to the project folder.
    broken = run(runner, "check", "--project", "anytown")
    assert "cases/example-home-care.toml: organisation: required, but missing" in broken.stderr


def test_no_project_here(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "build")
    assert result.exit_code == 1
    assert "no campaign.toml here or in a folder above" in result.stderr
    assert "Traceback" not in result.stderr
    result = run(runner, "list", "--project", tmp_path)
    assert result.exit_code == 1 and "no campaign.toml in this folder" in result.stderr


def test_a_template_override_wins_and_is_listed(runner, anytown: Path) -> None:
    copied = run(runner, "templates", "copy", "case.twitter.svg")
    assert copied.exit_code == 0, copied.stderr
    own = anytown / "templates" / "case.twitter.svg"
    assert own.is_file()
    listed = run(runner, "templates")
    assert "case.twitter.svg          overridden: templates/case.twitter.svg" in listed.output
    assert "case.og.svg               built-in" in listed.output
    again = run(runner, "templates", "copy", "case.twitter.svg")
    assert again.exit_code == 1 and "has its own already" in again.stderr
    # A visible change in the project's copy reaches the twitter case cards only.
    text = own.read_text()
    own.write_text(text.replace("</svg>", '<rect width="40" height="40" fill="#ff00aa"/></svg>'))
    assert run(runner, "build", "-q").exit_code == 0
    pixel = Image.open(anytown / "out/twitter/example-home-care.png").convert("RGB").getpixel
    assert pixel((5, 5)) == (255, 0, 170)
    other = Image.open(anytown / "out/og/example-home-care.png").convert("RGB").getpixel
    assert other((5, 5)) != (255, 0, 170)


def test_a_stray_override_is_a_warning(runner, anytown: Path) -> None:
    (anytown / "templates" / "case.twiter.svg").write_text("<svg/>")
    for args in (["templates"], ["check"]):
        result = run(runner, *args)
        assert "warning: templates/case.twiter.svg matches no built-in template" in result.stderr


def test_unknown_template_to_copy(runner, anytown: Path) -> None:
    result = run(runner, "templates", "copy", "../campaign.toml")
    assert result.exit_code == 1 and "no such built-in template" in result.stderr


@pytest.mark.parametrize(
    ("brand", "message"),
    [
        (
            {"colour": "#ggg"},
            "brand.colour: '#ggg' is not a colour: use a hex colour such as #005EA5",
        ),
        ({"colour": "#fff"}, "brand.text: #ffffff on #ffffff (colour) has a contrast of 1.00:1"),
        ({"accent": "#005ea5", "colour": "#003078"}, "brand.accent: #005ea5 on #003078 (colour)"),
        ({"typeface": "Comic Sans"}, 'brand.typeface: "Comic Sans" is not a bundled typeface'),
        ({"logo": "assets/missing.svg"}, 'brand.logo: "assets/missing.svg" not found'),
        ({"logo": "../outside.png"}, 'brand.logo: "../outside.png" points outside the project'),
        ({"logo": "/etc/hostname"}, 'brand.logo: "/etc/hostname" is an absolute path'),
        ({"logo": "assets/link.png"}, 'brand.logo: "assets/link.png" points outside the project'),
        ({"logo": "assets/notes.txt"}, "brand.logo: is neither an SVG nor a PNG file"),
        ({"logo": "assets/bomb.png"}, "brand.logo: the PNG declares 50,000 × 50,000 pixels"),
        ({"logo": "assets/cut.png"}, "brand.logo: the PNG cannot be read"),
        ({"logo": "assets/shapeless.svg"}, "brand.logo: the SVG needs a viewBox"),
    ],
)
def test_bad_brand_is_one_line_naming_the_field(
    runner, anytown: Path, tmp_path: Path, brand: dict[str, str], message: str
) -> None:
    assets = anytown / "assets"
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    os.symlink(tmp_path / "outside.png", assets / "link.png")
    (assets / "notes.txt").write_text("a logo, honestly")
    bomb = bytearray(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    bomb += (50_000).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00" + b"\x00" * 8
    (assets / "bomb.png").write_bytes(bytes(bomb))
    good = tmp_path / "good.png"
    Image.new("RGBA", (200, 80), (255, 255, 255, 255)).save(good)
    (assets / "cut.png").write_bytes(good.read_bytes()[:60])
    (assets / "shapeless.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    set_brand(anytown, **brand)
    result = run(runner, "build", "-q")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert f"campaign.toml: {message}" in result.stderr, result.stderr
    assert not (anytown / "out" / "twitter").exists(), "nothing built from a broken campaign"


def test_an_unknown_placeholder_in_the_words(runner, anytown: Path) -> None:
    path = anytown / "campaign.toml"
    path.write_text(path.read_text().replace("{days} days of case", "{dayz} days of case"))
    result = run(runner, "check")
    assert result.exit_code == 1
    assert "campaign.toml: words.launch_intro: unknown placeholder {dayz}; use {days}" in (
        result.stderr
    )


def test_preview_of_a_project_follows_its_campaign_file(anytown: Path) -> None:
    from cardgen.preview import Preview
    from cardgen.project import Project

    from .preview_support import get

    def state(preview: Preview) -> dict:
        return json.loads(get(preview, "/api/state")[2])

    def save(text: str) -> None:  # as editors do: a new file renamed over the old one
        tmp = anytown / ".campaign.toml.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, anytown / "campaign.toml")

    original = (anytown / "campaign.toml").read_text(encoding="utf-8")
    with Preview(Project.open(), port=0, jobs=2) as preview:
        assert preview.wait_idle(120)
        assert "campaign.toml" in state(preview)["watching"]
        for n, text in enumerate([original.replace("#ffdd00", "#ffdd01"), original], start=2):
            save(text)
            deadline = time.monotonic() + 30
            while state(preview)["status"]["cycle"] < n and time.monotonic() < deadline:
                time.sleep(0.1)
            assert preview.wait_idle(60)
            status = state(preview)["status"]
            assert (status["cycle"], status["changed"]) == (n, ["campaign.toml"])
        (anytown / "out").mkdir(exist_ok=True)
        (anytown / "out" / "x.png").write_bytes(b"not a change")  # out/ is not watched
        time.sleep(1.5)
        assert preview.wait_idle(60) and state(preview)["status"]["cycle"] == 3


LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">'
    '<rect x="0" y="0" width="300" height="100" rx="12" fill="#ffb3ff"/>'
    '<circle cx="50" cy="50" r="30" fill="#ffffff"/></svg>'
)


def test_brand_colour_and_logo_reach_every_built_in_card(runner, anytown: Path) -> None:
    (anytown / "assets" / "logo.svg").write_text(LOGO, encoding="utf-8")
    set_brand(anytown, colour="#005ea5", footer="#1d1d1b", logo="assets/logo.svg")
    result = run(runner, "build", "-q")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((anytown / "out/manifest.json").read_text())
    assert len(manifest["cards"]) == 15  # 2 cases × 5, launch × 4, summary
    for card in manifest["cards"]:
        image = Image.open(anytown / "out" / card["path"]).convert("RGB")
        colours = dict((rgb, n) for n, rgb in image.getcolors(1 << 24))
        # The logo, drawn in its slot: its pink is on every card.
        assert colours.get((255, 179, 255), 0) > 1000, card["path"]
        # The brand colour fills the launch and summary; case cards keep their service's
        # colours, with the brand's footer band.
        brand = (0, 94, 165) if card["kind"] != "case" else (29, 29, 27)
        assert colours.get(brand, 0) > 10_000, card["path"]


def test_the_typeface_is_the_brands(runner, anytown: Path) -> None:
    assert run(runner, "card", "launch", "--format", "twitter", "--svg").exit_code == 0
    atkinson = (anytown / "out/twitter/launch.svg").read_text()
    set_brand(anytown, typeface="Source Sans 3")
    assert run(runner, "card", "launch", "--format", "twitter", "--svg").exit_code == 0
    source = (anytown / "out/twitter/launch.svg").read_text()
    assert "Atkinson" in atkinson and "Source Sans 3" not in atkinson
    assert "Source Sans 3" in source and "Atkinson" not in source


def test_campaign_words_too_long_name_the_built_in_template_and_quote_the_text(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Words from the campaign file (here its hashtag) have no case field to blame: the message
    # quotes them as drawn and names the built-in template by name, not by a site-packages path.
    monkeypatch.chdir(tmp_path)
    hashtag = "#CareLeaversWeekAcrossGreaterManchester2026"
    assert run(runner, "new", "p", *NEW[:2], "--hashtag", hashtag, *NEW[4:]).exit_code == 0
    monkeypatch.chdir(tmp_path / "p")
    result = run(runner, "build", "-q", "--format", "square")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "built-in case.square.svg: when: “Day 1 of 5 · #CareLeavers" in result.stderr
    assert all(str(tmp_path) not in line and "_bundled" not in line for line in lines)
    assert any(line.startswith("built-in launch.square.svg: hashtag: “#Care") for line in lines)
