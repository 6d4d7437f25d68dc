"""The template folder as Jinja sees it: a sandboxed, autoescaping environment, and assets.

Templates are authored outside the code, so Jinja runs in its immutable sandbox, with
autoescaping on (``select_autoescape`` does not cover ``.svg``) and ``StrictUndefined`` (an
unknown variable is an error, not an empty string).
"""

from __future__ import annotations

import base64
import functools
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import CardgenError, Problem

MAX_REPEAT = 10_000  # characters or items a template may make with "*"
MAX_EXPONENT = 64


@functools.cache
def _sandbox() -> type[Any]:
    """Jinja's immutable sandbox, plus limits on ``*`` and ``**`` (``'x' * 10**9`` would
    otherwise allocate a gigabyte). Made on first use: planning a build needs no Jinja."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large for a template")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if (
                        isinstance(seq, str | list | tuple)
                        and isinstance(n, int)
                        and n * len(seq) > MAX_REPEAT
                    ):
                        raise SecurityError("a repeated string or list that long is not allowed")
            return super().call_binop(context, operator, left, right)

    return Sandbox


class Templates:
    """The template folders (a project's overrides first, then the built-in ones): the Jinja
    environment over them and the ``assets/`` folders as data URIs."""

    def __init__(
        self, folders: list[Path], *, assets: list[Path], shown: Callable[[Path], str]
    ) -> None:
        self.folders = [f.resolve() for f in folders]
        self.assets = [a.resolve() for a in assets]
        self.shown = shown  # a path as users see it in messages
        self._assets: dict[tuple[Path, int, int], str] = {}

    @functools.cached_property
    def env(self) -> Any:
        """The Jinja environment, made when a template is first filled (planning needs none)."""
        import jinja2

        env = _sandbox()(
            loader=jinja2.FileSystemLoader(self.folders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        env.globals["asset"] = self.asset
        from .charts import chart, chart_kind

        env.globals["chart"] = chart
        env.globals["chart_kind"] = chart_kind
        from .summary import summary_layout

        env.globals["summary_layout"] = summary_layout
        return env

    def path(self, name: str) -> Path:
        """Where a template lives: the first folder that has it (the last if none does)."""
        for folder in self.folders:
            if (folder / name).is_file():
                return folder / name
        return (self.folders or [Path(".")])[-1] / name

    def where(self, name: str) -> str:
        """A template as users see it in messages."""
        return self.shown(self.path(name))

    def asset(self, name: str) -> str:
        """A file of an ``assets/`` folder as a ``data:`` URI, encoded once per version."""
        for assets in self.assets:
            path = (assets / name).resolve()
            if path.is_relative_to(assets) and path.is_file():
                break
        else:
            shown = ", ".join(self.shown(a) for a in self.assets)
            raise CardgenError(f'asset "{name}" not found in {shown}')
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._assets:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._assets[key] = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
        return self._assets[key]

    def fill(self, name: str, context: dict[str, Any]) -> str:
        """Render a template with Jinja; errors name the template and line."""

        def problem(message: str, line: int | None = None) -> CardgenError:
            where = self.where(name)
            return CardgenError(Problem(file=where, line=line, message=message, template=name))

        import jinja2

        try:
            template = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise problem("template not found") from None
        except jinja2.TemplateSyntaxError as exc:
            raise problem(exc.message or "", exc.lineno) from None
        try:
            return template.render(context)
        except CardgenError:
            raise
        except jinja2.TemplateError as exc:
            raise problem(str(exc), _template_line(exc, template.filename)) from None
        except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
            line = _template_line(exc, template.filename)
            raise problem(f"{type(exc).__name__}: {exc}", line) from None


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """The template line an exception was raised on (Jinja maps frames back to it)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
