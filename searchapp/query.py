"""The query language, and its translation into a Whoosh query with name expansion.

Syntax (documented on the search page)::

    palmyra army        all words must match (BM25-ranked)
    "air strikes"       a phrase
    isis OR daesh       either
    -russia             must not match
    title:palmyra       a word in the title; also outlet:…, agency:…, entity:… (an id or a name)
    =Quaryatayn         this exact spelling only (the ``exact`` switch does it for the whole query)

Names: a word or phrase (or a run of up to three words) that names a known entity, or whose
retrieval keys match spellings in the index that pass ``spelling_match``, also matches every
spelling of it. A query that cannot be parsed (an unbalanced quote, a dangling OR, an unknown
field) is searched for its words, with a note saying what was ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from whoosh import query as wq

from searchapp.analysis import KEY_SEP, analyze
from searchapp.names import Entity, NameBook, name_keys, spelling_match

FIELDS = ("title", "outlet", "agency", "entity")
MAX_WORDS = 32
MAX_NGRAM = 3
#: Spellings tried per key, so a very common key cannot blow up a query.
MAX_SURFACES_PER_KEY = 200

_TOKEN = re.compile(r'\s*(-?)(=?)(?:([A-Za-z_]+):)?(?:"([^"]*)"|(\S+))')


@dataclass
class Atom:
    text: str
    phrase: bool = False
    field: str | None = None
    exact: bool = False


@dataclass
class Clause:
    """Atoms joined by OR; the clauses of a query are joined by AND."""

    atoms: list[Atom]
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause]
    notes: list[str] = field(default_factory=list)


def parse(text: str) -> ParsedQuery:
    """Parse the user's query; never raises.

    >>> [(c.negated, [(a.text, a.phrase, a.field) for a in c.atoms]) for c in parse('isis OR daesh -"air strikes" title:palmyra').clauses]
    [(False, [('isis', False, None), ('daesh', False, None)]), (True, [('air strikes', True, None)]), (False, [('palmyra', False, 'title')])]
    >>> parse('"unbalanced quote').notes
    ['an unbalanced quote (") was ignored']
    """  # noqa: E501
    notes: list[str] = []
    if text.count('"') % 2:
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
        notes.append('an unbalanced quote (") was ignored')
    for bracket in "()[]{}":
        if bracket in text:
            text = text.replace(bracket, " ")
            notes.append("brackets are not part of the query syntax and were ignored")
            break
    clauses: list[Clause] = []
    pending_or = False
    words = 0
    for match in _TOKEN.finditer(text):
        minus, equals, fname, quoted, bare = match.groups()
        if bare == "OR" and not (minus or equals or fname):
            if not clauses or clauses[-1].negated:
                notes.append("an OR without a word before it was ignored")
            else:
                pending_or = True
            continue
        value = quoted if quoted is not None else bare
        if fname and fname.lower() not in FIELDS:
            notes.append(f"unknown field {fname!r}: searched as words")
            value = f"{fname} {value}"
            fname = None
        value = value.strip()
        if not value or not re.search(r"\w", value):
            continue
        words += 1
        if words > MAX_WORDS:
            notes.append(f"only the first {MAX_WORDS} words were searched")
            break
        atom = Atom(
            value, phrase=quoted is not None, field=fname.lower() if fname else None, exact=bool(equals)
        )
        if pending_or and not minus:
            clauses[-1].atoms.append(atom)
        else:
            clauses.append(Clause([atom], negated=bool(minus)))
        pending_or = False
    if pending_or:
        notes.append("an OR without a word after it was ignored")
    return ParsedQuery(clauses, list(dict.fromkeys(notes)))


@dataclass
class Compiled:
    """A Whoosh query plus what the reader needs to see how names were matched."""

    query: wq.Query | None  # None: match everything
    text_terms: set[str] = field(default_factory=set)  # analysed terms, for highlighting
    entities: set[str] = field(default_factory=set)  # entity ids the query names
    surfaces: set[str] = field(default_factory=set)  # spellings matched through keys
    filters: dict[str, set[str]] = field(default_factory=dict)  # outlet:/agency: values
    notes: list[str] = field(default_factory=list)


class Compiler:
    """Turns a ParsedQuery into a Whoosh query against one open index generation."""

    def __init__(self, reader: object, book: NameBook, exact: bool = False, lexicon: Any = None) -> None:
        self.reader = reader
        self.book = book
        self.exact = exact
        #: Prefix expansion over the segments' term files (``Evaluator.expand_prefix``), much
        #: faster than the reader's; None: the reader's.
        self.lexicon = lexicon
        self.out = Compiled(None)
        self._surface_cache: dict[str, list[str]] = {}

    def compile(self, parsed: ParsedQuery) -> Compiled:
        self.out.notes = list(parsed.notes)
        must: list[wq.Query] = []
        must_not: list[wq.Query] = []
        positive = [c for c in parsed.clauses if not c.negated]
        for group in self._group_names(positive):
            q = self._clause(group)
            if q is not None:
                must.append(q)
        for clause in parsed.clauses:
            if clause.negated:
                q = self._clause([clause], collect=False)
                if q is not None:
                    must_not.append(q)
        if not must and not must_not:
            self.out.query = None
            return self.out
        base: wq.Query = wq.And(must) if len(must) > 1 else (must[0] if must else wq.Every())
        if must_not:
            base = wq.AndNot(base, wq.Or(must_not))
        self.out.query = base
        return self.out

    # --- clause building -------------------------------------------------------------------------

    def _group_names(self, clauses: list[Clause]) -> list[list[Clause]]:
        """Merge runs of plain single-word clauses that together spell a name ("Deir Ezzor")."""
        groups: list[list[Clause]] = []
        i = 0
        while i < len(clauses):
            merged = False
            if self._plain(clauses[i]) and not self.exact:
                for n in range(min(MAX_NGRAM, len(clauses) - i), 1, -1):
                    run = clauses[i : i + n]
                    if all(self._plain(c) for c in run):
                        text = " ".join(c.atoms[0].text for c in run)
                        if self._names_hit(text):
                            groups.append(run)
                            i += n
                            merged = True
                            break
            if not merged:
                groups.append([clauses[i]])
                i += 1
        return groups

    @staticmethod
    def _plain(clause: Clause) -> bool:
        a = clause.atoms[0]
        return len(clause.atoms) == 1 and not a.phrase and a.field is None and not a.exact

    def _names_hit(self, text: str) -> bool:
        return bool(self.book.lookup(text)) or bool(self._matching_surfaces(text))

    def _clause(self, group: list[Clause], collect: bool = True) -> wq.Query | None:
        if len(group) > 1:  # a multi-word name written without quotes
            atom = Atom(" ".join(c.atoms[0].text for c in group), phrase=True)
            return self._atom(atom, collect)
        parts = [q for a in group[0].atoms if (q := self._atom(a, collect)) is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _atom(self, atom: Atom, collect: bool) -> wq.Query | None:
        if atom.field in ("outlet", "agency"):
            values = self._exact_values(atom.field, atom.text)
            if collect:
                self.out.filters.setdefault(atom.field, set()).update(values)
            if not values:
                return wq.NullQuery
            return wq.Or([wq.Term(atom.field, v) for v in values])
        if atom.field == "entity":
            ids = self._entity_ids(atom.text)
            if collect:
                self.out.entities.update(ids)
            return wq.Or([wq.Term("entity", i) for i in ids]) if ids else wq.NullQuery
        fields = ("title",) if atom.field == "title" else ("title", "body")
        terms = analyze(atom.text)
        if collect:
            self.out.text_terms.update(terms)
        options: list[wq.Query] = []
        if terms:
            per_field = []
            for f in fields:
                if len(terms) == 1:
                    per_field.append(wq.Term(f, terms[0]))
                elif atom.phrase:
                    per_field.append(wq.Phrase(f, terms))
                else:
                    per_field.append(wq.And([wq.Term(f, t) for t in terms]))
            options.append(wq.Or(per_field) if len(per_field) > 1 else per_field[0])
        if not (atom.exact or self.exact or atom.field == "title"):
            options.extend(self._name_terms(atom.text, collect))
        if not options:
            return None
        return options[0] if len(options) == 1 else wq.Or(options)

    # --- names ------------------------------------------------------------------------------------

    def _name_terms(self, text: str, collect: bool) -> list[wq.Query]:
        found: list[wq.Query] = []
        entities = [e for e in self.book.lookup(text) if self._has_term("entity", e.id)]
        for e in entities:
            found.append(wq.Term("entity", e.id))
        surfaces = self._matching_surfaces(text)
        for term in surfaces:
            found.append(wq.Term("surfaces", term))
        if collect:
            self.out.entities.update(e.id for e in entities)
            self.out.surfaces.update(t.split(KEY_SEP, 1)[1] for t in surfaces)
        return found

    def _matching_surfaces(self, text: str) -> list[str]:
        """One ``surfaces`` term for each spelling that shares a key with ``text`` and passes
        spelling_match.

        A spelling is indexed under every one of its keys, each term with the same postings, so a
        spelling found again under another key adds nothing but work: at a million articles a
        four-word name found 117 terms for 13 spellings, each term looked up in every segment."""
        if text in self._surface_cache:
            return self._surface_cache[text]
        hits: list[str] = []
        seen: set[str] = set()
        as_spelt = self.book.only_as_spelt(text)
        for key in sorted(name_keys(text)):
            prefix = key + KEY_SEP
            for term in self._expand("surfaces", prefix, MAX_SURFACES_PER_KEY):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                surface = term[len(prefix) :]
                if surface not in seen:
                    seen.add(surface)
                    if surface.casefold() == text.casefold() if as_spelt else spelling_match(text, surface):
                        hits.append(term)
        self._surface_cache[text] = hits
        return hits

    def _expand(self, fieldname: str, prefix: str, limit: int) -> list[Any]:
        """The first ``limit`` terms of the field that start with ``prefix``, in order."""
        if self.lexicon is not None:
            found = self.lexicon.expand_prefix(fieldname, prefix, limit)
            if found is not None:
                return found
        return list(islice(self.reader.expand_prefix(fieldname, prefix), limit))

    def _has_term(self, fieldname: str, text: str) -> bool:
        return bool(self.reader.doc_frequency(fieldname, text))

    def _exact_values(self, fieldname: str, text: str) -> list[str]:
        wanted = text.casefold()
        values = []
        for term in self.reader.lexicon(fieldname):
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            if value.casefold() == wanted:
                values.append(value)
        return values

    def _entity_ids(self, text: str) -> list[str]:
        if self._has_term("entity", text):
            return [text]
        entities: list[Entity] = self.book.lookup(text)
        ids = [e.id for e in entities if self._has_term("entity", e.id)]
        return ids or [text]
