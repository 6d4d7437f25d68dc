"""Hostile input: literal text, bad files, unsafe templates, bad outputs, crashes, fuzzing."""

from __future__ import annotations

import errno
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cardgen.errors import CardgenError
from cardgen.project import Project
from cardgen.render import draw

from .conftest import CASES, MINIMAL_CASE, ROOT, break_template, card_svg, run

SVG = "{http://www.w3.org/2000/svg}"


def write_case(folder: Path, slug: str, **fields: str) -> Path:
    """A case file with TOML-escaped string fields replacing the minimal case's."""
    text = MINIMAL_CASE
    for key, value in fields.items():
        line = next(line for line in text.splitlines() if line.startswith(f"{key} ="))
        text = text.replace(line, f"{key} = {json.dumps(value, ensure_ascii=False)}")
    path = folder / f"{slug}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def svg_texts(svg_path: Path) -> dict[str, str]:
    """The text drawn in each fitted slot of a filled SVG, lines joined by spaces."""
    root = ET.parse(svg_path).getroot()
    return {
        el.get("id", ""): " ".join(span.text or "" for span in el.iter(f"{SVG}tspan"))
        for el in root.iter(f"{SVG}text")
    }


LITERALS = [
    "Fish & chips <b>bold</b> \"quoted\" 'single' ]]> done",
    '</text><image href="file:///etc/passwd"/><text>',
    "{{ 7*7 }} and {% for x in y %} and {# comment #}",
    "$(rm -rf /) `id` ; echo $HOME && exit | cat > /tmp/x",
    "‘Curly’ “quotes” – dashes — ellipsis… £1.2m €3 café Llŷn ŵ",
]


@pytest.mark.parametrize("title", LITERALS)
def test_text_appears_literally(runner, one_case_dir: Path, tmp_path: Path, title: str) -> None:
    write_case(one_case_dir, "small", title=title)
    out = tmp_path / "out"
    svg = card_svg(runner, one_case_dir, out)
    assert svg_texts(svg)["title"] == title
    root = ET.parse(svg).getroot()
    assert not list(root.iter(f"{SVG}image")), "case text must never become markup"
    assert Image.open(out / "twitter/small.png").size == (1200, 675)


def test_unicode_is_cleaned(runner, one_case_dir: Path, tmp_path: Path) -> None:
    # Decomposed accent, Word's control characters, a BOM and CRLF line endings.
    text = MINIMAL_CASE.replace("A short title", "Cafe\\u0301 \\u000b\\u0007care\\u00ad plan")
    (one_case_dir / "small.toml").write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode())
    out = tmp_path / "out"
    assert svg_texts(card_svg(runner, one_case_dir, out))["title"] == "Caf\u00e9 care plan"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            MINIMAL_CASE.encode().replace(b"short", b"\xff\xfe"),
            "not UTF-8 text (byte 0xff on line 1)",
        ),
        (
            MINIMAL_CASE.replace("A short title", "Wins \U0001f3c6").encode(),
            "title: the bundled font cannot draw '\U0001f3c6' (U+1F3C6)",
        ),
        (b'title = "x\norganisation = 1', "invalid TOML"),
        (
            MINIMAL_CASE.replace('"A short title"', "[1, 2]").encode(),
            "title: expected a string, got list",
        ),
        (
            MINIMAL_CASE.replace('"A short title"', '"' + "word " * 2000 + '"').encode(),
            "title: too long (9999 characters; at most 300)",  # counted once trimmed
        ),
        (
            MINIMAL_CASE.replace("public-health", "parks").encode(),
            'service: unknown service "parks"',
        ),
        (
            (MINIMAL_CASE + '[[outcomes]]\nfigure = "1"\nlabel = "a"\n' * 3).encode(),
            "outcomes: expected at most 3 items, got 4",
        ),
        (("surprise = true\n" + MINIMAL_CASE).encode(), "surprise: unknown key"),
        (
            MINIMAL_CASE.replace('organisation = "Somewhere Council"', "").encode(),
            "organisation: required, but missing",
        ),
    ],
)
def test_bad_case_files(
    runner, one_case_dir: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    (one_case_dir / "bad.toml").write_bytes(content)
    result = run(
        runner,
        "build",
        "--cases",
        one_case_dir,
        "--out",
        tmp_path / "out",
        "--format",
        "twitter",
        "-q",
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr + result.output
    assert any(
        line.startswith(str(one_case_dir / "bad.toml")) and message in line
        for line in result.stderr.splitlines()
    ), result.stderr
    assert (tmp_path / "out/twitter/small.png").exists(), "good cards are still built"


def test_bad_slug_and_day_clash(runner, one_case_dir: Path, tmp_path: Path) -> None:
    (one_case_dir / "Bad Name.toml").write_text(MINIMAL_CASE, encoding="utf-8")
    (one_case_dir / "other.toml").write_text("day = 1\n" + MINIMAL_CASE, encoding="utf-8")
    result = run(runner, "check", "--cases", one_case_dir, "--format", "twitter")
    assert result.exit_code == 1
    err = result.stderr
    assert 'Bad Name.toml: file name "Bad Name.toml" is not a valid slug' in err
    assert (
        "other.toml: day: day 1 is also taken by" in err
        and "small.toml: day: day 1 is also taken by" in err
    )


def test_empty_and_missing_cases_folder(runner, tmp_path: Path) -> None:
    missing = run(runner, "build", "--cases", tmp_path / "nope", "--out", tmp_path / "out")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"{tmp_path / 'nope'}: cases folder does not exist"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(runner, "build", "--cases", empty, "--out", tmp_path / "out")
    assert (
        result.exit_code == 1
        and result.stderr.strip() == f"{empty / 'campaign.toml'}: file not found"
    )
    shutil.copy(CASES / "campaign.toml", empty)
    result = run(
        runner, "build", "--cases", empty, "--out", tmp_path / "out", "--format", "twitter"
    )
    assert (
        result.exit_code == 1
        and f"{empty}: no case files (*.toml) in the cases folder" in result.stderr
    )


# --- templates -------------------------------------------------------------------------------


def build_with(runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path):
    return run(
        runner,
        "build",
        "--cases",
        one_case_dir,
        "--out",
        tmp_path / "out",
        "--templates",
        templates_dir,
        "--format",
        "twitter",
        "-q",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('<rect id="footer"', '<rect id="footer"><oops>', "not well-formed SVG: mismatched tag"),
        ("{{ title }}</text>", "{{ titel }}</text>", "'titel' is undefined"),
        (
            "{{ organisation }}",
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "access to attribute '__class__'",
        ),
        (
            '<rect id="background"',
            '<image href="file:///etc/passwd" width="9" height="9"/><rect id="background"',
            'external reference "file:///etc/passwd" is not allowed',
        ),
        (
            '<rect id="background"',
            '<image href="http://127.0.0.1:9/x.png" width="9" height="9"/><rect id="background"',
            'external reference "http://127.0.0.1:9/x.png"',
        ),
        (
            '<rect id="background"',
            '<image href="logo.png" width="9" height="9"/><rect id="background"',
            'external reference "logo.png"',
        ),
        (
            '<rect id="background"',
            '<rect fill="url(file:///etc/passwd)" width="9" height="9"/><rect id="background"',
            'external reference "file:///etc/passwd"',
        ),
        (
            'width="1200" height="675" viewBox="0 0 1200 675"',
            'width="20000" height="20000" viewBox="0 0 20000 20000"',
            'the twitter canvas must be width="1200" height="675"',
        ),
        (
            'y="266" font-family="{{ brand.font }}"',
            'y="266" font-family="Comic Sans MS"',
            'font-family "Comic Sans MS" (bold) is not a bundled font',
        ),
        (
            'data-size="60 44"',
            'data-size="60 30"',
            "font size 30px is below the legibility floor for a title on the twitter card (44px)",
        ),
    ],
)
def test_bad_templates(
    runner,
    one_case_dir: Path,
    templates_dir: Path,
    tmp_path: Path,
    old: str,
    new: str,
    message: str,
) -> None:
    path = break_template(templates_dir, old, new)
    result = build_with(runner, one_case_dir, templates_dir, tmp_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert any(message in line for line in lines), result.stderr
    assert any(
        line.startswith(f"{path}:") and line[len(str(path)) + 1].isdigit() for line in lines
    ), "names the line"
    assert (tmp_path / "out/twitter/launch.png").exists(), (
        "the other template's cards are still built"
    )


def test_xml_entities_are_refused(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path
) -> None:
    path = templates_dir / "case.twitter.svg"
    path.write_text(
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + path.read_text(),
        encoding="utf-8",
    )
    result = build_with(runner, one_case_dir, templates_dir, tmp_path)
    assert result.exit_code == 1
    assert f"{path}: DOCTYPE and ENTITY declarations are not allowed in templates" in result.stderr


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_files_and_loopback_urls_are_never_opened(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # URLs built by Jinja get past the source check; the renderer must still refuse them.
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for templates")
    opened: list[str] = []
    real_open = open

    def spy_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    url = f"http://127.0.0.1:{server.server_port}/logo.png"
    break_template(
        templates_dir,
        '<rect id="background"',
        f'<image href="{{{{ \'{url}\' }}}}" width="9" height="9"/>'
        f'<image href="{{{{ \'file://{secret}\' }}}}" width="9" height="9"/><rect id="background"',
    )
    _Recorder.hits = []
    try:
        result = build_with(runner, one_case_dir, templates_dir, tmp_path)
        assert result.exit_code == 1
        # The filled SVG is checked like the source…
        assert f'external reference "{url}" is not allowed' in result.stderr
        assert f'external reference "file://{secret}" is not allowed' in result.stderr
        # …and the renderer refuses on its own too, should anything get past the check.
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            f'<image href="{url}" width="9" height="9"/>'
            f'<image href="file://{secret}" width="9" height="9"/></svg>'
        )
        with pytest.raises(CardgenError, match="refused: templates may only use data: URIs"):
            draw(svg.encode(), 9, 9, Project.open().fonts)
    finally:
        server.shutdown()
    assert _Recorder.hits == []
    assert str(secret) not in opened
    assert not (tmp_path / "out/twitter/small.png").exists()


def test_assets_are_embedded_and_confined(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path
) -> None:
    (templates_dir / "assets").mkdir()
    (templates_dir / "assets/dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    )
    break_template(
        templates_dir,
        '<rect id="footer"',
        '<image href="{{ asset(\'dot.svg\') }}" width="4" height="4"/><rect id="footer"',
    )
    assert build_with(runner, one_case_dir, templates_dir, tmp_path).exit_code == 0
    break_template(templates_dir, "asset('dot.svg')", "asset('../../../../etc/passwd')")
    result = build_with(runner, one_case_dir, templates_dir, tmp_path)
    assert result.exit_code == 1 and 'asset "../../../../etc/passwd" not found' in result.stderr


# --- outputs -----------------------------------------------------------------------------------


def test_out_is_a_file(runner, one_case_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep me")
    result = run(runner, "build", "--cases", one_case_dir, "--out", target)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{target}: --out must be a folder, not a file"
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EACCES, "Permission denied"), (errno.ENOSPC, "No space left on device")],
)
def test_unwritable_or_full_out(
    runner,
    one_case_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    words: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real_fdopen = os.fdopen

    class Failing:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            raise OSError(code, os.strerror(code))

    monkeypatch.setattr("cardgen.build.os.fdopen", lambda fd, mode: Failing(real_fdopen(fd, mode)))
    result = run(runner, "build", "--cases", one_case_dir, "--out", out, "--format", "twitter")
    assert result.exit_code == 1
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not [p for p in out.rglob("*") if p.is_file() and p.name != ".cardgen.lock"], (
        "nothing half-written is left"
    )


def test_only_writes_inside_out(runner, one_case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "twitter").mkdir(parents=True)
    (out / "twitter/mine.png").write_bytes(b"a designer's file")
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    manifest = {
        "cards": [
            {"format": "twitter", "slug": "gone", "path": "../outside.png"},
            {"format": "twitter", "slug": "gone2", "path": "twitter/mine.png"},
        ]
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)}
    result = run(runner, "build", "--cases", one_case_dir, "--out", out, "--format", "twitter")
    assert result.exit_code == 0, result.stderr
    assert outside.exists(), "never deletes outside the out folder"
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)} == before


# --- crash safety ------------------------------------------------------------------------------


def test_killed_build_leaves_only_complete_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "cardgen",
        "build",
        "--cases",
        str(CASES),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--quiet",
    ]
    first = subprocess.run(
        [*cmd, "--format", "twitter"], cwd=ROOT, capture_output=True, check=False
    )
    assert first.returncode == 0, first.stderr
    old_manifest = (out / "manifest.json").read_bytes()
    for delay in (0.6, 1.2, 2.0):
        proc = subprocess.Popen(
            [*cmd, "--force"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, "the build was still running when killed"
        for png in out.rglob("*.png"):
            with Image.open(png) as image:
                image.load()  # a truncated file raises here
        # The manifest is written last, whole: the old one, or the new one if the build ended.
        manifest = (out / "manifest.json").read_bytes()
        assert manifest == old_manifest or len(json.loads(manifest)["cards"]) == 70
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert not list(out.rglob("*cardgen-tmp")), "leftover temporary files are cleaned up"
    cards = json.loads((out / "manifest.json").read_text())["cards"]
    assert len(cards) == len(list(out.rglob("*.png")))


# --- fuzzing -----------------------------------------------------------------------------------

# Any unicode, or (as often) text the font can draw, so that many files get to be rendered.
DRAWABLE = st.text(
    st.sampled_from(
        sorted(
            chr(c)
            for c in Project.open().fonts.covered
            if (c < 0x2200 and unicodedata.category(chr(c))[0] in "LNPS") or chr(c) == " "
        )
    ),
    min_size=1,
    max_size=70,
)
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
TEXT = st.one_of(DRAWABLE, DRAWABLE, DRAWABLE, ANY_TEXT)  # mostly drawable
FIGURE = st.one_of(DRAWABLE.map(lambda t: t[:10]), DRAWABLE.map(lambda t: t[:10]), ANY_TEXT)
VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 40) | TEXT | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "title",
        "organisation",
        "service",
        "outcomes",
        "summary",
        "model",
        "partners",
        "url",
        "day",
        "tweet",
        "alt",
        "colour",
    ]
)


def _toml_value(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or hasattr(value, "isoformat"):
        return str(value) if not hasattr(value, "isoformat") else value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(
                f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in value.items()
            )
            + "}"
        )
    raise TypeError(value)


@st.composite
def case_files(draw: st.DrawFn) -> bytes:
    """Case files for fuzzing: half valid in shape with text the font can draw (so rendering
    is fuzzed too), half with any unicode, wrong types, missing fields and broken bytes."""
    tame = draw(st.booleans())
    text = DRAWABLE if tame else TEXT
    figure = DRAWABLE.map(lambda t: t[:10]) if tame else FIGURE
    outcome = st.fixed_dictionaries({"figure": figure, "label": text})
    fields: dict[str, object] = {
        "title": draw(text),
        "organisation": draw(text),
        "service": draw(st.sampled_from(["public-health", "employment", "youth-services", "x"])),
        "outcomes": draw(st.lists(outcome, min_size=1, max_size=3 if tame else 5)),
    }
    if not tame and draw(st.booleans()):
        for key in draw(st.lists(KEYS, max_size=4)):
            fields[key] = draw(VALUE)
        if draw(st.booleans()):
            fields.pop(draw(st.sampled_from(sorted(fields))))
    body = "\n".join(
        f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in fields.items()
    ).encode()
    if not tame and draw(st.integers(0, 4)) == 0:  # broken bytes or TOML
        return body[: draw(st.integers(0, len(body)))] + draw(st.binary(max_size=8))
    return body


@settings(
    max_examples=int(os.environ.get("CARDGEN_FUZZ_EXAMPLES", "600")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(content=case_files())
def test_fuzz_check_and_card(runner, one_case_dir: Path, tmp_path: Path, content: bytes) -> None:
    (one_case_dir / "fuzz.toml").write_bytes(content)
    out = tmp_path / "fuzz-out"
    for args in (
        ("check", "--cases", one_case_dir, "--format", "twitter"),
        ("card", "fuzz", "--cases", one_case_dir, "--out", out, "--format", "twitter"),
    ):
        result = runner.invoke(__import__("cardgen.cli").cli.cli, [str(a) for a in args])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        if result.exit_code == 1:
            assert result.stderr.strip(), "a failure always says why"
    png = out / "twitter/fuzz.png"
    if png.exists():
        with Image.open(png) as image:
            image.load()
            assert image.size == (1200, 675)
        png.unlink()


# --- found in review -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('data-size="60 44"', 'data-size="60 44" data-step="0"', "data-step 0.1 to 100"),
        ('data-size="60 44"', 'data-size="inf 44"', "sizes from 1 to 1000"),
        ('data-leading="1.12"', 'data-leading="0"', "data-leading 0.5 to 5"),
        ('data-lines="3"', 'data-lines="0"', "data-lines must be ≥ 1"),
        ("{{ title }}</text>", "{{ 'x' * 10**9 }}</text>", "that long is not allowed"),
        ("{{ title }}</text>", "{{ 10 ** 100000 }}</text>", "exponent"),
        (
            'font-weight="bold" fill="{{ theme.ink }}">{{ title }}',
            'font-weight="bold" fill="{{ theme.ink }}" style="font-size:12px">{{ title }}',
            "CSS (<style> or style=) is not allowed on text",
        ),
        (
            'font-weight="bold" fill="{{ theme.ink }}">{{ title }}',
            'font-weight="bold" fill="{{ theme.ink }}" opacity="0.3">{{ title }}',
            "may not be translucent",
        ),
    ],
)
def test_bad_text_boxes_are_errors_not_hangs(
    runner,
    one_case_dir: Path,
    templates_dir: Path,
    tmp_path: Path,
    old: str,
    new: str,
    message: str,
) -> None:
    path = break_template(templates_dir, old, new)
    result = build_with(runner, one_case_dir, templates_dir, tmp_path)
    assert result.exit_code == 1
    assert any(
        line.startswith(str(path)) and message in line for line in result.stderr.splitlines()
    ), result.stderr


def test_formats_toml_is_validated(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path
) -> None:
    (templates_dir / "formats.toml").write_text(
        '[formats.".."]\nwidth = 1200\nheight = 675\nkinds = "case"\n', encoding="utf-8"
    )
    result = run(runner, "check", "--cases", one_case_dir, "--templates", templates_dir)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{templates_dir / 'formats.toml'}: formats[\"..\"]: '..' is not valid here" in lines[0]
    assert lines[1].endswith("formats[\"..\"].kinds: expected a list, got str 'case'")


def test_outputs_are_readable_by_others(runner, one_case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        run(runner, "build", "--cases", one_case_dir, "--out", out, "--format", "twitter").exit_code
        == 0
    )
    for path in (out / "manifest.json", out / "twitter/small.png"):
        assert path.stat().st_mode & 0o044 == 0o044, oct(path.stat().st_mode)


def test_one_cards_internal_error_does_not_stop_the_others(
    runner, one_case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cardgen.build

    real = cardgen.build.make

    def flaky(job, *args, **kwargs):
        if job.slug == "launch":
            raise RuntimeError("boom")
        return real(job, *args, **kwargs)

    monkeypatch.setattr(cardgen.build, "make", flaky)
    out = tmp_path / "out"
    result = run(
        runner, "build", "--cases", one_case_dir, "--out", out, "--format", "twitter", "--jobs", "1"
    )
    assert result.exit_code == 3, "an internal error (a bug) exits 3 after the other cards"
    assert "twitter/launch.png: internal error: RuntimeError: boom" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["slug"] for c in manifest["cards"]] == ["small"]
    assert manifest["failed"][0]["slug"] == "launch"


def test_a_failed_cards_old_png_is_cleaned_up_when_its_case_goes(
    runner, one_case_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ("build", "--cases", one_case_dir, "--out", out, "--format", "twitter", "-q")
    assert run(runner, *args).exit_code == 0
    case = one_case_dir / "small.toml"
    case.write_text(case.read_text().replace('figure = "35%"', "figure = 35"), encoding="utf-8")
    assert run(runner, *args).exit_code == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert (out / "twitter/small.png").exists(), "the last good card is kept"
    assert {"slug": "small", "format": "twitter", "path": "twitter/small.png"}.items() <= manifest[
        "failed"
    ][0].items()
    case.unlink()
    run(runner, *args)
    assert not (out / "twitter/small.png").exists()


def test_partials_and_parents_are_checked_as_drawn(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path
) -> None:
    def check() -> str:
        args = ["--cases", one_case_dir, "--templates", templates_dir, "--format", "twitter"]
        result = run(runner, "check", *args)
        assert result.exit_code == 1
        return result.stderr

    # A partial is only seen once filled: reported against the template, with the text's slot.
    (templates_dir / "_note.svg").write_text(
        '<text x="60" y="640" font-family="Comic Sans MS" font-size="12" fill="#000">note</text>'
    )
    path = break_template(
        templates_dir, '<rect id="footer"', '{% include "_note.svg" %}<rect id="footer"'
    )
    err = check()
    assert f'{path}: text: font-family "Comic Sans MS" (normal) is not a bundled font' in err
    assert f"{path}: text: font size 12px is below the legibility floor for text" in err
    # A parent's weight and opacity: seen in the source already, so with the line.
    break_template(
        templates_dir,
        '<text id="title"',
        '<g opacity="0.3" font-weight="normal"><text id="title"',
    )
    break_template(templates_dir, "{{ title }}</text>", "{{ title }}</text></g>")
    line = (
        path.read_text()
        .splitlines()
        .index(next(x for x in path.read_text().splitlines() if '<text id="title"' in x))
    )
    assert (
        f"{path}:{line + 1}: title: a text box may not inherit font-weight, opacity from a "
        "parent element"
    ) in check()


def test_text_boxes_stay_inside_the_safe_margin(
    runner, one_case_dir: Path, templates_dir: Path, tmp_path: Path
) -> None:
    path = break_template(templates_dir, 'data-box="80 48 560 44"', 'data-box="80 20 560 44"')
    result = run(
        runner,
        "check",
        "--cases",
        one_case_dir,
        "--templates",
        templates_dir,
        "--format",
        "twitter",
    )
    assert result.exit_code == 1
    assert (
        f"{path}:9: service: text box 80,20 560×44 reaches outside the twitter card's safe margin "
        "(48px from each edge)"
    ) in result.stderr.splitlines()


def test_own_tweet_and_alt_are_checked(runner, one_case_dir: Path, tmp_path: Path) -> None:
    case = one_case_dir / "small.toml"
    text = case.read_text()
    case.write_text('tweet = "Line one\\n\\nLine two 🎉"\n' + text, encoding="utf-8")
    result = run(
        runner,
        "today",
        "--date",
        "2015-08-25",
        "--cases",
        one_case_dir,
        "--out",
        tmp_path,
        "--json",
    )
    post = json.loads(result.output)["then"][0]
    assert post["posts"]["x"]["text"] == "Line one\n\nLine two 🎉 #bettercommissioning", (
        "line breaks and emoji kept"
    )
    case.write_text(f'alt = "{"a" * 421}"\n' + text, encoding="utf-8")
    result = run(runner, "check", "--cases", one_case_dir, "--format", "twitter")
    assert result.exit_code == 1
    assert f"{case}: alt: 421 characters; at most 420 (the house limit)" in result.stderr


def test_platform_size_limit(
    runner, one_case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cardgen.card.MAX_BYTES", 1000)
    result = run(
        runner,
        "build",
        "--cases",
        one_case_dir,
        "--out",
        tmp_path,
        "--format",
        "twitter",
        "--jobs",
        "1",
    )
    assert result.exit_code == 1
    assert (
        "twitter/small.png: " in result.stderr and "platforms accept at most 5 MB" in result.stderr
    )
    assert not (tmp_path / "twitter/small.png").exists()


def test_traceback_switch_shows_internal_errors(
    runner, one_case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cardgen.cli import cli

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("cardgen.build.build", broken)
    args = ["build", "--cases", str(one_case_dir), "--out", str(tmp_path)]
    plain = runner.invoke(cli, args)
    assert plain.exit_code == 3
    assert plain.stderr.startswith("cardgen: internal error: RuntimeError: a bug (at ")
    assert "Traceback" not in plain.stderr
    traced = runner.invoke(cli, ["--traceback", *args])
    assert isinstance(traced.exception, RuntimeError), "with --traceback the exception escapes"
