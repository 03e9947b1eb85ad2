"""Which word forms are one word: Finnish inflection, by the simplemma lemmatiser.

Finnish inflects by endings that also change the stem (consonant gradation: ``jätehuolto`` /
``jätehuollon``; ``-s`` / ``-ks-``: ``toimintakertomus`` / ``toimintakertomuksen``), so neither a stemmer
nor a shared prefix tells reliably which forms are one word. simplemma (MIT, maintained, its Finnish
dictionary installed with it from the package index, nothing downloaded at run time) knows several
million Finnish forms and lemmatises a compound it does not know by its last part
(``toimintakertomuksesta`` → ``toimintakertomus``).

Its dictionary is decoded on first use, once per process: a few CPU seconds and about 400 MB, which
is why nothing here runs at import. Voikko would analyse Finnish more fully, but needs system packages
that the project's environment cannot install.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from words.characters import fold, words

LANGUAGE = "fi"
#: names what makes a lemma; an index that stores lemmas records it
LEMMATISER = f"simplemma-2/{LANGUAGE}"


@lru_cache(maxsize=1 << 20)
def lemma(word: str) -> str:
    """The dictionary form of one word, case folded. A word the lemmatiser maps to anything but one
    word (its rules can leave a stray character) is its own lemma."""
    import simplemma  # its import is cheap; its dictionary is decoded on the first call

    folded = fold(word)
    found = words(simplemma.lemmatize(folded, lang=LANGUAGE))
    return found[0] if len(found) == 1 else folded


def lemmas(forms: Iterable[str]) -> list[str]:
    """The lemma of each form, in order."""
    return [lemma(form) for form in forms]


def same_word(a: str, b: str) -> bool:
    """Whether two word forms are forms of one word (``hämeen`` and ``häme``, ``sopimuksen`` and
    ``sopimus``), not merely alike (``sopimus`` and ``sopimusluonnos`` are two words)."""
    return fold(a) == fold(b) or lemma(a) == lemma(b)
