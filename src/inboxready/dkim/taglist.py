"""DKIM tag=value lists (RFC 6376 section 3.2), shared by key records and DKIM-Signature fields.

    tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
    tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
    tag-name  =  ALPHA *ALNUMPUNC
    tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]      tval = 1*VALCHAR (%x21-3A / %x3C-7E)

Pure: no I/O. A list with a duplicate tag is invalid as a whole (section 3.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_TVAL = re.compile(r"[\x21-\x3a\x3c-\x7e]+\Z")
_WHITESPACE = re.compile(r"[ \t\r\n]+")


class TagListError(ValueError):
    """A tag-list that does not follow RFC 6376 section 3.2; `position` is a 0-based offset."""

    def __init__(self, message: str, position: int) -> None:
        self.position = position
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    value: str
    #: Offset of the tag name in the text (for messages that point at the problem).
    position: int


def parse_tag_list(text: str) -> tuple[Tag, ...]:
    """The tags of `text` in order; values keep their inner whitespace, folding removed.

    Raises TagListError for a malformed tag-spec, a bad tag name or value, or a duplicate tag.
    """
    tags: list[Tag] = []
    seen: set[str] = set()
    offset = 0
    for segment in text.split(";"):
        start = offset
        offset += len(segment) + 1
        if not segment.strip(" \t\r\n"):
            if start + len(segment) >= len(text):
                continue  # the optional trailing ";"
            raise TagListError("empty tag-spec between two ';'", start)
        name_part, equals, value_part = segment.partition("=")
        name = name_part.strip(" \t\r\n")
        position = start + len(name_part) - len(name_part.lstrip(" \t\r\n"))
        if not equals:
            raise TagListError(f"{name!r} has no '=' (tags are name=value, separated by ';')", position)
        if not _TAG_NAME.match(name):
            raise TagListError(f"{name!r} is not a valid tag name", position)
        value = _WHITESPACE.sub(" ", value_part.strip(" \t\r\n"))
        for tval in value.split(" ") if value else ():
            if not _TVAL.match(tval):
                raise TagListError(f"tag {name}= has a character not allowed in a value: {tval!r}", position)
        if name in seen:
            raise TagListError(f"tag {name}= appears twice; the whole list is invalid", position)
        seen.add(name)
        tags.append(Tag(name, value, position))
    return tuple(tags)


def strip_whitespace(value: str) -> str:
    """A base64 or colon-list value with its folding whitespace removed."""
    return _WHITESPACE.sub("", value)
