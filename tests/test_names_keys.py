"""Table-driven tests of the spelling keys and the spelling gate (searchapp.names.keys)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchapp.names import name_keys, spelling_match
from searchapp.names.keys import canonical_forms, translit

SAME = [
    ("Al-Qaryatain", "Quaryatayn"),
    ("Al-Qaryatain", "al-Qaryatain"),
    ("Al Qaryatain", "Al Qaryatayn"),
    ("Karyatein", "Qaryatayn"),
    ("القريتين", "Al Qaryatayn"),
    ("القريتين", "Quaryatayn"),
    ("Deir Ezzor", "Deir al-Zor"),
    ("Deir ez-Zor", "Dayr az Zawr"),
    ("Deir el-Zour", "Deir Ezzor"),
    ("Raqqa", "Rakka"),
    ("Raqqa", "Ar-Raqqah"),
    ("Hama", "Hamah"),
    ("Hama", "Hameh"),
    ("Homs", "Hims"),
    ("Tadmur", "Tadmor"),
    ("Idlib", "Idleb"),
    ("Aleppo", "Alepo"),
    ("Suwayda", "Sweida"),
    ("As-Suwayda", "Soueida"),
    ("Jabhat al-Nusra", "Jabhat Nusra"),
    ("Abdel Rahman", "Abd al-Rahman"),
    ("Bashar al-Assad", "Bashar el-Assad"),
    ("Hezbollah", "Hizbollah"),
    ("Daraa", "Deraa"),
    ("Qamishli", "Kamishli"),
    ("Ghouta", "Ghuta"),
    ("Khan Shaykhun", "Khan Sheikhoun"),
    ("Latakia", "Lattakia"),
    ("Jisr al-Shughur", "Jisr ash-Shughur"),
    ("Mayadin", "Mayadeen"),
    ("Manbij", "Menbij"),
    ("Azaz", "A'zaz"),
    ("Hawija", "Huweija"),
    ("Fallujah", "Falluja"),
    ("Ramadi", "Ar Ramadi"),
    ("دمشق", "Dimashq"),
    ("حمص", "Homs"),
    # first-syllable vowels vary freely, French -e/-ie endings, j read as g, mb for nb, admin words, ej-
    ("An Nuhud", "An Nahud"),
    ("Al Hirmil", "Al Harmal"),
    ("Qanawat", "Qanaouate"),
    ("Jounie", "Juniyah"),
    ("Ad Dilinjat", "Ed Dilingat"),
    ("Muhanbal", "Muhambal"),
    ("Madinat al-Ashir min Ramadan", "Al Ashir min Ramadan"),
    ("Ej Janoudiye", "El Janoudiye"),
    # one confusable consonant (s/sh, d/z/t, m/n after a vowel), one consonant more in a long name
    ("Dammam", "Damman"),
    ("Abu Dhabi", "Abu Zabi"),
    ("Sharjah", "Sarja"),
    ("Bagdad", "Bagdat"),
    ("Port Sudan", "Bur Sudan"),
    ("Bani Walid", "Bani Ualid"),
    ("Adri", "Idri"),
    # a stem without its -at against the feminine -a it stands for; jim written g
    ("Nusayrat", "Nuseira"),
    ("Tamanat", "Tamana"),
    ("Dilinjat", "Dilingat"),
    # a long a written o; a final -ia that is i + ʿayn + a, not the nisba -iya
    ("Salalah", "Salola"),
    ("Jizan", "Jizon"),
    ("Tamana", "Tamāni‘ah"),
    ("Bayhan", "Beihan"),
    ("Al-Quṣayr", "Qoussair"),
    # a final hamza is no ʿayn: -aʾ and -ah are one feminine ending; an ʿayn may go unwritten
    ("Sāmarrā’", "Samarrah"),
    ("Ar Rifā‘", "Rifa"),
    # a short name's one stem vowel follows the dialect; the helping vowel of an initial cluster; an
    # initial waw written u or ouo; a long i written e; an unmarked ai may hide an ʿayn
    ("Jaddah", "Jidda"),
    ("Hajjah", "Hojja"),
    ("Ar Rimah", "Rumah"),
    ("Arqamah", "Raqamah"),
    ("Uarzazat", "Ouarzazate"),
    ("Ouorzazate", "Warzazat"),
    ("Tikrīt", "Tikret"),
    ("Taiz", "Ta'izz"),
    ("Jānūdīyah", "Jnoudiye"),
    # French writes waw ou: its aou is the diphthong aw
    ("Saouda", "As Sawda"),
    ("Essaouira", "As Sawirah"),
    ("Tataouine", "Tatawin"),
]

DIFFERENT = [
    ("Homs", "Hama"),
    ("Hama", "Hamra"),
    ("missile", "Mosul"),
    ("home", "Homs"),
    ("Palmyra", "Tadmur"),
    ("Emesa", "Homs"),
    ("Raqqa", "Riga"),
    ("Damascus", "Dimashq"),
    ("Tuesday", "Tadmur"),
    ("Aleppo", "Halab"),
    ("Beirut", "Perth"),
    ("Mosul", "Mislih"),
    ("Deir ez-Zor", "Deir Hafer"),
    ("Qaryatayn", "Quneitra"),
    ("Sanaa", "Sinai"),
    ("Jordan", "Jurdan Street"),
    # near-homonyms: a later (often long) vowel, kh vs h, a feminine ending on a short name
    ("Al Karamah", "Al Karimah"),
    ("Zahar", "Zahir"),
    ("Al Kharj", "Al Harj"),
    ("Al Amud", "Amuda"),
    ("As Sadd", "Sadda"),
    # q against k, a diminutive against its base, kh against k, a leading m/n, a dropped ayn
    ("Burqa", "Barka"),
    ("Al Burj", "El Bureij"),
    ("Sukhnah", "Suknah"),
    ("Al Majd", "An Najd"),
    ("‘Ajjūl", "Al Jawl"),
    ("Tanzim", "Tanzania"),
    ("Zeramedine", "Ar Ramadin"),
    # a plural -at against a bare stem; jim against a q or gh (qaf, ghayn)
    ("Hammam", "Hammamat"),
    ("Ihsim", "Al Husaymat"),
    ("Jassem", "Ghasm"),
    ("Sajin", "Saqayn"),
    # the feminine -a against the nisba -iya: two words of one stem
    ("At Tarfah", "Tarfaya"),
    ("Zahira", "Az Zahiriyah"),
    ("Rumaitha", "Rumaithiya"),
    # a diphthong ay against o/u in the first syllable
    ("Khaybar", "Al Khobar"),
    ("Khaybar", "Alkhobar"),
    # a final ʿayn against a final h or ḥ
    ("Jabah", "Jaba‘"),
    ("Rifah", "Ar Rifā‘"),
    ("Jabā", "Jaba‘"),
    # a marked long vowel dropped or changed; a whole initial syllable dropped; gh against q or k; a hamza
    # between vowels against a diphthong; the nisba -i against the feminine -a; a consonant y dropped;
    # two scholarly spellings of a short name with different vowels
    ("Al Karāmah", "Karmah"),
    ("Tikrīt", "Tuggurt"),
    ("Birqīn", "Berkan"),
    ("Arafat", "Rafat"),
    ("Asafi", "Safi"),
    ("Kut", "Ghat"),
    ("Qadmus", "Ghadamis"),
    ("Beda", "Bouda"),
    ("Samā’il", "Sumayl"),
    ("Ash Shuqayrah", "Ash Shuqayri"),
    ("Al Mazyūnah", "Al Mazzūnah"),
    ("Qānā", "Qinā"),
    # what looser rules would merge: a doubled consonant (shadda) written by one spelling only on a short
    # name, a later short vowel, a generic first word (spring, hill) that is part of the name
    ("Al Hillah", "Hula"),
    ("Sadda", "Es Soda"),
    ("Salamiyah", "As Salimiyah"),
    ("Ayn al-Arab", "Arab"),
    ("Tall Afar", "Afar"),
    ("Tall Kayf", "El Kef"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_spellings_share_keys_and_match(a, b):
    assert name_keys(a) & name_keys(b), (canonical_forms(a), canonical_forms(b))
    assert spelling_match(a, b), (canonical_forms(a), canonical_forms(b))
    assert spelling_match(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_do_not_match(a, b):
    assert not spelling_match(a, b), (canonical_forms(a), canonical_forms(b))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("القريتين", "al qritin"), ("Ḩimş", "hims"), ("Dayr az Zūr", "dayr az zur"), ("Homs", "homs")],
)
def test_translit(text, expected):
    assert translit(text) == expected


@pytest.mark.parametrize("junk", ["", " ", "---", "123", "'", "ʿ"])
def test_no_letters_no_keys(junk):
    assert name_keys(junk) == frozenset()
    assert not spelling_match(junk, "Homs")


def test_line_break_hyphen_and_spaces_do_not_matter():
    assert name_keys("Qala-mun") == name_keys("Qalamun") == name_keys("Qala mun")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_total_and_symmetric(s):
    keys = name_keys(s)
    assert isinstance(keys, frozenset)
    assert spelling_match(s, "Homs") == spelling_match("Homs", s)
    if keys:
        assert spelling_match(s, s)
