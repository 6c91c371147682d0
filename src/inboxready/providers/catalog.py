"""The catalog of sending services: the bundled data/<slug>.yaml files plus the user's own.

`load_catalog(extra_dirs)` reads every entry and validates it against `inboxready.providers.model`;
an invalid file raises `CatalogError` whose message names `file:line` for each problem. A user's
entry with the slug of a bundled one replaces it (their file wins, and `origin` says where it came from).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from inboxready.errors import InputError
from inboxready.providers.model import Provider
from inboxready.providers.yamlload import YamlSourceError, describe_validation_error, load_located


class CatalogError(YamlSourceError):
    """A catalog file that does not parse or does not match the schema."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    provider: Provider
    origin: str  # the file it was read from


def parse_provider(text: str, filename: str) -> Provider:
    """One catalog entry from YAML text; CatalogError names file:line for every problem."""
    try:
        data, locations = load_located(text, filename)
    except YamlSourceError as exc:
        raise CatalogError(exc.problems) from exc
    if not isinstance(data, dict):
        raise CatalogError([f"{filename}:1: a catalog entry is a mapping (slug:, name:, spf:, ...)"])
    try:
        return Provider.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(describe_validation_error(exc, locations)) from exc


class Catalog(Mapping[str, Provider]):
    """Read-only mapping slug → Provider."""

    def __init__(self, entries: Iterable[CatalogEntry]) -> None:
        self._entries: dict[str, CatalogEntry] = {}
        for entry in entries:
            self._entries[entry.provider.slug] = entry

    def __getitem__(self, slug: str) -> Provider:
        return self._entries[slug].provider

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def origin(self, slug: str) -> str:
        return self._entries[slug].origin

    def suggest(self, name: str) -> list[str]:
        """Slugs close to a misspelt name (for "unknown sender" messages)."""
        import difflib

        return difflib.get_close_matches(name.lower(), list(self), n=3, cutoff=0.6)


def _bundled_files() -> list[tuple[str, str]]:
    data = resources.files("inboxready.providers").joinpath("data")
    out = []
    for item in sorted(data.iterdir(), key=lambda i: i.name):
        if item.name.endswith((".yaml", ".yml")):
            out.append((f"providers/data/{item.name}", item.read_text(encoding="utf-8")))
    return out


def _directory_files(directory: str | os.PathLike[str]) -> list[tuple[str, str]]:
    path = Path(directory)
    if not path.is_dir():
        raise InputError(f"catalog directory {path} does not exist or is not a directory")
    out = []
    for file in sorted(path.iterdir()):
        if file.suffix in (".yaml", ".yml") and file.is_file():
            try:
                out.append((str(file), file.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{file}: cannot read catalog entry: {exc}") from exc
    return out


def load_catalog(extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> Catalog:
    """The bundled entries, then each directory's entries (later ones replace same-slug entries)."""
    entries = []
    problems: list[str] = []
    files = _bundled_files()
    for directory in extra_dirs:
        files.extend(_directory_files(directory))
    for filename, text in files:
        try:
            provider = parse_provider(text, filename)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        stem = Path(filename).stem
        if stem != provider.slug:
            problems.append(f"{filename}:1: file name must be the slug: {provider.slug}.yaml")
            continue
        entries.append(CatalogEntry(provider, filename))
    if problems:
        raise CatalogError(problems)
    return Catalog(entries)
