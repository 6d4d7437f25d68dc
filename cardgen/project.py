"""A project: the folders a campaign is made from and written to, and the caches that belong
to them. One object is made per command and passed down; nothing about a project lives in a
module-level variable.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fonts import Fonts

if TYPE_CHECKING:
    from .formats import Format
    from .sandbox import Templates


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


@dataclass(kw_only=True, eq=False)
class Project:
    """Where a campaign's cases, templates and fonts are, and what is cached about them."""

    cases_dir: Path
    templates_dir: Path = BUILTIN_TEMPLATES
    fonts: Fonts = field(default_factory=lambda: Fonts(default_fonts_dir()))
    revision: int = 0  # the live preview counts its rounds: files may have changed since
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, *, cases: Path | str = "cases", templates: Path | str | None = None) -> Project:
        """The project of a command line's ``--cases`` and ``--templates``."""
        return cls(
            cases_dir=Path(cases),
            templates_dir=Path(templates) if templates else BUILTIN_TEMPLATES,
        )

    def display(self, path: Path) -> str:
        """A path as users should see it in messages."""
        return display(path)

    @property
    def campaign_file(self) -> Path:
        """The campaign file."""
        return self.cases_dir / "campaign.toml"

    @property
    def templates(self) -> Templates:
        """The template folder's Jinja environment (made once)."""
        if "templates" not in self._cache:
            from .sandbox import Templates

            folder = self.templates_dir
            self._cache["templates"] = Templates(folder, shown=self.display(folder))
        return self._cache["templates"]  # type: ignore[no-any-return]

    @property
    def formats(self) -> dict[str, Format]:
        """The formats of ``formats.toml`` in the template folder (read once)."""
        if "formats" not in self._cache:
            from .formats import load_formats

            path = self.templates_dir / "formats.toml"
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
        return (self.cases_dir, self.templates_dir, self.fonts.folder, self.revision) == (
            other.cases_dir,
            other.templates_dir,
            other.fonts.folder,
            other.revision,
        )

    def __getstate__(self) -> dict[str, Any]:
        # A worker process gets the folders; it reads and caches on its own.
        return {**self.__dict__, "_cache": {}}

    def template_digest(self, name: str) -> str:
        """A hash of a template plus the shared partials (``_*``) and assets it may pull in."""
        folder = self.templates_dir
        paths = [folder / name, *sorted(folder.glob("_*")), *sorted((folder / "assets").rglob("*"))]
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
