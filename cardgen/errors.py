"""The one exception type for problems a user can fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One user-facing problem: where it is, which field, and what is wrong."""

    where: str  # a file ("cases/x.toml") or a template line ("case.twitter.svg:12")
    field: str  # "outcomes[1].figure"; empty when the whole file is meant
    message: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.field, self.message) if part)


class CardgenError(Exception):
    """Bad input: the CLI prints each problem on a line of its own and exits 1."""

    def __init__(self, problems: Iterable[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(CardgenError):
    """A bad option or argument: the CLI exits 2, as click does for its own usage errors."""
