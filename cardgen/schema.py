"""Declarative validation of TOML data into frozen dataclasses, reporting every problem at once.

A :class:`Record` subclass declares its keys as annotated fields; :func:`validate` turns the
tables that :mod:`tomllib` returns into instances, or raises one :class:`CardgenError` holding
a :class:`Problem` for each mistake::

    class Outcome(Record):
        figure: Annotated[str, Text(12)]
        label: Annotated[str, Text(80)]

    class Case(Record):
        title: Annotated[str, Text(300, clean=clean_text)]
        outcomes: Annotated[tuple[Outcome, ...], Items(min_length=1, max_length=3)]
        day: Annotated[int | None, Int(ge=1)] = None

    case = validate(Case, tomllib.loads(text), file="cases/x.toml")

Annotations are resolved on a class's first validation (declare records at module level) and
the plan is cached per class: importing this module and declaring records stays cheap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import reprlib
import types
import typing
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from .errors import CardgenError, Problem

_Problems = list[tuple[str, str]]  # (field, message) pairs, in the order found
_Converter = Callable[[Any, str, _Problems], Any]  # value, field, problems -> value or _BAD
_BAD = object()  # a converter's result when it found a problem
_PLAIN_KEY = re.compile(r"[\w-]+")
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring = 2, 4, 4, 40


class Rule:
    """A constraint in ``Annotated[...]``: returns the (cleaned) value or raises ValueError."""

    def __call__(self, value: Any) -> Any:
        return value

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if v is not None)
        return f"{type(self).__name__}({args})"


class Text(Rule):
    """A string: cleaned, then its length, pattern and ``check`` are tested, in that order."""

    def __init__(
        self,
        max_length: int | None = None,
        *,
        min_length: int = 1,
        pattern: str | re.Pattern[str] | None = None,
        mismatch: str | None = None,
        clean: Callable[[str], str] | None = None,
        check: Callable[[str], object] | None = None,
    ) -> None:
        self.max_length, self.min_length, self.clean = max_length, min_length, clean
        self.pattern, self.mismatch, self.check = pattern, mismatch, check

    def __call__(self, value: str) -> str:
        if self.clean is not None:
            value = self.clean(value)
        if not value and self.min_length:
            raise ValueError("must not be empty")
        if len(value) < self.min_length:
            raise ValueError(f"too short ({len(value)} characters; at least {self.min_length})")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"too long ({len(value)} characters; at most {self.max_length})")
        if self.pattern is not None and not re.search(self.pattern, value):
            shown = getattr(self.pattern, "pattern", self.pattern)
            raise ValueError(
                f"{value!r} {self.mismatch or f'is not valid here (expected to match {shown})'}"
            )
        if self.check is not None:
            self.check(value)  # raises ValueError("message") to refuse the value
        return value


def Pattern(pattern: str | re.Pattern[str], mismatch: str | None = None) -> Text:
    """A string that must match ``pattern`` (an empty one gets the mismatch message too)."""
    return Text(min_length=0, pattern=pattern, mismatch=mismatch)


class Int(Rule):
    """Bounds for a whole number (or a float field)."""

    def __init__(self, *, ge: float | None = None, le: float | None = None) -> None:
        self.ge, self.le = ge, le

    def __call__(self, value: float) -> float:
        if self.ge is not None and value < self.ge:
            raise ValueError(f"must be at least {self.ge}")
        if self.le is not None and value > self.le:
            raise ValueError(f"must be at most {self.le}")
        return value


def _count(n: int, low: int, high: int | None, noun: str, nouns: str) -> None:
    if n < low:
        raise ValueError(f"expected at least {low} {noun if low == 1 else nouns}, got {n}")
    if high is not None and n > high:
        raise ValueError(f"expected at most {high} {noun if high == 1 else nouns}, got {n}")


class Items(Rule):
    """A list's length, and a rule for each of its items (``tuple[X, ...]`` fields)."""

    def __init__(
        self, *, min_length: int = 0, max_length: int | None = None, item: Rule | None = None
    ) -> None:
        self.min_length, self.max_length, self.item = min_length, max_length, item

    def __call__(self, value: list[Any]) -> list[Any]:
        _count(len(value), self.min_length, self.max_length, "item", "items")
        return value


class Table(Rule):
    """A table's size, and rules for its keys and values (``dict[str, X]`` fields)."""

    def __init__(
        self,
        *,
        min_length: int = 0,
        max_length: int | None = None,
        key: Text | None = None,
        value: Rule | None = None,
    ) -> None:
        self.min_length, self.max_length, self.key, self.value = min_length, max_length, key, value

    def __call__(self, value: dict[str, Any]) -> dict[str, Any]:
        _count(len(value), self.min_length, self.max_length, "entry", "entries")
        return value


@typing.dataclass_transform(kw_only_default=True, frozen_default=True)
class Record:
    """A validated TOML table: each subclass becomes a frozen, keyword-only dataclass."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """The keys this record's table may have, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def check(self) -> Iterable[tuple[str, str]]:
        """Cross-field problems as (field, message) pairs, asked once every field is valid."""
        return ()


R = TypeVar("R", bound=Record)


def validate(record: type[R], data: object, file: str = "") -> R:
    """The record built from TOML data, or a CardgenError naming every problem in ``file``."""
    problems: _Problems = []
    result = _record(record)(data, "", problems)
    if problems:
        raise CardgenError([Problem(file=file, field=f, message=m) for f, m in problems])
    return result


def dump(value: Any, exclude: Iterable[str] = ()) -> Any:
    """JSON-ready data from a record, as pydantic's ``model_dump(mode="json")`` gave it."""
    if isinstance(value, Record):
        return {k: dump(getattr(value, k)) for k in value.fields() if k not in exclude}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, dt.date) else value


def field_path(path: str, key: str | int) -> str:
    """A key appended to a field path: ``outcomes[0]``, ``services.x.ink``, ``formats[".."]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier() or _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    import json  # only for odd keys: keeps the import of this module light

    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _under(path: str, field: str) -> str:
    if not path or not field:
        return path or field
    return path + field if field.startswith("[") else f"{path}.{field}"


def _expected(what: str, value: object) -> str:
    shown = repr(value) if isinstance(value, (str, int, float, dt.date)) else _REPR.repr(value)
    return f"expected {what}, got {type(value).__name__} {shown}"[:80]


def _fail(problems: _Problems, path: str, message: str) -> object:
    problems.append((path, message))
    return _BAD


def _apply(rule: Rule | None, value: Any, path: str, problems: _Problems) -> Any:
    try:
        return value if rule is None else rule(value)
    except ValueError as exc:
        return _fail(problems, path, str(exc))


_SCALARS: dict[type, tuple[Callable[[Any], bool], str]] = {
    str: (lambda v: isinstance(v, str), "a string"),
    bool: (lambda v: isinstance(v, bool), "true or false"),
    int: (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    float: (lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    dt.date: (
        lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
        "a date (YYYY-MM-DD, unquoted)",
    ),
}


def _scalar(tp: type, rule: Rule | None) -> _Converter:
    accepts, what = _SCALARS[tp]

    def convert(value: Any, path: str, problems: _Problems) -> Any:
        if not accepts(value):
            return _fail(problems, path, _expected(what, value))
        return _apply(rule, float(value) if tp is float else value, path, problems)

    return convert


@functools.cache
def _plan(cls: type[Record]) -> tuple[tuple[str, _Converter, bool], ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    missing = dataclasses.MISSING
    return tuple(
        (f.name, _converter(hints[f.name]), f.default is missing and f.default_factory is missing)
        for f in dataclasses.fields(cls)
    )


def _record(cls: type[Record]) -> _Converter:
    def convert(data: Any, path: str, problems: _Problems) -> Any:
        if not isinstance(data, dict):
            return _fail(problems, path, _expected("a table", data))
        found, values = len(problems), {}
        plan = _plan(cls)
        for name, converter, required in plan:
            if name in data:
                values[name] = converter(data[name], field_path(path, name), problems)
            elif required:
                problems.append((field_path(path, name), "required, but missing"))
        names = [name for name, _, _ in plan]
        for key in data:
            if key not in names:
                message = f"unknown key (allowed: {', '.join(names)})"
                problems.append((field_path(path, str(key)), message))
        if len(problems) > found:
            return _BAD
        record = cls(**values)
        problems.extend((_under(path, f), message) for f, message in record.check())
        return record if len(problems) == found else _BAD

    return convert


def _items(item: _Converter, rule: Items | None) -> _Converter:
    def convert(value: Any, path: str, problems: _Problems) -> Any:
        if not isinstance(value, list | tuple):
            return _fail(problems, path, _expected("a list", value))
        found = len(problems)
        _apply(rule, value, path, problems)
        out = tuple(item(v, field_path(path, i), problems) for i, v in enumerate(value))
        return out if len(problems) == found else _BAD

    return convert


def _table(key: _Converter, item: _Converter, rule: Table | None) -> _Converter:
    def convert(value: Any, path: str, problems: _Problems) -> Any:
        if not isinstance(value, dict):
            return _fail(problems, path, _expected("a table", value))
        found = len(problems)
        _apply(rule, value, path, problems)
        out = {}
        for k, v in value.items():
            where = field_path(path, str(k))
            name = key(k, where, problems)  # the key's problem comes before its value's
            out[name] = item(v, where, problems)
        return out if len(problems) == found else _BAD

    return convert


def _choice(choices: tuple[Any, ...]) -> _Converter:
    names = ", ".join(str(c) for c in choices)

    def convert(value: Any, path: str, problems: _Problems) -> Any:
        if any(type(value) is type(c) and value == c for c in choices):
            return value
        return _fail(problems, path, f"{_REPR.repr(value)} is not one of: {names}")

    return convert


def _converter(tp: Any) -> _Converter:
    """How to check and convert a value declared with the annotation ``tp``."""
    rules: list[Rule] = []
    while True:  # peel Annotated[...] (collecting rules) and "X | None"
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is Annotated:
            rules += [m for m in tp.__metadata__ if isinstance(m, Rule)]
            tp = args[0]
        elif origin in (typing.Union, types.UnionType) and type(None) in args and len(args) == 2:
            tp = args[0] if args[1] is type(None) else args[1]
        else:
            break
    if len(rules) > 1:
        raise TypeError(f"one rule per field, not {rules}")
    rule = rules[0] if rules else None
    if origin is list:
        raise TypeError(f"declare a list as tuple[X, ...], not {tp}")
    kind = {str: Text, int: Int, float: Int, tuple: Items, dict: Table}.get(origin or tp)
    if rule is not None and (kind is None or not isinstance(rule, kind)):
        raise TypeError(f"{type(rule).__name__} does not apply to {tp}")
    if tp in _SCALARS:
        return _scalar(tp, rule)
    if origin is typing.Literal:
        return _choice(args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0] if rule is None or rule.item is None else Annotated[args[0], rule.item]
        return _items(_converter(item), rule)
    if origin is dict and args[0] is str:
        key = str if rule is None or rule.key is None else Annotated[str, rule.key]
        value = args[1] if rule is None or rule.value is None else Annotated[args[1], rule.value]
        return _table(_converter(key), _converter(value), rule)
    if isinstance(tp, type) and issubclass(tp, Record):
        return _record(tp)
    raise TypeError(f"cannot validate {tp!r}")
