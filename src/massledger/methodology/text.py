"""String comparison used by the rules: normalisation, Sørensen–Dice similarity, address matching,
licence plates."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from fractions import Fraction

from massledger.methodology.constants import PLATE_FORMATS, PLATE_SEPARATORS

_NOT_ALNUM = re.compile(r"[^0-9a-z\s]")
_LETTER_DIGIT = re.compile(r"([a-z])(\d)")
_DIGIT_LETTER = re.compile(r"(\d)([a-z])")
_SPACES = re.compile(r"\s+")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[^\da-zA-Z\s]+(?=\d)")

# Brazilian street-type abbreviations expanded before addresses are compared.
_ADDRESS_ABBREVIATIONS = {
    "al": "alameda",
    "alam": "alameda",
    "av": "avenida",
    "cj": "conjunto",
    "cond": "condominio",
    "est": "estrada",
    "pc": "praca",
    "pca": "praca",
    "r": "rua",
    "res": "residencial",
    "rod": "rodovia",
    "trav": "travessa",
}


def normalize(value: str) -> str:
    """Accents and punctuation removed, lower case, letters and digits split apart, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", value)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    text = _NOT_ALNUM.sub("", text)
    text = _DIGIT_LETTER.sub(r"\1 \2", _LETTER_DIGIT.sub(r"\1 \2", text))
    return _SPACES.sub(" ", text).strip()


def dice(a: str, b: str) -> Fraction:
    """Sørensen–Dice coefficient over character bigrams (multiset), exact: 2·|common| / (|A| + |B|)."""
    if a == b:
        return Fraction(1)
    if len(a) < 2 or len(b) < 2:
        return Fraction(0)
    counts: dict[str, int] = {}
    for i in range(len(a) - 1):
        counts[a[i : i + 2]] = counts.get(a[i : i + 2], 0) + 1
    common = 0
    for i in range(len(b) - 1):
        bigram = b[i : i + 2]
        if counts.get(bigram, 0) > 0:
            counts[bigram] -= 1
            common += 1
    return Fraction(2 * common, len(a) - 1 + len(b) - 1)


def text_similarity(a: str, b: str) -> Fraction:
    return dice(normalize(a), normalize(b))


def normalize_address(value: str) -> str:
    """:func:`normalize` plus street-type abbreviations expanded and repeated tokens removed."""
    tokens = normalize(_BETWEEN_DIGITS.sub(" ", value)).split()
    expanded = [_ADDRESS_ABBREVIATIONS.get(token, token) for token in tokens]
    deduplicated = [token for i, token in enumerate(expanded) if i == 0 or token != expanded[i - 1]]
    return " ".join(deduplicated)


def _numbers(text: str) -> list[str]:
    return sorted(token.lstrip("0") or "0" for token in text.split() if token.isdigit())


def address_similarity(a: str, b: str) -> tuple[Fraction, bool]:
    """(Dice similarity of the normalised addresses, whether their street numbers agree). Numbers are
    never fuzzy: every number of the address with fewer numbers must appear in the other."""
    left, right = normalize_address(a), normalize_address(b)
    fewer, more = sorted((_numbers(left), _numbers(right)), key=len)
    pool = list(more)
    numbers_agree = True
    for number in fewer:
        if number in pool:
            pool.remove(number)
        else:
            numbers_agree = False
    return dice(left, right), numbers_agree


def normalize_plate(plate: str) -> str:
    return PLATE_SEPARATORS.sub("", plate).upper()


def is_valid_plate(plate: str) -> bool:
    """Brazilian plate (Mercosul ``ABC1D23``, legacy ``ABC1234`` or short ``AB1234``) after upper-casing
    and removing ``-`` and spaces."""
    normalized = normalize_plate(plate)
    return any(pattern.match(normalized) for pattern in PLATE_FORMATS)


def ratio(value: Fraction) -> Decimal:
    """A similarity for messages and details: 4 decimals, rounded down (never shown above the truth)."""
    return Decimal(value.numerator * 10_000 // value.denominator) / 10_000
