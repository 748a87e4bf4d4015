"""Aliases: a word or phrase stands for itself and its variants, wherever it appears in a query.

    aliases:
      Peskov: [Peskow, "Песков*"]
      Kremlin spokesman: [Peskov, "Kremlin spokesperson"]

`Kremlin spokesman` then also matches Peskov, Peskow, Песков... and "Kremlin spokesperson":
expansion is transitive, inside phrases too ("Dmitry Peskov" covers "Dmitry Peskow"). A variant
that names its own key is fine; a cycle between keys (A -> B -> A) is an error, and so is a key
with no letters or a variant that is not a word, phrase, prefix or =exact word. Problems are
collected (`problems`), never raised mid-parse: a bad variant or a cycle leaves the key matching
only itself, and the loader refuses the whole file anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .leaves import LeafError, variant_slots
from .nodes import Leaf, Node, Term
from .people import People, Person
from .text import tokenize

__all__ = ["MAX_FORMS", "AliasProblem", "AliasTable"]

MAX_FORMS = 256  # expansions of one key (or one phrase) before we call it a mistake

Key = tuple[str, ...]
Seq = tuple[Leaf, ...]


@dataclass(frozen=True, slots=True)
class AliasProblem:
    """One bad alias: `key` as written in the file and what is wrong with it."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"alias {self.key!r}: {self.message}"


class AliasTable:
    """Aliases by folded key; `extended` layers a rule's own aliases over the shared ones."""

    def __init__(
        self,
        aliases: Mapping[str, Sequence[str]] | None = None,
        parent: AliasTable | None = None,
        people: People | None = None,
    ) -> None:
        self._parent = parent
        # The people a query names as @id: id -> their names and roles (see `person`); a plain
        # list is names that count everywhere.
        self._people: dict[str, Person] = (
            parent._people
            if parent is not None
            else {
                k: v if isinstance(v, Person) else Person(names=tuple(v)) for k, v in (people or {}).items()
            }
        )
        self._person_forms: dict[tuple[str, bool], list[Seq]] = (
            parent._person_forms if parent is not None else {}
        )
        # Each conditional person's condition as a tree (parser.person_condition fills it).
        self.conditions: dict[str, Node] = parent.conditions if parent is not None else {}
        self._own: dict[Key, list[str]] = {}
        self._written: dict[Key, str] = {}
        self._bad: list[AliasProblem] = []
        self._memo: dict[Key, frozenset[Seq]] = {}
        self._problems: dict[tuple[str, str], AliasProblem] = {}
        self._lengths: set[int] = set(parent._lengths) if parent else set()
        self.firsts: set[str] = set(parent.firsts) if parent else set()  # first words of keys (read-only)
        for key, variants in (aliases or {}).items():
            folded = tuple(t.folded for t in tokenize(key))
            if not folded or "*" in key or key.lstrip().startswith("="):
                self._bad.append(AliasProblem(key, "a key must be a plain word or phrase"))
                continue
            merged = self._own.setdefault(folded, [])
            merged.extend(v for v in variants if v not in merged)
            self._written.setdefault(folded, key)
            self._lengths.add(len(folded))
            self.firsts.add(folded[0])

    def extended(self, aliases: Mapping[str, Sequence[str]] | None) -> AliasTable:
        """A table with `aliases` on top of this one (variants of the same key are merged)."""
        return AliasTable(aliases, parent=self) if aliases else self

    def __bool__(self) -> bool:
        return bool(self._own) or bool(self._parent) or bool(self._people)

    @property
    def people(self) -> list[str]:
        """The ids a query may name as @id."""
        return sorted(self._people)

    @property
    def shared(self) -> AliasTable:
        """The shared table under any rule's own: what a person means in every rule."""
        root = self
        while root._parent is not None:
            root = root._parent
        return root

    def person_spec(self, person_id: str) -> Person | None:
        return self._people.get(person_id)

    def person(self, person_id: str, names: bool = True) -> list[Seq] | None:
        """Every form of `@person_id`: each of its names (unless not `names`) and roles, expanded
        by the aliases (the shared ones: a person means the same in every rule); None when there
        is no such person."""
        spec = self._people.get(person_id)
        if spec is None:
            return None
        variants = spec.variants if names else spec.roles
        found = self._person_forms.get((person_id, names))
        if found is None:
            root = self.shared
            forms: dict[Seq, None] = {}
            for variant in variants:
                try:
                    for form in root.expand(variant_slots(variant)):
                        forms.setdefault(form)
                except LeafError:
                    continue  # reported by person_problems
            found = self._person_forms[(person_id, names)] = list(forms)[:MAX_FORMS]
        return found

    def person_problems(self) -> list[AliasProblem]:
        """A name or role that is not a word, phrase, prefix or =exact word; too many forms."""
        out = []
        for person_id, spec in self._people.items():
            for variant in spec.variants:
                try:
                    variant_slots(variant)
                except LeafError as exc:
                    out.append(AliasProblem(f"@{person_id}", str(exc)))
            forms = self.person(person_id) or []
            if len(forms) >= MAX_FORMS:
                out.append(
                    AliasProblem(f"@{person_id}", f"expands to more than {MAX_FORMS} forms; split it up")
                )
        return out

    def _variants(self, key: Key) -> list[str] | None:
        inherited = self._parent._variants(key) if self._parent else None
        own = self._own.get(key)
        if own is None:
            return inherited
        return own if inherited is None else [*inherited, *(v for v in own if v not in inherited)]

    def _name(self, key: Key) -> str:
        if key in self._written:
            return self._written[key]
        return self._parent._name(key) if self._parent else " ".join(key)

    def problems(self) -> list[AliasProblem]:
        """What is wrong with this table's own keys (the shared table reports its own)."""
        for key in self._own:
            self._expansions(key, ())
        own = {self._written[k] for k in self._own}
        return [*self._bad, *(p for p in self._problems.values() if p.key in own)]

    def _problem(self, key: Key, message: str) -> None:
        name = self._name(key)
        self._problems.setdefault((name, message), AliasProblem(name, message))

    def _expansions(self, key: Key, stack: tuple[Key, ...]) -> frozenset[Seq]:
        """Every form `key` stands for: itself and its variants, expanded in turn."""
        if key in self._memo:
            return self._memo[key]
        base: Seq = tuple(Term(w) for w in key)
        forms: set[Seq] = {base}
        for variant in self._variants(key) or ():
            try:
                slots = variant_slots(variant)
            except LeafError as exc:
                self._problem(key, f"variant {variant!r}: {exc}")
                continue
            forms |= self._expand(slots, (*stack, key))
        if len(forms) > MAX_FORMS:
            self._problem(key, f"expands to more than {MAX_FORMS} forms; split it up")
            forms = {base}
        result = self._memo[key] = frozenset(forms)
        return result

    def _expand(self, seq: Seq, stack: tuple[Key, ...]) -> set[Seq]:
        """Every form of a sequence of leaves, each aliased run of terms replaced by its forms."""
        n = len(seq)
        tails: list[set[Seq]] = [set() for _ in range(n)] + [{()}]
        for i in range(n - 1, -1, -1):
            tails[i] = {(seq[i], *rest) for rest in tails[i + 1]}
            for size in self._lengths:
                run = seq[i : i + size]
                if len(run) < size or not all(isinstance(s, Term) for s in run):
                    continue
                key = tuple(s.word for s in run if isinstance(s, Term))
                if self._variants(key) is None or (stack and key == stack[-1]):
                    continue  # not a key, or a variant naming its own key
                if key in stack:
                    path = [*stack[stack.index(key) :], key]
                    self._problem(key, "alias cycle: " + " -> ".join(self._name(k) for k in path))
                    continue
                forms = self._expansions(key, stack)
                tails[i] |= {(*form, *rest) for form in forms for rest in tails[i + size]}
            if len(tails[i]) > MAX_FORMS:
                if not stack:
                    raise LeafError(f"its aliases expand it to more than {MAX_FORMS} forms")
                self._problem(stack[0], f"expands to more than {MAX_FORMS} forms; split it up")
                tails[i] = {(seq[i], *rest) for rest in list(tails[i + 1])[:MAX_FORMS]}
        return tails[0]

    def expand(self, seq: Seq) -> list[Seq]:
        """The forms of a query word or phrase, the original first, then in a stable order."""
        firsts = self.firsts
        if len(seq) == 1:  # the common case: one word
            if type(seq[0]) is not Term or seq[0].word not in firsts:
                return [seq]
        elif not any(isinstance(s, Term) and s.word in firsts for s in seq):
            return [seq]  # no key starts anywhere in it
        forms = self._expand(seq, ())
        forms.discard(seq)
        return [seq, *sorted(forms, key=repr)]
