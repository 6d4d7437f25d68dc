"""A project: the folders a campaign is made from and written to, and the caches that belong
to them. One object is made per command and passed down; nothing about a project lives in a
module-level variable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CardgenError, Problem
from .fonts import Fonts

if TYPE_CHECKING:
    from .formats import Format
    from .sandbox import Templates


_ASSET_CALL = re.compile(r"\basset\s*\(")
_ASSET_NAMED = re.compile(r"""\basset\s*\(\s*(['"])([^'"\\]+)\1\s*\)""")


def _bundled(name: str) -> Path:
    """One of cardgen's own folders: inside the installed package (a wheel carries them as
    ``cardgen/_bundled/``), or the top-level folder of the checkout it runs from (editable)."""
    package = Path(__file__).resolve().parent
    installed = package / "_bundled" / name
    return installed if installed.is_dir() else package.parent / name


BUILTIN_TEMPLATES = _bundled("svg_templates")
BUILTIN_FONTS = _bundled("fonts")


def display(path: Path, base: Path | None = None) -> str:
    """A path relative to ``base`` (the working folder) when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to((base or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


CAMPAIGN_FILE = "campaign.toml"


def campaign_in(folder: Path) -> Path | None:
    """The campaign file of a project folder: ``campaign.toml``, or ``cases/campaign.toml``
    (the layout of cardgen's own checkout)."""
    for path in (folder / CAMPAIGN_FILE, folder / "cases" / CAMPAIGN_FILE):
        if path.is_file():
            return path
    return None


def find_root(start: Path) -> Path | None:
    """The project folder holding ``start``: the nearest folder upwards with a campaign file,
    as git finds ``.git``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        # In cardgen's own layout, cases/campaign.toml belongs to the folder above cases/.
        if folder.name == "cases" and (folder / CAMPAIGN_FILE).is_file():
            return folder.parent
        if campaign_in(folder):
            return folder
    return None


@dataclass(kw_only=True, eq=False)
class Project:
    """Where a campaign's cases, templates and fonts are, and what is cached about them.

    A project is a folder: its campaign file and ``cases/``, optional ``templates/`` that
    override the built-in templates file by file, ``assets/`` (logos, photos) and ``out/``.
    """

    root: Path = field(default_factory=Path.cwd)
    cases_dir: Path
    campaign_file: Path | None = None  # default: found in root, else in cases_dir
    template_folders: tuple[Path, ...] = (BUILTIN_TEMPLATES,)  # first match wins
    fonts: Fonts = field(default_factory=lambda: Fonts(default_fonts_dir()))
    revision: int = 0  # the live preview counts its rounds: files may have changed since
    draft_marks: bool = True  # the preview shows designs without the sign-off DRAFT mark
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.campaign_file is None:
            found = [self.root / CAMPAIGN_FILE, self.cases_dir / CAMPAIGN_FILE]
            self.campaign_file = next((p for p in found if p.is_file()), found[-1])

    @classmethod
    def open(
        cls,
        *,
        project: Path | str | None = None,
        cases: Path | str | None = None,
        templates: Path | str | None = None,
        start: Path | None = None,
    ) -> Project:
        """The project a command works on: ``--project DIR``, or the one holding the working
        folder; ``--cases`` and ``--templates`` name other folders, as before projects.

        ``--cases DIR`` alone keeps the old meaning: a folder with campaign.toml and the case
        files, read from the working folder (paths shown relative to it).
        """
        here = (start or Path.cwd()).resolve()
        if project is not None:
            root = Path(project).resolve()
            if not root.is_dir():
                raise CardgenError(Problem(file=str(project), message="project folder not found"))
            if cases is None and not campaign_in(root):
                raise CardgenError(
                    Problem(
                        file=str(project),
                        message="no campaign.toml in this folder: `cardgen new FOLDER` starts "
                        "a project",
                    )
                )
        elif cases is not None:
            root = here
        else:
            found = find_root(here)
            if found is None:
                raise CardgenError(
                    Problem(
                        file=str(here),
                        message="no campaign.toml here or in a folder above: `cardgen new "
                        "FOLDER` starts a project, or pass --project DIR",
                    )
                )
            root = found
        folders = (Path(templates),) if templates else (root / "templates", BUILTIN_TEMPLATES)
        return cls(
            root=root,
            cases_dir=Path(cases) if cases is not None else root / "cases",
            template_folders=folders,
        )

    @property
    def templates_dir(self) -> Path:
        """The first template folder: the project's overrides (or --templates)."""
        return self.template_folders[0]

    @property
    def out_dir(self) -> Path:
        """Where cards are written unless --out says otherwise."""
        return self.root / "out"

    @property
    def assets_dir(self) -> Path:
        """The project's logos and photos."""
        return self.root / "assets"

    def display(self, path: Path) -> str:
        """A path as users should see it: relative to the project folder when inside it; one
        of cardgen's own templates as ``built-in NAME`` (not a path into site-packages)."""
        shown = display(path, self.root)
        if Path(shown).is_absolute():
            try:
                inside = path.resolve().relative_to(BUILTIN_TEMPLATES.resolve())
            except ValueError:
                pass
            else:
                return f"built-in {inside}" if inside.parts else "built-in templates"
        return shown

    @property
    def templates(self) -> Templates:
        """The templates' Jinja environment over every template folder (made once)."""
        if "templates" not in self._cache:
            from .sandbox import Templates

            folders = [f for f in self.template_folders if f.is_dir()]
            assets = [self.assets_dir, *(f / "assets" for f in folders)]
            self._cache["templates"] = Templates(folders, assets=assets, shown=self.display)
        return self._cache["templates"]  # type: ignore[no-any-return]

    @property
    def formats(self) -> dict[str, Format]:
        """The formats of ``formats.toml`` in the template folder (read once)."""
        if "formats" not in self._cache:
            from .formats import load_formats

            path = self.templates.path("formats.toml")
            self._cache["formats"] = load_formats(path, shown=self.display(path))
        return self._cache["formats"]  # type: ignore[no-any-return]

    def cached(self, name: str) -> dict[Any, Any]:
        """A named cache that lives as long as this project object (and this process)."""
        return self._cache.setdefault(f"cache:{name}", {})  # type: ignore[no-any-return]

    def renewed(self, *, fonts: bool = False) -> Project:
        """The same project read afresh (the preview, after files changed): nothing cached,
        the next revision; the fonts object kept (with its measurements) unless ``fonts``."""
        return dataclasses.replace(
            self,
            fonts=Fonts(self.fonts.folder) if fonts else self.fonts,
            revision=self.revision + 1,
            _cache={},
        )

    def same(self, other: Project) -> bool:
        """Whether ``other`` is this project at the same revision (a worker reuses caches)."""
        mine = (self.root, self.cases_dir, self.template_folders, self.fonts.folder, self.revision)
        return mine == (
            other.root,
            other.cases_dir,
            other.template_folders,
            other.fonts.folder,
            other.revision,
        )

    def __getstate__(self) -> dict[str, Any]:
        # A worker process gets the folders; it reads and caches on its own.
        return {**self.__dict__, "_cache": {}}

    def template_digest(self, name: str) -> str:
        """A hash of a template plus the shared partials (``_*``) and the assets it may pull in:
        the files its ``asset("…")`` calls name, or every asset if one names it otherwise (so
        that a new photo in ``assets/`` does not redraw every card)."""
        tmpl = self.templates
        paths = [tmpl.path(name)]
        for folder in tmpl.folders:
            paths += sorted(folder.glob("_*"))
        named = self._assets_named(tuple(paths))
        for folder in tmpl.assets:
            if not folder.is_dir():
                continue
            if named is None:
                paths += sorted(folder.rglob("*"))
            else:
                paths += [folder / n for n in sorted(named)]
        files = []
        for p in paths:
            try:
                stat = p.stat()
            except OSError:
                continue
            if p.is_file():
                files.append((p, stat.st_mtime_ns, stat.st_size))
        cache = self.cached("digests")
        key = tuple(files)
        if key not in cache:  # a plan of 70 cards reads each template once
            digest = hashlib.sha256()
            for path, _, _ in files:
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
            cache[key] = digest.hexdigest()
        return cache[key]  # type: ignore[no-any-return]

    def _assets_named(self, sources: tuple[Path, ...]) -> frozenset[str] | None:
        """The asset names that these templates' ``asset("…")`` calls give as plain strings;
        None if a call names its asset any other way (any asset could then be drawn)."""
        stats = []
        for p in sources:
            with contextlib.suppress(OSError):
                stats.append((p, p.stat().st_mtime_ns))
        cache = self.cached("asset-names")
        key = tuple(stats)
        if key not in cache:
            names: set[str] = set()
            dynamic = False
            for p, _ in stats:
                text = p.read_text(encoding="utf-8", errors="replace")
                calls = len(_ASSET_CALL.findall(text))
                found = _ASSET_NAMED.findall(text)
                names.update(n for _, n in found)
                dynamic |= calls != len(found)
            cache[key] = None if dynamic else frozenset(names)
        return cache[key]  # type: ignore[no-any-return]


def default_fonts_dir() -> Path:
    """The bundled fonts, or the folder ``CARDGEN_FONTS`` names (the snapshot tests use it to
    prove that a font swap shows)."""
    return Path(os.environ.get("CARDGEN_FONTS") or BUILTIN_FONTS)


@functools.cache
def code_digest() -> str:
    """A hash of cardgen's own source: a code change re-renders every card."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
