"""Template overrides: a project's own templates/ folder wins over the built-in templates,
file by file (as mkdocs-material's ``custom_dir`` overrides a theme)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import CardgenError, Problem
from .project import BUILTIN_TEMPLATES, Project

TEMPLATE_FILES = ("*.svg", "formats.toml")


def _names(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.name for pattern in TEMPLATE_FILES for p in folder.glob(pattern)}


def template_table(project: Project) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, where it comes from) for every template, and warnings about stray overrides."""
    builtin = _names(BUILTIN_TEMPLATES)
    own_folder = project.root / "templates"
    own = _names(own_folder) if project.templates_dir == own_folder else set()
    rows = [
        (name, f"overridden: {project.display(own_folder / name)}" if name in own else "built-in")
        for name in sorted(builtin)
    ]
    return rows + [
        (n, f"project's own: {project.display(own_folder / n)}") for n in sorted(own - builtin)
    ], stray(project)


def stray(project: Project) -> list[str]:
    """Overrides whose name matches no built-in template and no format: likely a typo."""
    own_folder = project.root / "templates"
    if project.templates_dir != own_folder:
        return []
    try:
        formats = set(project.formats)
    except CardgenError:
        formats = set()
    builtin = _names(BUILTIN_TEMPLATES)
    found = []
    for name in sorted(_names(own_folder) - builtin):
        parts = name.split(".")
        if len(parts) == 3 and parts[1] in formats:
            continue  # a template for a format the project added
        found.append(
            f"{project.display(own_folder / name)} matches no built-in template and no format; "
            "it is not used (`cardgen templates` lists the names)"
        )
    return found


def copy_template(project: Project, name: str, *, force: bool = False) -> Path:
    """Copy a built-in template into the project's templates/ folder."""
    source = BUILTIN_TEMPLATES / name
    if Path(name).name != name or not source.is_file():
        known = ", ".join(sorted(_names(BUILTIN_TEMPLATES)))
        raise CardgenError(
            Problem(file=name, message=f"no such built-in template; one of: {known}")
        )
    target = project.root / "templates" / name
    if target.exists() and not force:
        raise CardgenError(
            Problem(
                file=project.display(target),
                message="the project has its own already: edit it, or copy with --force",
            )
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
