"""Spelling-tolerant keys for Arabic-world names written in Latin or Arabic script.

Two layers:

* :func:`name_keys` -- a *candidate generator*: a small set of consonant skeletons. Two spellings of one
  name share at least one key with high probability ("Al-Qaryatain", "Quaryatayn", "Karyatein" and
  "القريتين" all give ``KRTN``). Keys are deliberately coarse, so unrelated names can collide.
* :func:`spelling_match` -- the *precision gate*: compares vowel-aware canonical forms ("KARIATIN") with a
  small weighted edit distance, so "Homs"/"Hama", "missile"/"Mosul" are told apart while "Raqqa"/"Rakka",
  "Deir Ezzor"/"Deir al-Zor", "Hama"/"Hamah" match.

Folding rules (in order): Arabic script is transliterated with an own table (unidecode is used for other
scripts and diacritics); apostrophes, ʿ and ʾ vanish; hyphens and spaces separate words; the article
(al-, el-, and assimilated ad-, ar-, as-, ash-, at-, az-, an-, ez-, es-, ...) is dropped when it stands
before another word, or when it is glued and assimilated ("Ezzor") after the first word; "abdel/abdul" ->
"abd"; consonants fold into classes (q/k/g/c/ck/gh/qu -> K, j/dj/dzh/zh -> J, sh/sch -> X, kh -> Q, h -> H,
ch -> C (read as sh or kh), th -> T, dh -> D, ph -> F, v -> w, x -> KS, tz -> Z, mb -> NB); doubled letters
collapse; vowels and diphthongs fold into four classes (A: a/aa, E: e, I: i/ee/ie/y/ai/ay/ei/ey,
U: u/o/ou/oo/aw/aou/au/ow/w), semivowels inside a word count as vowels; a final feminine ending (-a, -ah, -eh)
becomes A, a final -e after a consonant is read both as French mute e and as A, a final -ie/-iye as IA;
administrative words (madinat, qada, mahattat, ...) are optional. Keys also read j as g (Egyptian jim).
Names of 3+ consonants get a second key with confusable classes merged (s/sh, d/z/t, m/n after a vowel:
Abu Dhabi ~ Abu Zabi, Dammam ~ Damman), names of 5+ consonants keys with one consonant left out or masked
(Bur Sudan ~ Port Sudan); pairs found only through those keys must stay closer (see ``_pair_threshold``).
The distance's costs were set on the dev half of ``bench/names_eval.py`` (see ``_vowel_costs``).
:func:`spelling_match` also reads the two spellings for what the folding drops and adds a cost where they
spell different letters or words: q against k, gh against q or k, an initial ʿayn dropped, a jim against
q/gh, a first-syllable diphthong ay against o/u, a hamza/ʿayn between vowels against a diphthong ay, a final
ʿayn against a final h or ā, the nisba -iya or -i against the feminine -a, a marked long vowel (ā ī ū, â î û)
dropped or changed, an initial open syllable dropped, a consonant y dropped; it pairs a stem whose -at was
dropped only with a form ending in a vowel (Nusayrat ~ Nuseira, not Hammamat ~ Hammam); and it lets a
2-consonant name's one stem vowel change when every written letter agrees (Rimah ~ Rumah).

>>> sorted(name_keys("Al-Qaryatain"))
['KRDN', 'KRTN']
>>> bool(name_keys("Al-Qaryatain") & name_keys("Quaryatayn") & name_keys("القريتين"))
True
>>> spelling_match("Deir Ezzor", "Deir al-Zor"), spelling_match("Raqqa", "Rakka")
(True, True)
>>> spelling_match("Homs", "Hama"), spelling_match("missile", "Mosul"), spelling_match("Palmyra", "Tadmur")
(False, False, False)
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from functools import lru_cache

from unidecode import unidecode

__all__ = ["translit", "canonical_forms", "name_keys", "skeleton_keys", "spelling_match", "spelling_distance"]

# --------------------------------------------------------------------------------------------------------
# Arabic script -> Latin
# --------------------------------------------------------------------------------------------------------
_AR_CONS = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z",
    "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "gh", "ف": "f", "ق": "q", "ك": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k",
    "ڤ": "v", "ھ": "h", "ۀ": "a", "ە": "a",
}  # fmt: skip
_AR_ALEF = {"ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ى": "a"}
_AR_SILENT = {"ء", "ؤ", "ئ", "ع", "ـ", "ّ", "ْ", "ً", "ٌ", "ٍ", "ٰ"}
_AR_HARAKAT = {"َ": "a", "ِ": "i", "ُ": "u"}
_AR_WAW = {"و": ("w", "u"), "ي": ("y", "i"), "ی": ("y", "i"), "ې": ("y", "e"), "ۇ": ("w", "u")}


def _is_arabic_char(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufdff"


def _translit_arabic_word(word: str) -> str:
    out: list[str] = []
    if word.startswith("ال") and len(word) > 3:
        out.append("al ")
        word = word[2:]
    prev_vowel = True  # start of word behaves like "after a vowel": initial waw/ya are consonants
    for i, ch in enumerate(word):
        if ch in _AR_CONS:
            out.append(_AR_CONS[ch])
            prev_vowel = ch in "ةۀە"
        elif ch in _AR_ALEF:
            out.append(_AR_ALEF[ch])
            prev_vowel = True
        elif ch in _AR_WAW:
            cons, vow = _AR_WAW[ch]
            nxt = word[i + 1] if i + 1 < len(word) else ""
            if prev_vowel or nxt in _AR_ALEF or nxt in _AR_HARAKAT:
                out.append(cons)
                prev_vowel = False
            else:
                out.append(vow)
                prev_vowel = True
        elif ch in _AR_HARAKAT:
            out.append(_AR_HARAKAT[ch])
            prev_vowel = True
        elif ch in _AR_SILENT:
            continue
        else:
            out.append(" ")
            prev_vowel = True
    return "".join(out)


@lru_cache(maxsize=65536)
def translit(text: str) -> str:
    """Return a lowercase ASCII transliteration of *text* (Arabic script by an own table, else unidecode).

    >>> translit("القريتين")
    'al qritin'
    >>> translit("Ḩimş"), translit("Dayr az Zūr")
    ('hims', 'dayr az zur')
    """
    if text.isascii():
        return text.lower()
    parts: list[str] = []
    for chunk in re.split(r"(\s+)", text):
        if any(_is_arabic_char(c) for c in chunk):
            parts.append(_translit_arabic_word(chunk))
        else:
            # drop ʿ/ʾ-like modifier letters before unidecode turns them into quotes
            chunk = "".join(c for c in chunk if unicodedata.category(c) != "Lm")
            parts.append(unidecode(chunk))
    return "".join(parts).lower()


# --------------------------------------------------------------------------------------------------------
# canonical vowel-aware forms
# --------------------------------------------------------------------------------------------------------
_ARTICLES = frozenset(
    (
        "al el il ul ol l le ad ed ar er as es ash esh at et az ez an en ath adh ud ut us ur uz ush "
        "ehl ehr ehs ehsh ehz ehn eht ehd ej la"
    ).split()
)
_WORD_FIX = {"abdel": "abd", "abdul": "abd", "abdal": "abd", "abdol": "abd", "abdil": "abd", "abou": "abu",
             "abo": "abu", "ibn": "bin", "ben": "bin", "bn": "bin"}  # fmt: skip

# administrative words that names carry or drop (city of, district of, station of)
_GENERIC = frozenset("madinat madinet mahattat mahattet qada qadaa markaz mintaqat muhafazat nahiyat".split())

# consonant digraphs / trigraphs first, then single letters
_CONS_MULTI = [
    ("dzh", "J"), ("sch", "X"), ("tch", "X"), ("sh", "X"), ("ch", "C"), ("kh", "Q"), ("gh", "K"), ("th", "T"),
    ("dh", "D"), ("dj", "J"), ("zh", "J"), ("ph", "F"), ("ck", "K"), ("qu", "K"), ("x", "KS"), ("tz", "Z"),
    ("mb", "NB"),
]  # fmt: skip
_CONS_SINGLE = {
    "b": "B", "p": "B", "t": "T", "d": "D", "s": "S", "z": "Z", "k": "K", "q": "K", "g": "K", "c": "K",
    "j": "J", "h": "H", "f": "F", "l": "L", "m": "M", "n": "N", "r": "R",
}  # fmt: skip
_VOWEL_MULTI = [
    ("aa", "A"), ("ai", "I"), ("ay", "I"), ("ei", "I"), ("ey", "I"), ("ee", "I"), ("ie", "I"), ("ii", "I"),
    ("iy", "I"), ("ou", "U"), ("oo", "U"), ("uu", "U"), ("aw", "U"), ("au", "U"), ("ow", "U"), ("uw", "U"),
]  # fmt: skip
_VOWEL_SINGLE = {"a": "A", "e": "E", "i": "I", "y": "I", "o": "U", "u": "U", "w": "U"}
_VOWEL_LETTERS = frozenset("aeiouyw")
VOWEL_CLASSES = frozenset("AEIU")
_VOWEL_SET = "AEIU"
# Vowel costs by where the vowel stands (see _vowel_costs). Measured on the dev half of bench/names_eval.py:
# how often each kind of vowel change separates two spellings of one place vs names of two places.
# before the first consonant: alef/ʿayn + an unwritten vowel (ʿInak ~ Anak, Idri ~ Adri, Addali ~ Ad Dali)
INITIAL_VOWEL_SUB = 0.1
INITIAL_VOWEL_INDEL = 0.1
FIRST_VOWEL_SUB = 0.4  # first-syllable short vowels, before the second consonant
LATER_VOWEL_INDEL = 0.5
VOWEL_SUB = 0.75  # a/i/u after the first syllable: often long vowels, a change makes another name
LATER_AU_SUB = 0.5  # ... but a long a is said and written o in Persian, Tajik, Kurdish (Salalah ~ Salola)
FINAL_VOWEL_SUB = 0.5  # after the last consonant: case and feminine endings vary (Tunisi ~ Tunisa)
FINAL_A_INDEL = 0.35  # a feminine ending -a written or not
E_INDEL = 0.05  # a lone e is mostly a French mute or helping vowel (Kafer ~ Kafr)
E_SUB = 0.25  # e stands for a or i in French and Levantine spellings (fatha, imala, kasra), never for a
# damma or waw, which they write o, ou or u: e against o/u is a vowel change like any other (Beda / Bouda)


def _fold_vowel_run(run: str) -> str:
    """Fold a run of vowel letters to vowel classes.

    French writes waw ou, so its aou is the aw of English spellings, one diphthong, not a + u: Saouda ~
    Sawda, Essaouira ~ As Sawirah (the greedy digraphs would read a, ou).

    >>> _fold_vowel_run("aou"), _fold_vowel_run("aw"), _fold_vowel_run("aoui"), _fold_vowel_run("awi")
    ('U', 'U', 'UI', 'UI')
    """
    run = run.replace("aou", "aw")
    out: list[str] = []
    i = 0
    while i < len(run):
        two = run[i : i + 2]
        for dg, cls in _VOWEL_MULTI:
            if two == dg:
                out.append(cls)
                i += 2
                break
        else:
            out.append(_VOWEL_SINGLE[run[i]])
            i += 1
    # collapse repeats
    res = [c for j, c in enumerate(out) if j == 0 or c != out[j - 1]]
    return "".join(res)


@lru_cache(maxsize=262144)
def _fold_word(w: str) -> str:
    """Fold one lowercase ASCII word to class symbols (consonants upper-case letters, vowels A/E/I/U).

    Cached per word: the spans of a capitalised run ("Felt Al Awaynat", "Al Awaynat") share words."""
    out: list[str] = []
    i, n = 0, len(w)
    while i < n:
        ch = w[i]
        if ch in _VOWEL_LETTERS:
            # initial y/w/ou + vowel are consonants
            if i == 0 and ch in "yw" and n > 1 and w[1] in "aeiou":
                out.append("Y" if ch == "y" else "W")
                i += 1
                continue
            if i == 0 and w.startswith("ou") and n > 2 and w[2] in "aeio":
                out.append("W")
                i += 2
                continue
            # Italian and Spanish spellings write an initial waw u (Uadi, Uarzazat, Bani Ualid)
            if i == 0 and ch == "u" and n > 2 and w[1] in "aei":
                out.append("W")
                i += 1
                continue
            j = i
            while j < n and w[j] in _VOWEL_LETTERS:
                j += 1
            run = w[i:j]
            # French/Levantine final -ie/-iye is the -iyya ending (Jounie ~ Juniyah)
            out.append("IA" if j == n and i > 0 and run in ("ie", "iye", "ye") else _fold_vowel_run(run))
            i = j
            continue
        for dg, cls in _CONS_MULTI:
            if w.startswith(dg, i):
                # "qu" + vowel -> K, but keep the u of "qu" before a consonant (Quraytayn)
                if dg == "qu" and not (i + 2 < n and w[i + 2] in "aeiy"):
                    continue
                out.append(cls)
                i += len(dg)
                break
        else:
            out.append(_CONS_SINGLE.get(ch, ""))
            i += 1
    s = "".join(out)
    # doubled consonant classes collapse
    return re.sub(r"([BCDFHJKLMNQRSTWXYZ])\1+", r"\1", s)


def _feminine_variants(s: str) -> tuple[str, ...]:
    """Normalise a final feminine ending: -a/-ah/-eh -> A, -ih -> I; a final -e after a consonant is either a
    French mute e (Qanaouate) or the Levantine -e of ta marbuta (Zahle), so it yields both readings."""
    if len(s) > 2 and s[-1] == "H" and s[-2] in "AEIU":
        s = s[:-1]
        if s[-1] == "E":
            return (s[:-1] + "A",)
    if len(s) > 2 and s[-1] == "E" and s[-2] not in VOWEL_CLASSES:
        return (s[:-1], s[:-1] + "A")
    return (s,)


_SPLIT = re.compile(r"[^a-z]+")


def _words(ascii_lower: str) -> list[str]:
    # apostrophes vanish inside words (A'zaz -> Azaz), everything else separates words
    t = ascii_lower.replace("'", "").replace("`", "").replace("\u2019", "").replace("v", "w")
    return [w for w in _SPLIT.split(t) if w]


@lru_cache(maxsize=262144)
def canonical_forms(name: str) -> tuple[str, ...]:
    """Vowel-aware canonical forms of *name* (the first is the main form; variants follow).

    >>> canonical_forms("Al-Qaryatain"), canonical_forms("Kariatein"), canonical_forms("Quaryatayn")
    (('KARIATIN',), ('KARIATIN',), ('KARIATIN',))
    >>> [canonical_forms(n)[0] for n in ("Deir ez-Zor", "Deir Ezzor", "Dayr az Zawr")]
    ['DIRZUR', 'DIRZUR', 'DIRZUR']
    >>> canonical_forms("Hamah") == canonical_forms("Hama")
    True
    """
    return _forms(name)[0]


@lru_cache(maxsize=262144)
def _forms(name: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The canonical forms of *name*, and those of them made by dropping an "-at" ending.

    >>> _forms("Nusayrat")
    (('NUSIRAT', 'NUSIR'), frozenset({'NUSIR'}))
    """
    words = _words(translit(name))
    if not words:
        return (), frozenset()
    alts: list[tuple[str, ...]] = []
    for idx, w in enumerate(words):
        w = _WORD_FIX.get(w, w)
        if w in _ARTICLES and idx + 1 < len(words):
            continue
        if w in _GENERIC and idx + 1 < len(words):
            alts.append((w, ""))  # "Madinat al-Ashir min Ramadan" ~ "Al-Ashir min Ramadan"
            continue
        alt = _glued_article_stem(w, first=not any(alts))
        alts.append((alt, w) if alt else (w,))
    forms: list[str] = []
    for combo in itertools.islice(itertools.product(*alts), 4):
        for f in _feminine_variants("".join(_fold_word(w) for w in combo)):
            if f and f not in forms:
                forms.append(f)
    # construct-state / feminine "-at" ending as a variant (Nusayrat ~ Nuseira); spelling_match pairs such a
    # stem only with a form that ends in a vowel, the -a the -at stands for (see spelling_match)
    stems: list[str] = []
    for f in list(forms):
        if len(f) > 4 and f[-1] == "T" and f[-2] in "AE":
            g = f[:-2]
            if g not in forms:
                forms.append(g)
                stems.append(g)
    return tuple(forms), frozenset(stems)


def _glued_article_stem(w: str, first: bool) -> str:
    """Stem of a word with a glued article ("Ezzor" -> "zor", "Alqaryatayn" -> "qaryatayn"), else ""."""
    if len(w) >= 5 and w[0] in "aeiu" and w[1] == w[2] and w[1] in "tdszrnl" and not first:
        return w[2:]
    if w.startswith(("al", "el")) and len(w) >= (7 if first else 5) and w[2] not in "aeiouy":
        return w[2:]
    return ""


_DOUBLED = re.compile(r"(.)\1+")


def _undouble(s: str) -> str:
    return _DOUBLED.sub(r"\1", s) if len(s) > 1 else s


def _skeleton(form: str) -> str:
    s = "".join(c for c in form if c not in VOWEL_CLASSES)
    return _undouble(s)


@lru_cache(maxsize=262144)
def _skeletons(form: str) -> frozenset[str]:
    """Skeleton keys of a form; the ambiguous "ch" class C yields its sh (X) and kh (H) readings.
    (Cached: spelling_match asks for a gazetteer name's skeletons again with every text spelling.)"""
    sk = _skeleton(form)
    out = {sk} if "C" not in sk else {_undouble(sk.replace("C", r)) for r in "XQ"}
    if "J" in sk:  # jim is g in Egypt and Sudan (Dilingat ~ Dilinjat)
        out |= {_undouble(k.replace("J", "K")) for k in out}
    return frozenset(out)


# consonant classes that romanisations of Arabic confuse: s/sh (Turkish and BGN ş, French ch), dh/ḍ/ẓ as d
# or z (Abu Dhabi ~ Abu Zabi), t/d (Turkish and German final devoicing: Bagdat ~ Bagdad), m/n after a vowel
# (Dammam ~ Damman). Not kh/k: khā' and kāf are kept apart by every convention (Sukhnah / Suknah).
_CONFUSABLE = str.maketrans({"X": "S", "C": "S", "Z": "D", "T": "D", "M": "N"})
_CONFUSABLE_INITIAL = str.maketrans({"X": "S", "C": "S", "Z": "D", "T": "D"})
CONFUSABLE_SUB = 0.5
CONFUSABLE_LIMIT = 1.25
CONFUSABLE_MIN_CONSONANTS = 3  # a confused consonant in a shorter name makes another name (Sam / Sham)


def _coarse(skeleton: str) -> str:
    """The skeleton with confusable consonant classes merged: the retrieval key of one-letter confusions.

    >>> _coarse("DMM"), _coarse("XRJ"), _coarse("BKDT"), _coarse("MJD")
    ('DN', 'SRJ', 'BKD', 'MJD')
    """
    # an initial m or n stays (Majd / Najd): the blur is a syllable-final one
    merged = skeleton[:1].translate(_CONFUSABLE_INITIAL) + skeleton[1:].translate(_CONFUSABLE)
    return _undouble(merged)


@lru_cache(maxsize=65536)
def _coarse_keys(form: str) -> frozenset[str]:
    if _ncons(form) < CONFUSABLE_MIN_CONSONANTS:
        return frozenset()
    return frozenset(_coarse(k) for k in _skeletons(form))


# long names (5+ consonants) whose spellings gain, lose or change one consonant: Bur Sudan ~ Port Sudan,
# Mahres ~ Manhares, Biskra ~ Briskra, Baalbek ~ Baglabek
ONE_OFF_MIN = 5
ONE_OFF_LIMIT = 1.75


@lru_cache(maxsize=65536)
def _one_off_keys(form: str) -> frozenset[str]:
    """Skeletons of a long form with one consonant left out or masked ("*"), never the first (Zramedine is
    not Ramadin). Two skeletons one consonant apart share one of these keys, or one is the other's key.

    >>> sorted(_one_off_keys("BURSUDAN")), _one_off_keys("HUMS")
    (['B*SDN', 'BR*DN', 'BRDN', 'BRS*N', 'BRSD', 'BRSD*', 'BRSN', 'BSDN'], frozenset())
    """
    out: set[str] = set()
    for sk in _skeletons(form):
        if len(sk) >= ONE_OFF_MIN:
            for i in range(1, len(sk)):
                out.add(_undouble(sk[:i] + sk[i + 1 :]))
                out.add(sk[:i] + "*" + sk[i + 1 :])
    return frozenset(out)


def _ncons(form: str) -> int:
    # four C-level counts: this runs several times for every pair spelling_match compares
    return len(form) - form.count("A") - form.count("E") - form.count("I") - form.count("U")


@lru_cache(maxsize=262144)
def skeleton_keys(name: str) -> frozenset[str]:
    """The first tier of :func:`name_keys` only: consonant skeletons, without the confusable and one-off
    keys. For lookups that run on every capitalised word (the gazetteer), where the wider tiers would
    triple the candidates to confirm; query-time name expansion uses all keys.

    >>> sorted(skeleton_keys("Homs")), sorted(name_keys("Homs"))
    (['HMS'], ['HMS', 'HNS'])
    """
    keys: set[str] = set()
    for f in canonical_forms(name):
        keys |= _skeletons(f)
    keys.discard("")
    return frozenset(keys)


@lru_cache(maxsize=262144)
def name_keys(name: str) -> frozenset[str]:
    """High-recall candidate keys (consonant skeletons) of a name; empty for names with no letters.

    >>> sorted(name_keys("Deir al-Zor")), sorted(name_keys("Hama")), sorted(name_keys("Homs"))
    (['DRDR', 'DRZR'], ['HM'], ['HMS', 'HNS'])
    >>> name_keys("Al Qaryatayn") == name_keys("Karyatein") == name_keys("القريتين")
    True
    >>> name_keys("...")
    frozenset()
    """
    keys: set[str] = set()
    for f in canonical_forms(name):
        keys |= _skeletons(f)
        keys |= _coarse_keys(f)
        keys |= _one_off_keys(f)
    keys.discard("")
    return frozenset(keys)


# --------------------------------------------------------------------------------------------------------
# vowel-aware distance
# --------------------------------------------------------------------------------------------------------
_VOWEL_VOWEL = -1.0  # marks a change of a/i/u: its cost depends on where the vowels stand
_A_U = -2.0  # the same for a against o/u, capped at LATER_AU_SUB


def _sub_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    va, vb = a in VOWEL_CLASSES, b in VOWEL_CLASSES
    if va and vb:
        if "E" in (a, b) and "U" not in (a, b):
            return E_SUB
        return _A_U if a + b in ("AU", "UA") else _VOWEL_VOWEL
    if va or vb:
        return 1.5
    if "C" in (a, b) and (a in "XQ" or b in "XQ"):
        return 0.1
    if a + b in ("JK", "KJ"):
        return 0.5
    if a.translate(_CONFUSABLE) == b.translate(_CONFUSABLE) != "":
        return CONFUSABLE_SUB
    return 1.0


_CLASSES = "ABCDEFHIJKLMNQRSTUWXYZ"
_SUB = {(x, y): _sub_cost(x, y) for x in _CLASSES for y in _CLASSES}


@lru_cache(maxsize=65536)
def _vowel_costs(form: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per position of *form*: the cost of changing its vowel into another a/i/u, and of dropping it.

    Vowels before the first consonant (an alef or ʿayn with an unwritten vowel) vary freely; those of the
    first syllable (before the second consonant) are unwritten short vowels (Nuhud ~ Nahud, Hirmil ~ Harmal);
    later ones are more often long vowels written in Arabic, whose change makes another name (Karamah /
    Karimah); endings after the last consonant vary again (case endings), except where they make another word
    (see :func:`_ending_penalty`). Consonants cost 1.

    >>> _vowel_costs("IDARA")
    ((0.1, 1.0, 0.4, 1.0, 0.5), (0.1, 1.0, 0.4, 1.0, 0.35))
    """
    cons = [i for i, c in enumerate(form) if c not in VOWEL_CLASSES]
    first = cons[0] if cons else len(form)
    second = cons[1] if len(cons) > 1 else len(form)
    last = cons[-1] if cons else -1
    sub: list[float] = []
    indel: list[float] = []
    for i, c in enumerate(form):
        if c not in VOWEL_CLASSES:
            sub.append(1.0)
            indel.append(1.0)
        elif i < first:
            sub.append(INITIAL_VOWEL_SUB)
            indel.append(E_INDEL if c == "E" else INITIAL_VOWEL_INDEL)
        elif i < second:
            sub.append(FIRST_VOWEL_SUB)
            indel.append(E_INDEL if c == "E" else FIRST_VOWEL_SUB)
        elif i > last:
            sub.append(FINAL_VOWEL_SUB)
            indel.append(E_INDEL if c == "E" else FINAL_A_INDEL if c == "A" else LATER_VOWEL_INDEL)
        else:
            sub.append(VOWEL_SUB)
            indel.append(E_INDEL if c == "E" else LATER_VOWEL_INDEL)
    return tuple(sub), tuple(indel)


def spelling_distance(
    a: str, b: str, a_unvocalised: bool = False, b_unvocalised: bool = False, limit: float = math.inf
) -> float:
    """Weighted edit distance between two canonical forms (see :func:`canonical_forms`).

    Vowels missing on an unvocalised side (Arabic script) cost nothing; other vowel changes cost by position
    (see :func:`_vowel_costs`): a first-syllable change is cheap (Homs/Hims), a later one dear
    (Karamah/Karimah), less so a against o/u (a long a written o: Salalah ~ Salola). Past *limit* it stops
    early and returns a value above the limit (the gazetteer only asks "within the threshold?").

    >>> spelling_distance("HUMS", "HIMS"), spelling_distance("KARAMA", "KARIMA")
    (0.4, 0.75)
    >>> spelling_distance("SALALA", "SALULA")
    0.5
    >>> spelling_distance("KRITIN", "KARIATIN", a_unvocalised=True)
    0.0
    >>> spelling_distance("DAMAM", "DAMAN")
    0.5
    >>> spelling_distance("BEDA", "BADA"), spelling_distance("BEDA", "BUDA")
    (0.25, 0.4)
    """
    n, m = len(a), len(b)
    sub_a, del_a = _vowel_costs(a)
    sub_b, ins_b = _vowel_costs(b)
    if b_unvocalised:
        del_a = tuple(0.0 if c in VOWEL_CLASSES else x for c, x in zip(a, del_a, strict=True))
    if a_unvocalised:
        ins_b = tuple(0.0 if c in VOWEL_CLASSES else x for c, x in zip(b, ins_b, strict=True))
    prev = [0.0] * (m + 1)
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] + ins_b[j - 1]
    for i in range(1, n + 1):
        ai = a[i - 1]
        va = sub_a[i - 1]
        da = del_a[i - 1]
        cur = [prev[0] + da] + [0.0] * m
        row_min = cur[0]
        for j in range(1, m + 1):
            sub = _SUB[ai, b[j - 1]]
            if sub < 0.0:
                if sub == _A_U:
                    sub = va if va > sub_b[j - 1] else sub_b[j - 1]
                    if sub > LATER_AU_SUB:
                        sub = LATER_AU_SUB
                else:
                    sub = va if va > sub_b[j - 1] else sub_b[j - 1]
            best = prev[j - 1] + sub
            x = prev[j] + da
            if x < best:
                best = x
            x = cur[j - 1] + ins_b[j - 1]
            if x < best:
                best = x
            cur[j] = best
            if best < row_min:
                row_min = best
        if row_min > limit:
            return round(row_min, 6)
        prev = cur
    return round(prev[m], 6)


# (most consonants, largest distance) in order; longer names get the last threshold
THRESHOLDS = ((2, 0.3), (3, 0.6), (5, 2.0), (99, 2.5))


def _threshold(form: str) -> float:
    ncons = _ncons(form)
    for most, thr in THRESHOLDS:
        if ncons <= most:
            return thr
    return THRESHOLDS[-1][1]


def _unvocalised(name: str) -> bool:
    return not name.isascii() and any(_is_arabic_char(c) for c in name)


@lru_cache(maxsize=262144)
def spelling_match(a: str, b: str) -> bool:
    """True when *a* and *b* look like spellings of one name (not merely names sharing consonants).

    >>> spelling_match("Hama", "Hamah"), spelling_match("Al-Qaryatain", "Quaryatayn")
    (True, True)
    >>> spelling_match("Homs", "home"), spelling_match("Qaryatayn", "القريتين")
    (False, True)
    """
    ka, kb = name_keys(a), name_keys(b)
    if not (ka & kb):
        return False
    ua, ub = _unvocalised(a), _unvocalised(b)
    extra = _qk_mismatch(a, b)
    late: float | None = None  # name penalties, looked up once a form pair is within its threshold
    ayn_a, ayn_b = _ayn_initial(a), _ayn_initial(b)
    forms_a, stems_a = _forms(a)
    forms_b, stems_b = _forms(b)
    stems = stems_a or stems_b
    for fa in forms_a:
        for fb in forms_b:
            if stems and (
                (fa in stems_a and fb[-1] not in _VOWEL_SET) or (fb in stems_b and fa[-1] not in _VOWEL_SET)
            ):
                continue  # a stem without its -at stands for a feminine -a: Hammamat is not Hammam
            thr = _pair_threshold(fa, fb)
            if thr < 0:
                continue
            pen = extra
            if (ayn_a and _dropped_initial_vowel(fa, fb)) or (ayn_b and _dropped_initial_vowel(fb, fa)):
                pen += AYN_DROPPED
            d = _form_distance(fa, fb, ua, ub, thr + 1e-6) + pen
            if d > thr + 1e-9:
                continue
            # penalties that only a pair within the threshold needs
            if late is None:
                late = _late_penalty(a, b)
            d += late
            if ("J" in fa or "J" in fb) and (_jim_as_uvular(a, fa, b, fb) or _jim_as_uvular(b, fb, a, fa)):
                d += JIM_AS_UVULAR
            if d + _ending_penalty(a, fa, b, fb) + _letter_penalty(a, fa, b, fb) <= thr + 1e-9:
                return True
    return _stem_vowel_variant(a, forms_a, stems_a, b, forms_b, stems_b)


def _stem_vowel_variant(
    a: str,
    forms_a: tuple[str, ...],
    stems_a: frozenset[str],
    b: str,
    forms_b: tuple[str, ...],
    stems_b: frozenset[str],
) -> bool:
    """True when two 2-consonant names differ only in the vowel between their consonants, each spelling it
    with one plain letter, and agree in every letter the folding hides: a short name's one stem vowel is
    unwritten and follows the dialect (Rimah ~ Rumah, Jaddah ~ Jidda, Hajjah ~ Hojja), but a first-vowel
    change costs 0.4, over such a name's 0.3. Not when both are scholarly (BGN) spellings, which write the
    vowels of the official vocalisation: then the vowels make two names.

    >>> _stem_vowel_variant("Jaddah", ("JADA",), frozenset(), "Jidda", ("JIDA",), frozenset())
    True
    >>> _stem_vowel_variant("Qānā", ("KANA",), frozenset(), "Qinā", ("KINA",), frozenset())
    False
    """
    pairs = [
        (fa, fb)
        for fa in forms_a
        if fa not in stems_a
        for fb in forms_b
        if fb not in stems_b and _one_stem_vowel_apart(fa, fb)
    ]
    if not pairs or (_scholarly(a) and _scholarly(b)):
        return False
    if not (_plain_stem_vowel(a) and _plain_stem_vowel(b)) or _hidden_letters(a) != _hidden_letters(b):
        return False
    if _qk_mismatch(a, b) or _late_penalty(a, b):
        return False
    return any(_ending_penalty(a, fa, b, fb) + _letter_penalty(a, fa, b, fb) == 0.0 for fa, fb in pairs)


def _one_stem_vowel_apart(fa: str, fb: str) -> bool:
    """True when two 2-consonant forms differ in one a/i/u between their consonants and nowhere else."""
    if len(fa) != len(fb) or _ncons(fa) != 2:
        return False
    diff = [i for i, (x, y) in enumerate(zip(fa, fb, strict=True)) if x != y]
    if len(diff) != 1 or fa[diff[0]] == "E" or fb[diff[0]] == "E" or fa[diff[0]] not in _VOWEL_SET:
        return False
    cons = [i for i, c in enumerate(fa) if c not in _VOWEL_SET]
    return cons[0] < diff[0] < cons[1]


_SCHOLARLY = frozenset("\u0101\u012b\u016b\u1e29\u015f\u0163\u1e11\u1e93\u1e25\u1e63\u1e6d\u1e0d")
_PLAIN_VOWEL_START = re.compile(r"(?:[cdgkstz]h|[bcdfghjklmnpqrstvxz])([^bcdfghjklmnpqrstvxz]+)")


def _scholarly(name: str) -> bool:
    """True when the name writes a macron or a dotted consonant: a BGN/PCGN or scholarly spelling."""
    return any(c in _SCHOLARLY for c in name.lower())


def _article_dropped(name: str) -> list[str]:
    words = [w for w in re.split(r"[\s\-]+", unicodedata.normalize("NFC", name.lower())) if w]
    if len(words) > 1 and translit(words[0]).strip(_AYN_MARKS) in _ARTICLES:
        words = words[1:]
    return words


@lru_cache(maxsize=65536)
def _plain_stem_vowel(name: str) -> bool:
    """True when the first vowel of the name (after its first consonant, an article left out) is one plain
    letter a, i, u or o: no long vowel mark, no digraph or diphthong (ou, ay, aw), which spell letters.

    >>> [_plain_stem_vowel(n) for n in ("Ar Rimah", "Rumāḩ", "Qānā", "Al Hawl", "Ḩajjah")]
    [True, True, False, False, True]
    """
    words = _article_dropped(name)
    # dotted consonants to their letters, vowels as written (ā is no plain a)
    w = "".join(
        c if unicodedata.normalize("NFD", c)[0] in "aeiou" else unicodedata.normalize("NFD", c)[0]
        for c in (words[0] if words else "")
    )
    m = _PLAIN_VOWEL_START.match(w)
    return bool(m) and m.group(1) in ("a", "i", "u", "o")


_DOUBLED_CONSONANT = re.compile(r"([bcdfghjklmnpqrstxz])\1")


@lru_cache(maxsize=65536)
def _hidden_letters(name: str) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    """What the folding hides of a spelling (an article left out): its doubled consonants (shadda), its
    count of ʿayn/hamza marks and its k-class letters (q, k, g, gh)."""
    words = _article_dropped(name)
    plain = "".join(_words(translit(" ".join(words))))
    marks = sum(1 for w in words for c in w if c in _AYN_MARKS)
    return tuple(sorted(set(_DOUBLED_CONSONANT.findall(plain)))), marks, _k_letters(name)


def _pair_threshold(fa: str, fb: str) -> float:
    """The largest distance at which two forms are one name, by the keys they share (-1: none)."""
    if _skeletons(fa) & _skeletons(fb):
        return min(_threshold(fa), _threshold(fb))
    near_a, near_b = _one_off_keys(fa), _one_off_keys(fb)
    if near_a & (_skeletons(fb) | near_b) or near_b & _skeletons(fa):
        return min(_threshold(fa), _threshold(fb), ONE_OFF_LIMIT)
    if _coarse_keys(fa) & _coarse_keys(fb):  # a consonant confusion (Dammam ~ Damman), little else
        return min(_threshold(fa), _threshold(fb), CONFUSABLE_LIMIT)
    return -1.0


def _dropped_initial_vowel(x: str, y: str) -> bool:
    return x[0] in VOWEL_CLASSES and y[0] not in VOWEL_CLASSES


QK_MISMATCH = 0.3
GH_MISMATCH = 1.0  # ghayn against qaf or kaf: two consonants, as much as any other consonant change
AYN_DROPPED = 0.25
JIM_AS_UVULAR = 0.3
_AYN_MARKS = "'`\u2018\u2019\u02bf\u02be"


@lru_cache(maxsize=65536)
def _ayn_initial(name: str) -> bool:
    """True when the name's first word (after an article) starts with an ʿayn or hamza mark and a vowel.

    >>> _ayn_initial("‘Ajjūl"), _ayn_initial("Al ‘Arīmah"), _ayn_initial("Addali"), _ayn_initial("Rimah")
    (True, True, False, False)
    """
    words = [w for w in re.split(r"[\s\-]+", name) if w]
    if len(words) > 1 and _WORD_FIX.get(w := translit(words[0]).strip(_AYN_MARKS), w) in _ARTICLES:
        words = words[1:]
    first = words[0] if words else ""
    return len(first) > 1 and first[0] in _AYN_MARKS and first[1].lower() in "aeiouāīū"


_K_LETTER = re.compile(r"kh|ch|gh|qu|q|ck|k|c|g|x")


@lru_cache(maxsize=65536)
def _k_letters(name: str) -> tuple[str, ...]:
    """The letters spelling *name*'s k-class consonants (q, k, g, gh), in order; c, ck and x count as k.

    >>> _k_letters("Al-Qaryatain"), _k_letters("Karyatein"), _k_letters("Burqa"), _k_letters("Barka")
    (('q',), ('k',), ('q',), ('k',))
    """
    found = _K_LETTER.findall(" ".join(_words(translit(name))))
    return tuple({"qu": "q", "ck": "k", "c": "k", "x": "k"}.get(x, x) for x in found if x not in ("kh", "ch"))


def _jim_as_uvular(x: str, fx: str, y: str, fy: str) -> bool:
    """True when form *fx* has a jim (J) more than *fy* and *y* writes no g or k. The folding lets j stand for
    k-class letters because Egyptian and Sudanese jim is g (Dilinjat ~ Dilingat), but a q or gh spells qaf or
    ghayn, never a jim (Jassem / Ghasm, Sajin / Saqayn).

    >>> _jim_as_uvular("Jassem", "JASEM", "Ghasm", "KASM")
    True
    >>> _jim_as_uvular("Dilinjat", "DILINJAT", "Dilingat", "DILINKAT")
    False
    """
    return fx.count("J") > fy.count("J") and not ("g" in _k_letters(y) or "k" in _k_letters(y))


DIPHTHONG_AGAINST_U = 0.3
AYN_AGAINST_H = 0.35


HIATUS_AGAINST_DIPHTHONG = 0.5


def _late_penalty(a: str, b: str) -> float:
    """Penalties read off the two spellings: a first-syllable diphthong against o/u, a final ʿayn against a
    final h, a hamza or ʿayn between two vowels against a diphthong written with y."""
    pen = DIPHTHONG_AGAINST_U if _diphthong_against_u(a, b) else 0.0
    if _hiatus_against_diphthong(a, b) or _hiatus_against_diphthong(b, a):
        pen += HIATUS_AGAINST_DIPHTHONG
    ends = {_final_letter(a), _final_letter(b)}
    return pen + AYN_AGAINST_H if ends in _AYN_OTHER else pen


_VOWELS_MARKED = "aeiou\u0101\u012b\u016b"
_HIATUS = re.compile("[" + _VOWELS_MARKED + "][" + _AYN_MARKS + "][" + _VOWELS_MARKED + "]")
_Y_DIPHTHONG = re.compile("[ae]y(?![y" + _VOWELS_MARKED + _AYN_MARKS + "])")


@lru_cache(maxsize=65536)
def _hiatus(name: str) -> bool:
    return bool(_HIATUS.search(name.lower()))


@lru_cache(maxsize=65536)
def _y_diphthong(name: str) -> bool:
    return bool(_Y_DIPHTHONG.search(name.lower()))


def _hiatus_against_diphthong(x: str, y: str) -> bool:
    """True when *x* writes a hamza or ʿayn mark between two vowels and *y*, with no such mark, a diphthong
    ay/ey before a consonant. The folding reads both a-ʾi and ay as one i-vowel, but the mark is a consonant
    and y a semivowel: Samāʾil is not Sumayl. (Unmarked ai stays open: outlets drop the mark, Said ~ Saʿid.)

    >>> _hiatus_against_diphthong("Samā’il", "Sumayl"), _hiatus_against_diphthong("Samā’il", "Samail")
    (True, False)
    """
    return _hiatus(x) and not _hiatus(y) and _y_diphthong(y)


_AYN_OTHER = ({"ayn", "h"}, {"ayn", "alef"})
_FINAL_AYN = re.compile("[aeiou\u0101\u012b\u016b][`\u2018\u02bf]$")
_FINAL_H = re.compile("[aeiou\u0101\u012b\u016b][h\u1e25\u1e29]$")


@lru_cache(maxsize=65536)
def _final_letter(name: str) -> str:
    """ "ayn" when the name ends in a vowel and an ʿayn mark (Jabaʿ), "h" when in a vowel and h (Jabah),
    "alef" when in a long a written ā (Jabā: BGN's final alef). ʿayn against either spells different last
    letters (ʿayn; ha, ha or ta marbuta; alef), so they tell Jabaʿ from Jabah and Jabā where the folding
    drops both. A hamza mark (ʾ, ’, ') is left out: -aʾ and -ah are one feminine ending in romanisation
    (Samarraʾ ~ Samarrah).

    >>> _final_letter("Al Jaba‘"), _final_letter("Jabah"), _final_letter("Sāmarrā’"), _final_letter("Jaba")
    ('ayn', 'h', '', '')
    >>> _final_letter("Jabā")
    'alef'
    """
    low = name.lower().rstrip()
    if _FINAL_AYN.search(low):
        return "ayn"
    return "h" if _FINAL_H.search(low) else "alef" if low.endswith("\u0101") else ""


_FIRST_VOWELS = re.compile(r"^(?:[cdgkstz]h|[^aeiouyw])([aeiouyw]+)")
_DIPHTHONGS = frozenset(("ay", "ai", "ey", "ei"))
_BACK_VOWELS = frozenset(("o", "u", "ou", "oo"))


@lru_cache(maxsize=65536)
def _first_vowels(name: str) -> str:
    """The vowel letters after the first consonant of the name's first word (an article left out, also
    one glued to it, as the folding leaves it out: Alkhobar).

    >>> [_first_vowels(n) for n in ("Khaybar", "Al Khobar", "Alkhobar", "Aleppo")]
    ['ay', 'o', 'o', '']
    """
    words = _words(translit(name))
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    elif words and (stem := _glued_article_stem(words[0], first=True)):
        words[0] = stem
    m = _FIRST_VOWELS.match(words[0]) if words else None
    return m.group(1) if m else ""


def _diphthong_against_u(a: str, b: str) -> bool:
    """True when one name's first syllable has the diphthong ay/ai/ei and the other's o/u. The first-syllable
    vowel is cheap to change because short vowels are not written, but ay is a written ya and o/u a short u
    or a waw: Khaybar is not Khobar.

    >>> _diphthong_against_u("Khaybar", "Al Khobar"), _diphthong_against_u("Shaykh", "Sheikh")
    (True, False)
    """
    va, vb = _first_vowels(a), _first_vowels(b)
    return (va in _DIPHTHONGS and vb in _BACK_VOWELS) or (vb in _DIPHTHONGS and va in _BACK_VOWELS)


def _qk_mismatch(a: str, b: str) -> float:
    """The cost of two names spelling one k-class consonant with letters of two Arabic consonants (0.0: none).
    The folding merges them, since outlets write ق as k (Karyatein, Rakka) and g stands for ق, ج or غ by
    region, but English and scholarly spellings keep q for ق and k for ك, so near the threshold the letters
    tell names apart (Burqa / Barka, Qasr / Kasra). gh against q or k costs a whole consonant: writing غ as q
    or k, or ق as gh, is no convention of English or French spelling, so the two spell two letters however
    long the name (Qadmus / Ghadamis, Kut / Ghat, Boghe / Buqʿah).

    >>> _qk_mismatch("Burqah", "Barka"), _qk_mismatch("Qadmus", "Ghadamis"), _qk_mismatch("Kut", "Ghat")
    (0.3, 1.0, 1.0)
    >>> _qk_mismatch("Raqqa", "Ar-Raqqah"), _qk_mismatch("Raqqa", "Riga"), _qk_mismatch("Baghdad", "Bagdad")
    (0.0, 0.0, 0.0)
    """
    ka, kb = _k_letters(a), _k_letters(b)
    if len(ka) != len(kb):
        return 0.0
    cost = 0.0
    for x, y in zip(ka, kb, strict=True):
        if x != y and "gh" in (x, y) and (x in "qk" or y in "qk"):
            return GH_MISMATCH
        if {x, y} == _Q_K:
            cost = QK_MISMATCH
    return cost


_Q_K = {"q", "k"}


NISBA_ENDING = 0.25
DIMINUTIVE = 0.5
NISBA_IYA = 0.2
FEMININE_NISBA = 0.3
_A_IA = {"A", "IA"}
_A_I = {"A", "I"}


@lru_cache(maxsize=65536)
def _ending(form: str) -> str:
    """The vowels after the last consonant of a form: its ending ("A" for -a/-ah, "IA" for -iya)."""
    i = len(form)
    while i and form[i - 1] in _VOWEL_SET:
        i -= 1
    return form[i:]


_AYN_ENDING = re.compile("i[" + _AYN_MARKS + "]a?h?$")


@lru_cache(maxsize=65536)
def _ayn_before_ending(name: str) -> bool:
    """True when the name ends in i + an ʿayn mark + a (Tamāniʿah): its -ia is a root vowel and a final ʿayn
    (Tamana ~ Tamaniʿah), not the nisba -iya.

    >>> _ayn_before_ending("At Tamāni‘ah"), _ayn_before_ending("Tarfaya")
    (True, False)
    """
    plain = "".join(c for c in unicodedata.normalize("NFD", name.lower()) if unicodedata.category(c) != "Mn")
    return bool(_AYN_ENDING.search(plain.rstrip()))


def _ending_penalty(a: str, fa: str, b: str, fb: str) -> float:
    """The cost of two endings that make two words of one stem, whatever the vowel costs: the feminine -a
    against the nisba -iya (Tarfah / Tarfaya, Zahira / Zahiriyah), where an inserted i would cost no more
    than a later vowel; the feminine -a against the nisba -i (Shuqayrah / Shuqayri), where a final vowel
    change is cheap because case endings vary.

    >>> _ending_penalty("Tarfah", "TARFA", "Tarfaya", "TARFIA")
    0.2
    >>> _ending_penalty("Shuqayrah", "XUKIRA", "Shuqayri", "XUKIRI")
    0.3
    >>> _ending_penalty("Tamana", "TAMANA", "Tamāni‘ah", "TAMANIA")
    0.0
    """
    ea, eb = _ending(fa), _ending(fb)
    if {ea, eb} == _A_I:
        return FEMININE_NISBA
    if fa[-1] != "A" or fb[-1] != "A":
        return 0.0
    if ea != eb and {ea, eb} == _A_IA and not _ayn_before_ending(a if ea == "IA" else b):
        return NISBA_IYA
    return 0.0


LONG_VOWEL_LOST = 0.75
# marked long vowels: BGN/PCGN macrons, French circumflexes
_LONG_MARKS = {"\u0101": "A", "\u012b": "I", "\u016b": "U", "\u00e2": "A", "\u00ee": "I", "\u00fb": "U"}
# what another spelling may not write where a long vowel stands: nothing, or another vowel (a long a may be
# written e (imala, French) or o (Persian); a long i e (Tikret); a long u o or ou, never a, e or i)
_LONG_CLASH = {"A": ("", "I"), "I": ("", "A", "U"), "U": ("", "I", "E", "A")}


@lru_cache(maxsize=65536)
def _long_vowels(name: str) -> tuple[tuple[str, str, str], ...]:
    """(consonant before, vowel class, consonant after) of each long vowel the name marks (ā, ī, ū; French â,
    î, û) after its first syllable; first-syllable vowels are left out, colloquial spellings drop them
    (Jānūdīyah ~ Jnoudiye).

    >>> _long_vowels("Al Karāmah"), _long_vowels("Tikrīt"), _long_vowels("Karamah")
    ((('R', 'A', 'M'),), (('R', 'I', 'T'),), ())
    """
    if name.isascii():
        return ()
    out: list[tuple[str, str, str]] = []
    for w in re.split(r"[\s\-]+", unicodedata.normalize("NFC", name).lower()):
        if any(_is_arabic_char(c) for c in w):
            continue  # Arabic script writes no long-vowel marks; a mixed word transliterates as a whole
        for i, ch in enumerate(w):
            v = _LONG_MARKS.get(ch)
            if v is None:
                continue
            pre = _fold_word("".join(_words(translit(w[:i]))))
            suf = _fold_word("".join(_words(translit(w[i + 1 :]))))
            if pre and suf and pre[-1] not in _VOWEL_SET and suf[0] not in _VOWEL_SET and _ncons(pre) >= 2:
                out.append((pre[-1], v, suf[0]))
    return tuple(out)


def _long_vowel_lost(x: str, fy: str) -> bool:
    """True when name *x* marks a long vowel between two consonants where form *fy* writes none, or a vowel
    no romanisation writes for it: Karāmah is not Karmah, Tikrīt not Tuggurt, Birqīn not Berkan. Long
    vowels are letters (alef, ya, waw) in Arabic; short ones are not written and come and go. (A long u
    against an a: Şānūr is not Sannar.)

    >>> _long_vowel_lost("Al Karāmah", "KARMA"), _long_vowel_lost("Al Karāmah", "KARAMA")
    (True, False)
    >>> _long_vowel_lost("Tikrīt", "TUKURT"), _long_vowel_lost("Tikrīt", "TEKRET")
    (True, False)
    """
    for before, vowel, after in _long_vowels(x):
        found = [m.group(1) for m in re.finditer(before + "([AEIU]*)" + after, fy)]
        if found and all(g in _LONG_CLASH[vowel] for g in found):
            return True
    return False


INITIAL_SYLLABLE_LOST = 0.6
_OPEN_START = re.compile(r"[aeiou]+(?:[cdgkstz]h|[bcdfghjklmnpqrstxz])[aeiou]")


@lru_cache(maxsize=65536)
def _open_initial_syllable(name: str) -> bool:
    """True when the name's first word (after an article) starts with a vowel, one consonant and a vowel:
    the vowel is a syllable of its own (ʿa-, ʾa-: Arafat, Asafi). Before two consonants it is only the
    helping vowel of a cluster (Arqamah ~ Raqamah, Ifran ~ Frane), and a doubled consonant after it is a
    glued article (Addali ~ Dali): spellings drop those.

    >>> _open_initial_syllable("Arafat"), _open_initial_syllable("Arqamah"), _open_initial_syllable("Addali")
    (True, False, False)
    """
    words = _words(translit(name))
    if len(words) > 1 and _WORD_FIX.get(words[0], words[0]) in _ARTICLES:
        words = words[1:]
    return bool(words) and bool(_OPEN_START.match(words[0]))


CONSONANT_Y_LOST = 0.3
_CONSONANT_Y = re.compile(r"([bcdfghjklmnpqrstxz])y(?=[aeiou]+(?:[bcdfgjklmnpqrstxz]|h[a-z]))")


@lru_cache(maxsize=65536)
def _consonant_y(name: str) -> frozenset[str]:
    """Classes of the consonants a consonant y follows inside a word (Mazyūnah: z): y before a vowel is the
    consonant ya, though the folding reads it as the vowel i. A final -ya(h) is left out: that is the
    nisba ending, which outlets write -ia or -a.

    >>> sorted(_consonant_y("Al Mazyūnah")), sorted(_consonant_y("Falamyah")), sorted(_consonant_y("Suwayda"))
    (['Z'], [], [])
    """
    out: set[str] = set()
    for w in _words(translit(name)):
        for m in _CONSONANT_Y.finditer(w):
            c = m.group(1)
            if c == "h" and m.start() and w[m.start() - 1] in "cdgkpstz":
                continue  # the h of a digraph (sh, th, ...)
            out.add(_CONS_SINGLE.get(c, ""))
    out.discard("")
    return frozenset(out)


def _consonant_y_lost(x: str, fy: str) -> bool:
    """True when *x* writes a consonant y after a consonant that form *fy* has but never follows with an
    i: Mazyūnah is not Mazzūnah."""
    return any(c in fy and c + "I" not in fy for c in _consonant_y(x))


@lru_cache(maxsize=65536)
def _letter_marks(name: str) -> tuple[tuple[tuple[str, str, str], ...], frozenset[str], bool] | None:
    """The letters of *name* that :func:`_letter_penalty` checks, None when it has none (most names)."""
    marks = (_long_vowels(name), _consonant_y(name), _open_initial_syllable(name))
    return marks if any(marks) else None


def _letter_penalty(a: str, fa: str, b: str, fb: str) -> float:
    """Penalties for letters one spelling writes and the folding lets the other drop: a marked long vowel,
    a whole initial syllable (the cheap initial vowel is meant for alef/ʿayn + a helping vowel: Arafat is
    not Rafat), a consonant y."""
    ma, mb = _letter_marks(a), _letter_marks(b)
    if ma is None and mb is None:
        return 0.0
    pen = LONG_VOWEL_LOST if _long_vowel_lost(a, fb) or _long_vowel_lost(b, fa) else 0.0
    if _consonant_y_lost(a, fb) or _consonant_y_lost(b, fa):
        pen += CONSONANT_Y_LOST
    if (_dropped_initial_vowel(fa, fb) and _open_initial_syllable(a)) or (
        _dropped_initial_vowel(fb, fa) and _open_initial_syllable(b)
    ):
        pen += INITIAL_SYLLABLE_LOST
    return pen


_DIMINUTIVE = re.compile(r"^[^AEIU]U[^AEIU]I[^AEIU]A?$")


def _diminutive_of(x: str, y: str) -> bool:
    """True when *x* has the diminutive shape fuʿayl(a) and *y* no vowel where its -ay- stands: Burayqa is
    "little Burqa", Bureij "little Burj", another place, while Jedeita ~ Judayta differ only in spelling.

    >>> _diminutive_of("BURIKA", "BURKA"), _diminutive_of("JUDITA", "JEDITA")
    (True, False)
    """
    if not _DIMINUTIVE.match(x):
        return False
    cons = [i for i, c in enumerate(y) if c not in VOWEL_CLASSES]
    return len(cons) == 3 and cons[2] == cons[1] + 1


def _form_distance(fa: str, fb: str, ua: bool, ub: bool, limit: float = math.inf) -> float:
    """:func:`spelling_distance`, with the feminine nisba ending -iya against a bare -i made cheap: outlets
    drop it (Jounieh ~ Juniyah ~ Jouni, Ad Daliyah ~ Ad Dali) where a later vowel change would be dear.

    >>> _form_distance("SAFIA", "SAFI", False, False)
    0.25
    """
    d = spelling_distance(fa, fb, ua, ub, limit)
    if _ncons(fa) == _ncons(fb) == 3 and (_diminutive_of(fa, fb) or _diminutive_of(fb, fa)):
        d += DIMINUTIVE
    for x, y in ((fa, fb), (fb, fa)):
        if len(x) > 3 and x.endswith("IA") and y.endswith("I") and not y.endswith("IA"):
            d = min(d, spelling_distance(x[:-1], y, ua, ub, limit) + NISBA_ENDING)
    return d
