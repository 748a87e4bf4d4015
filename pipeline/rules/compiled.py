"""A compiled rules file: a matcher's frozen form on disk, read in place by memory mapping.

    key = rules_key(config.rules, config.aliases, people)
    try:
        matcher = open_compiled(path, key)          # Unusable: missing, corrupt, stale
    except Unusable:
        matcher = Matcher(config.rules, config.aliases, people=people, parsed=queries)
        save_compiled(matcher, path, key)           # a temp file, then renamed: never half there

Opening one costs a checksum of the file and making dictionaries of the prefilter's anchor
keys: the rule lists, ids, titles and packed trees stay in the file's pages (shared by every
process that maps it) and a rule's tree is unpacked when the rule is first a candidate. Where
the file lives and when it is made is the caller's (workers.compiled_rules).

The key names the rules exactly: a hash of this code's version (its format, the sources of
pipeline.rules, wordfreq's version, Python's, the machine's byte order) and of every rule's id,
title, query and aliases, with the shared aliases and people. A file under another key is
stale; one whose magic, format or checksum is wrong is corrupt; either is `Unusable`, to be
made again, never read.

Layout (little- or big-endian as the machine that wrote it, which the key names):

    MAGIC (8) | FORMAT u32 | 0 u32 | key (32) | sha256 of the rest (32) | toc length u64 | toc | sections

The toc is `marshal`'s ((name, offset, length), ...); each section starts at a multiple of 8.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import mmap
import os
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path

from .matcher import SECTIONS, Matcher, RuleSpec
from .people import People, Person

__all__ = ["FORMAT", "MAGIC", "Unusable", "code_version", "open_compiled", "rules_key", "save_compiled"]

MAGIC = b"WWRULES\x00"
FORMAT = 1  # counted up with any change of the layout or of what a section holds
_HEADER = struct.Struct("<8sII32s32sQ")
_CHECKED = _HEADER.size - 8  # the checksum covers the toc's length and everything after it
_ALIGN = 8


class Unusable(Exception):
    """A compiled rules file that must not be read (missing, corrupt, stale): make it again.
    `missing`: there is none (nothing wrong, only not made yet)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


@cache
def code_version() -> bytes:
    """What a compiled file's meaning depends on besides the rules: the format, this package's
    sources (the parser, the prefilter, the packing of trees), wordfreq (which words anchor a
    rule), Python (marshal) and the byte order. Any change makes every file stale."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]} {marshal.version} {sys.byteorder}".encode())
    with contextlib.suppress(metadata.PackageNotFoundError):
        digest.update(metadata.version("wordfreq").encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.digest()


def rules_key(
    rules: Iterable[RuleSpec],
    shared_aliases: Mapping[str, Sequence[str]] | None = None,
    people: People | None = None,
) -> str:
    """The key of a compiled file of these rules (hex): the same rules, aliases and people,
    with the same code, give the same key; anything else, another."""
    digest = hashlib.sha256(code_version())
    digest.update(json.dumps(shared_aliases or {}, ensure_ascii=False).encode())
    digest.update(json.dumps({k: _person(v) for k, v in (people or {}).items()}, ensure_ascii=False).encode())
    # One string a batch, hashed at once: a million rules are hashed in about a second.
    batch: list[str] = []
    for rule in rules:
        aliases = json.dumps(rule.aliases) if rule.aliases else ""
        batch.append(f"{rule.id}\0{rule.display_title}\0{rule.query}\0{aliases}\1")
        if len(batch) >= 10_000:
            digest.update("".join(batch).encode())
            batch.clear()
    digest.update("".join(batch).encode())
    return digest.hexdigest()


def _person(person: Sequence[str] | Person) -> object:
    if isinstance(person, Person):
        return [person.names, person.roles, person.context, person.namesakes]
    return list(person)


def save_compiled(matcher: Matcher, path: Path, key: str) -> None:
    """Write `matcher` as the compiled file `path`, for `key`: to a temporary file in the same
    directory, renamed over `path` once complete (a reader sees the old file or the new, never
    part of one)."""
    sections = matcher.sections
    toc, offset = [], 0
    for name in SECTIONS:
        size = memoryview(sections[name]).nbytes
        toc.append((name, offset, size))
        offset += size + _padding(size)
    toc_bytes = marshal.dumps(tuple(toc))
    start = _HEADER.size + len(toc_bytes)
    lead = _padding(start)  # sections start aligned, from the start of the file
    digest = hashlib.sha256(struct.pack("<Q", len(toc_bytes) + lead) + toc_bytes + bytes(lead))
    for name in SECTIONS:
        section = sections[name]
        digest.update(section)
        digest.update(bytes(_padding(memoryview(section).nbytes)))
    header = _HEADER.pack(MAGIC, FORMAT, 0, bytes.fromhex(key), digest.digest(), len(toc_bytes) + lead)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(header + toc_bytes + bytes(lead))
            for name in SECTIONS:
                section = sections[name]
                out.write(section)
                out.write(bytes(_padding(memoryview(section).nbytes)))
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _padding(size: int) -> int:
    return -size % _ALIGN


def open_compiled(path: Path, key: str) -> Matcher:
    """The matcher compiled in the file `path` for `key`, its sections read in place from the
    mapped file. `Unusable` (saying why) when the file is missing, is not a compiled rules file
    of this format, fails its checksum, or was compiled for another key."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size < _HEADER.size:
                raise Unusable(f"{path}: too short to be a compiled rules file ({size} bytes)")
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise Unusable(f"{path}: not there", missing=True) from None
    except (OSError, ValueError) as exc:
        raise Unusable(f"{path}: cannot be read: {exc}") from exc
    return read_compiled(memoryview(mapped), key, str(path))


def read_compiled(image: memoryview, key: str, where: str = "compiled rules") -> Matcher:
    """The matcher in `image` (a whole compiled file) for `key`; `Unusable` as `open_compiled`."""
    try:
        magic, version, _, stored_key, checksum, toc_size = _HEADER.unpack_from(image)
    except struct.error:
        raise Unusable(f"{where}: too short to be a compiled rules file") from None
    if magic != MAGIC:
        raise Unusable(f"{where}: not a compiled rules file")
    if version != FORMAT:
        raise Unusable(f"{where}: format {version}, not {FORMAT}")
    if stored_key.hex() != key:
        raise Unusable(f"{where}: compiled for other rules (or other code)")
    if hashlib.sha256(image[_CHECKED:]).digest() != checksum:
        raise Unusable(f"{where}: corrupt (its checksum does not match)")
    base = _HEADER.size + toc_size
    try:
        toc = marshal.loads(image[_HEADER.size : base])
        sections = {name: image[base + offset : base + offset + length] for name, offset, length in toc}
        if any(len(sections.get(name, b"")) != length for name, _, length in toc):
            raise ValueError("a section runs past the end")
        return Matcher.from_sections(sections)
    except (ValueError, TypeError, KeyError, EOFError) as exc:  # a file this code did not write
        raise Unusable(f"{where}: corrupt ({exc})") from exc
