"""YAML that remembers where each value came from, so schema errors can name `file:line`.

`load_located(text, filename)` parses one YAML document with PyYAML's safe loader and returns the
plain data plus a `Locations` map from each value's path (keys and list indexes) to its line.
Duplicate mapping keys, which PyYAML accepts silently, are reported as errors.
`describe_validation_error` turns a pydantic ValidationError into `file:line: message` lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from inboxready.errors import InputError

Path = tuple[str | int, ...]


class YamlSourceError(InputError):
    """A YAML file that does not parse or does not match its schema; the message lists file:line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(slots=True)
class Locations:
    filename: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of the longest prefix of `path` that was seen (1 when nothing matches)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def where(self, path: Path) -> str:
        return f"{self.filename}:{self.line_of(path)}"


def load_located(text: str, filename: str) -> tuple[Any, Locations]:
    """Parse one YAML document; errors are YamlSourceError with `file:line: reason`."""
    locations = Locations(filename)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, locations
        problems: list[str] = []
        _walk(loader, node, (), locations, problems)
        if problems:
            raise YamlSourceError(problems)
        return loader.construct_document(node), locations
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = exc.problem or exc.context or "not valid YAML"
        raise YamlSourceError([f"{filename}:{line}: {reason}"]) from exc
    except yaml.YAMLError as exc:
        raise YamlSourceError([f"{filename}:1: not valid YAML ({exc})"]) from exc
    finally:
        loader.dispose()


def _walk(loader: yaml.SafeLoader, node: yaml.Node, path: Path, loc: Locations, problems: list[str]) -> None:
    loc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                problems.append(f"{loc.filename}:{line}: duplicate key {key!r} (first on line {seen[key]})")
            seen.setdefault(key, line)
            loc.lines[(*path, key)] = line
            _walk(loader, value_node, (*path, key), loc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(loader, item, (*path, index), loc, problems)


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe_validation_error(exc: ValidationError, loc: Locations, prefix: Path = ()) -> list[str]:
    """One `file:line: message (at a.b[0].c)` line per pydantic error."""
    out = []
    for error in exc.errors():
        path = (*prefix, *(p for p in error["loc"] if isinstance(p, str | int)))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden" and path:
            message = f"unknown key {path[-1]!r}"
        where = format_path(path)
        out.append(f"{loc.where(path)}: {message}" + (f" (at {where})" if where else ""))
    return out
