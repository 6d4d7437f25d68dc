"""Problems a user can fix, and the exceptions that carry them.

A :class:`Problem` keeps where it was found as data (the file, the template line, the card's
slug, the field) and turns into the ``FILE: FIELD: message`` line only when printed, so code
that asks "is this problem about card X?" compares fields instead of parsing display strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One user-facing problem: where it is, which field, and what is wrong."""

    message: str
    file: str = ""  # the file at fault, as users see it: "cases/x.toml", "case.og.svg"
    line: int | None = None  # a line in that file (templates)
    field: str = ""  # "outcomes[1].figure"; empty when the whole file is meant
    slug: str | None = None  # the card or case it belongs to, if one
    template: str | None = None  # the template at fault ("case.og.svg"), if one

    @property
    def where(self) -> str:
        """The file, with its line when known: ``case.og.svg:14``."""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.field, self.message) if part)


class CardgenError(Exception):
    """Bad input: the CLI prints each problem on a line of its own and exits with
    :attr:`exit_code`."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(CardgenError):
    """A bad option or argument: exit 2, as click does for its own usage errors."""

    exit_code = 2


class InternalError(CardgenError):
    """A bug in cardgen met while making one card: exit 3, the other cards still built."""

    exit_code = 3
