"""Case photos: orientation, metadata, the focus crop, bad input, and contrast over photos."""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cardgen.photo import Master, cover

from .conftest import break_template, run

ALT = 'photo_alt = "Volunteers painting the hall"\n'


def project(tmp_path: Path, one_case_dir: Path) -> Path:
    """``one_case_dir``'s project root, with an assets folder."""
    (tmp_path / "assets").mkdir(exist_ok=True)
    return tmp_path


def with_photo(cases: Path, lines: str) -> None:
    """Give the small case photo fields (before its [[outcomes]] table)."""
    path = cases / "small.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[[outcomes]]", lines + "\n[[outcomes]]", 1), encoding="utf-8")


def photo(
    path: Path, size: tuple[int, int] = (1600, 1000), colour: str = "#808080", **save: object
) -> Path:
    Image.new("RGB", size, colour).save(path, **save)
    return path


def build(runner: CliRunner, root: Path, *args: str) -> tuple[int, str]:
    result = run(runner, "build", "--project", root, *args)
    return result.exit_code, result.stderr


def embedded(svg: str) -> Image.Image:
    """The photo a filled SVG embeds."""
    return Image.open(io.BytesIO(embedded_bytes(svg)))


def embedded_bytes(svg: str) -> bytes:
    """The bytes of the photo a filled SVG embeds (a JPEG ``data:`` URI)."""
    match = re.search(r'<image id="photo"[^>]*href="data:image/jpeg;base64,([^"]+)"', svg)
    if match is None:
        match = re.search(r'href="data:image/jpeg;base64,([^"]+)"[^>]*id="photo"', svg)
    assert match, "no embedded photo"
    return base64.b64decode(match.group(1))


def filled_svg(runner: CliRunner, root: Path, fmt: str = "twitter") -> str:
    result = run(runner, "card", "small", "--project", root, "--format", fmt, "--svg")
    assert result.exit_code == 0, result.stderr
    return (root / f"out/{fmt}/small.svg").read_text(encoding="utf-8")


def test_every_format_draws_the_photo_with_its_credit(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    root = project(tmp_path, one_case_dir)
    photo(root / "assets/hall.jpg", colour="#c03030")
    with_photo(one_case_dir, f'photo = "hall.jpg"\n{ALT}photo_credit = "Jane Smith"\n')
    code, err = build(runner, root)
    assert code == 0, err
    for fmt in ("twitter", "og", "square", "portrait"):
        svg = (root / "out").joinpath(fmt, "small.png")
        pixels = np.asarray(Image.open(svg).convert("RGB")).reshape(-1, 3)
        red = (abs(pixels.astype(int) - [0xC0, 0x30, 0x30]).sum(axis=1) < 12).mean()
        assert red > 0.05, f"{fmt}: the photo is not drawn ({red:.0%} of the card)"
        text = filled_svg(runner, root, fmt)
        assert "Photo: Jane Smith" in text
    manifest = (root / "out/manifest.json").read_text(encoding="utf-8")
    assert "Photo: Volunteers painting the hall." in manifest  # in the alt text
    assert "Photo: Jane Smith." in manifest  # and credited in the posts


def test_a_sideways_phone_photo_comes_out_upright(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    """Stored 600 wide × 1000 high with its top (red) on the left, and EXIF orientation 6
    ("rotate 90° clockwise to show"): upright, it is 1000 wide with red at the top."""
    root = project(tmp_path, one_case_dir)
    stored = Image.new("RGB", (600, 1000), "#2050c0")
    stored.paste((220, 30, 30), (0, 0, 300, 1000))  # the left half of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(root / "assets/phone.jpg", exif=exif.tobytes(), quality=95)
    with_photo(one_case_dir, f'photo = "phone.jpg"\n{ALT}')
    image = embedded(filled_svg(runner, root, "square")).convert("RGB")  # a wide frame
    top = np.asarray(image)[: image.height // 3].reshape(-1, 3).mean(axis=0)
    bottom = np.asarray(image)[-image.height // 3 :].reshape(-1, 3).mean(axis=0)
    assert top[0] > 180 > top[2], f"the top is not red: {top}"
    assert bottom[2] > 150 > bottom[0], f"the bottom is not blue: {bottom}"


def test_no_metadata_reaches_the_card(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    root = project(tmp_path, one_case_dir)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x8825] = {2: (51.0, 30.0, 26.0), 1: "N"}  # a GPS position
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo(
        root / "assets/home.jpg",
        exif=exif.tobytes(),
        icc_profile=profile,
        comment=b"taken at 12 Acacia Avenue",
    )
    with_photo(one_case_dir, f'photo = "home.jpg"\n{ALT}')
    svg = filled_svg(runner, root)
    raw = embedded_bytes(svg)
    markers, at = [], 2  # after SOI: each segment is FF xx, then a 2-byte length
    while raw[at + 1] != 0xDA:  # up to the start of the pixel data (SOS)
        markers.append(raw[at + 1])
        at += 2 + int.from_bytes(raw[at + 2 : at + 4], "big")
    # JFIF header, quantisation and Huffman tables, the frame: no EXIF (E1), ICC (E2), comment
    assert set(markers) <= {0xE0, 0xDB, 0xC4, 0xC0}, [hex(m) for m in markers]
    assert b"SecretCam" not in raw and b"Acacia" not in raw
    assert b"SecretCam" not in svg.encode() and b"Acacia" not in svg.encode()
    image = Image.open(io.BytesIO(raw))
    assert not image.getexif() and "icc_profile" not in image.info


@pytest.mark.parametrize("focus", [(0.1, 0.2), (0.5, 0.5), (0.9, 0.85), (0.0, 1.0)])
def test_the_focus_point_stays_in_the_frame(focus: tuple[float, float]) -> None:
    """A marker at the focus point of a wide photo is inside every frame's crop, near its
    centre unless the photo's edge stops it."""
    width, height = 2000, 1000
    image = Image.new("RGB", (width, height), "white")
    mx, my = round(focus[0] * (width - 1)), round(focus[1] * (height - 1))
    image.paste((255, 0, 0), (max(0, mx - 15), max(0, my - 15), mx + 15, my + 15))
    master = Master(image=image, width=width, height=height)
    for frame in [(336, 260), (1080, 328), (1080, 420), (300, 600)]:
        crop = np.asarray(cover(master, *frame, focus))
        assert crop.shape[:2] == (frame[1], frame[0])
        red = np.argwhere((crop[..., 0] > 200) & (crop[..., 1] < 80))
        assert red.size, f"the marker left the {frame} frame for focus {focus}"


def test_the_crop_covers_the_frame_without_stretching() -> None:
    """A circle stays a circle: the crop is scaled equally in both directions."""
    image = Image.new("RGB", (1200, 800), "white")
    from PIL import ImageDraw

    ImageDraw.Draw(image).ellipse((500, 300, 700, 500), fill="black")
    crop = np.asarray(cover(Master(image=image, width=1200, height=800), 600, 200, (0.5, 0.5)))
    dark = np.argwhere(crop[..., 0] < 100)
    h = dark[:, 0].max() - dark[:, 0].min()
    w = dark[:, 1].max() - dark[:, 1].min()
    assert abs(w - h) <= 2, (w, h)


# --- bad input: one line naming the case file and field; the other cards still built -------


def bad(runner: CliRunner, root: Path, cases: Path, lines: str) -> str:
    """Build with a second, good case beside the broken one: the line that names the broken
    one, after checking the good case's cards were made and nothing was half-written."""
    (cases / "good.toml").write_text(
        (cases / "small.toml").read_text(encoding="utf-8").replace("day = 1", "day = 2")
    )
    with_photo(cases, lines)
    code, err = build(runner, root)
    assert code == 1, err
    assert "Traceback" not in err
    assert (root / "out/twitter/good.png").is_file()
    assert not (root / "out/twitter/small.png").exists()
    assert not [p for p in (root / "out").rglob("*") if p.name.endswith(".cardgen-tmp")]
    lines_out = [line for line in err.splitlines() if "small.toml" in line]
    assert lines_out, err
    return lines_out[0]


def test_a_missing_photo(runner: CliRunner, tmp_path: Path, one_case_dir: Path) -> None:
    root = project(tmp_path, one_case_dir)
    line = bad(runner, root, one_case_dir, f'photo = "nowhere.jpg"\n{ALT}')
    assert line == (
        'cases/small.toml: photo: "nowhere.jpg" not found: put the photo in assets/nowhere.jpg'
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("../secret.jpg", 'reaches outside the assets folder ("..")'),
        ("/etc/hostname.jpg", "is an absolute path"),
        ("photo.gif", "is not a JPEG, PNG or WebP file"),
    ],
)
def test_a_photo_named_outside_the_assets(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path, name: str, says: str
) -> None:
    root = project(tmp_path, one_case_dir)
    photo(tmp_path / "secret.jpg")
    line = bad(runner, root, one_case_dir, f'photo = "{name}"\n{ALT}')
    assert line.startswith("cases/small.toml: photo: ") and says in line


def test_a_link_pointing_out_of_the_project(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    root = project(tmp_path, one_case_dir)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.jpg"
    photo(outside)
    os.symlink(outside, root / "assets/linked.jpg")
    try:
        line = bad(runner, root, one_case_dir, f'photo = "linked.jpg"\n{ALT}')
    finally:
        outside.unlink()
    assert line == (
        'cases/small.toml: photo: "linked.jpg" points outside the project folder: '
        "keep photos in assets/"
    )


def test_a_file_that_is_not_an_image(runner: CliRunner, tmp_path: Path, one_case_dir: Path) -> None:
    root = project(tmp_path, one_case_dir)
    (root / "assets/notes.jpg").write_text("minutes of the meeting")
    line = bad(runner, root, one_case_dir, f'photo = "notes.jpg"\n{ALT}')
    assert line == 'cases/small.toml: photo: "notes.jpg" is not a JPEG, PNG or WebP image'


def test_a_truncated_photo(runner: CliRunner, tmp_path: Path, one_case_dir: Path) -> None:
    root = project(tmp_path, one_case_dir)
    whole = photo(root / "assets/cut.jpg", colour="#4080c0").read_bytes()
    (root / "assets/cut.jpg").write_bytes(whole[: len(whole) // 3])
    line = bad(runner, root, one_case_dir, f'photo = "cut.jpg"\n{ALT}')
    assert line.startswith("cases/small.toml: photo: the image is cut short or damaged (")
    assert line.endswith("export it again")


def test_a_decompression_bomb(runner: CliRunner, tmp_path: Path, one_case_dir: Path) -> None:
    """A small PNG that declares 50,000 × 50,000 pixels is refused before it is decoded."""
    import struct
    import zlib

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (3 * 50_000 + 1) * 4)  # a few rows; the rest is missing
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    root = project(tmp_path, one_case_dir)
    (root / "assets/bomb.png").write_bytes(raw)
    assert len(raw) < 10_000
    line = bad(runner, root, one_case_dir, f'photo = "bomb.png"\n{ALT}')
    assert line == (
        "cases/small.toml: photo: the image declares 50,000 × 50,000 pixels; at most 60 "
        "megapixels: export a smaller copy"
    )


def test_a_photo_far_smaller_than_its_frame(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    root = project(tmp_path, one_case_dir)
    photo(root / "assets/tiny.jpg", size=(160, 100))
    line = bad(runner, root, one_case_dir, f'photo = "tiny.jpg"\n{ALT}')
    assert line.startswith("cases/small.toml: photo: the photo is 160 × 100 px; the ")
    assert line.endswith("use a larger photo, at least half the frame's size")


def test_a_photo_a_little_smaller_than_its_frame_is_a_warning(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    """800 px wide: sharp enough for the 336px frames, enlarged 1.35× across the square
    card's 1080px frame: drawn, with a warning."""
    root = project(tmp_path, one_case_dir)
    photo(root / "assets/small.jpg", size=(800, 500))
    with_photo(one_case_dir, f'photo = "small.jpg"\n{ALT}')
    code, err = build(runner, root)
    assert code == 0, err
    assert (
        "warning: cases/small.toml: photo: the photo is 800 × 500 px; the square card's photo "
        "frame shows it at 1080 × 328 px (enlarged 1.4×, it will look soft): a larger photo "
        "would look sharper"
    ) in err.splitlines()
    assert "twitter card" not in err
    check = run(runner, "check", "--project", root)
    assert check.exit_code == 0 and "square card's photo frame" in check.stderr


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            'photo = "hall.jpg"\n',
            "cases/small.toml: photo_alt: required with a photo: say in words what the photo shows",
        ),
        (
            f'photo = "hall.jpg"\n{ALT}photo_focus = [0.5, 1.4]\n',
            "cases/small.toml: photo_focus[1]: 1.4 is outside the photo: give a fraction from 0 "
            "to 1 (0.5 is the middle)",
        ),
        (
            f'photo = "hall.jpg"\n{ALT}photo_focus = [0.5]\n',
            "cases/small.toml: photo_focus: expected at least 2 items, got 1",
        ),
        (
            'photo_credit = "Jane Smith"\n',
            'cases/small.toml: photo_credit: there is no photo: add photo = "FILE" or remove this',
        ),
    ],
)
def test_photo_fields_are_checked(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path, lines: str, expected: str
) -> None:
    root = project(tmp_path, one_case_dir)
    photo(root / "assets/hall.jpg")
    result = run(runner, "check", "--project", root)
    assert result.exit_code == 0, result.stderr
    with_photo(one_case_dir, lines)
    result = run(runner, "check", "--project", root)
    assert result.exit_code == 1
    assert expected in result.stderr.splitlines(), result.stderr


def test_a_frame_without_a_photo_is_the_templates_fault(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path, templates_dir: Path
) -> None:
    root = project(tmp_path, one_case_dir)
    break_template(
        templates_dir,
        '{% if photo %}{% from "_photo.svg" import photo_frame with context %}'
        "{{ photo_frame(816, 96, 336, 260 - dy, 28, 14) }}{% endif %}",
        '<image data-photo="" x="816" y="96" width="336" height="200"/>',
    )
    result = run(runner, "check", "--project", root, "--templates", templates_dir)
    assert result.exit_code == 1
    assert (
        "templates/case.twitter.svg: photo: a photo frame (data-photo) is drawn but the case "
        "has no photo: wrap it in {% if photo %}"
    ) in result.stderr.replace(str(tmp_path) + "/", "")


# --- contrast is measured over the photo's own pixels ----------------------------------------


@pytest.mark.parametrize(("colour", "passes"), [("#101820", True), ("#f4f0e8", False)])
def test_text_over_a_photo_is_measured_against_its_pixels(
    runner: CliRunner,
    tmp_path: Path,
    one_case_dir: Path,
    templates_dir: Path,
    colour: str,
    passes: bool,
) -> None:
    """White text set straight on the photo (no plate): fine on a dark photo, refused on a
    light one, with the photo's colour named."""
    root = project(tmp_path, one_case_dir)
    photo(root / "assets/p.jpg", colour=colour, quality=95)
    with_photo(one_case_dir, f'photo = "p.jpg"\n{ALT}')
    break_template(
        templates_dir,
        '{% endif %}\n  <text id="organisation"',
        '<text id="over" data-box="832 120 300 40" data-size="28" data-lines="1" x="832" '
        'y="150" font-family="{{ brand.font }}" fill="#ffffff">{{ organisation }}</text>'
        '{% endif %}\n  <text id="organisation"',
    )
    result = run(runner, "check", "--project", root, "--templates", templates_dir)
    if passes:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 1
        assert re.search(
            r"case\.twitter\.svg: over: contrast 1\.\d\d:1 between text #ffffff and #f\w{5} "
            r"behind it; at least 4\.5:1",
            result.stderr,
        ), result.stderr


def test_a_changed_photo_redraws_its_cards(
    runner: CliRunner, tmp_path: Path, one_case_dir: Path
) -> None:
    root = project(tmp_path, one_case_dir)
    photo(root / "assets/hall.jpg", colour="#336699")
    with_photo(one_case_dir, f'photo = "hall.jpg"\n{ALT}')
    assert build(runner, root)[0] == 0
    again = run(runner, "build", "--project", root)
    assert "0 rendered" in again.stdout
    photo(root / "assets/hall.jpg", colour="#993366")  # same name, new bytes
    again = run(runner, "build", "--project", root)
    assert again.stdout.startswith("10 cards: 5 rendered, 5 unchanged"), again.stdout
