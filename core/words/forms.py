"""Which word forms are one word: Finnish inflection, by the simplemma lemmatiser.

Finnish inflects by endings that also change the stem (consonant gradation: ``jätehuolto`` /
``jätehuollon``; ``-s`` / ``-ks-``: ``toimintakertomus`` / ``toimintakertomuksen``), so neither a stemmer
nor a shared prefix tells reliably which forms are one word. simplemma (MIT, maintained, its Finnish
dictionary installed with it from the package index, nothing downloaded at run time) knows several
million Finnish forms and lemmatises a compound it does not know by its last part
(``toimintakertomuksesta`` → ``toimintakertomus``).

The other way round, ``forms`` gives every form the dictionary knows for a lemma: what lets search
match a query word in a form no indexed text uses.

The dictionary is read on first use, once per process, which is why nothing here runs at import. It can
be read two ways, with the same lemmas: simplemma's compact form (3.4 s and 70 MB on the project's
machine, and slow lookups of words it must take apart: 3,000 a second), which is what ``lemma`` uses for
the guards' few hundred title words; or decoded whole (``load_dictionary``: 7 s and 400 MB, then
hundreds of thousands of words a second), which is what a search index over a whole warehouse needs.
Voikko would analyse Finnish more fully, but needs system packages that the project's environment
cannot install.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, lru_cache

from core.words.characters import fold, words

LANGUAGE = "fi"
#: names what makes a lemma; an index that stores lemmas records it
LEMMATISER = f"simplemma-2/{LANGUAGE}"


_decoded = False


def load_dictionary() -> None:
    """Decode the lemmatiser's whole dictionary for this process: before lemmatising many words."""
    global _decoded
    import simplemma

    simplemma.lemmatize("kunta", lang=LANGUAGE)  # the first lookup decodes the dictionary
    _decoded = True


@lru_cache(maxsize=1 << 20)
def lemma(word: str) -> str:
    """The dictionary form of one word, case folded. A word the lemmatiser maps to anything but one
    word (its rules can leave a stray character) is its own lemma."""
    import simplemma  # its import is cheap; its dictionary is read on the first call

    folded = fold(word)
    found = words(simplemma.lemmatize(folded, lang=LANGUAGE, low_memory=not _decoded))
    return found[0] if len(found) == 1 else folded


def lemmas(forms: Iterable[str]) -> list[str]:
    """The lemma of each form, in order."""
    return [lemma(form) for form in forms]


def same_word(a: str, b: str) -> bool:
    """Whether two word forms are forms of one word (``hämeen`` and ``häme``, ``sopimuksen`` and
    ``sopimus``), not merely alike (``sopimus`` and ``sopimusluonnos`` are two words)."""
    return fold(a) == fold(b) or lemma(a) == lemma(b)


#: The last part of a compound that ``forms`` looks up is at least this long (``kertomus`` of
#: ``toimintakertomus``); shorter ones are too often an ending.
MIN_COMPOUND_PART = 4


def forms(of_lemma: str) -> list[str]:
    """Every form of the word whose lemma is ``of_lemma`` that the lemmatiser's dictionary knows
    (``jätehuolto``: ``jätehuollon``, ``jätehuoltoon``, … 32 forms), itself first. A compound has the
    forms of its longest last part that the dictionary knows too, behind its first part
    (``toimintakertomus``: ``toimintakertomuksen``, …): the dictionary holds many compounds in their
    base form only, and the lemmatiser lemmatises a compound it lacks by its last part."""
    return _forms(of_lemma, _folded_forms)


def forms_of_each(lemmas: Iterable[str]) -> dict[str, list[str]]:
    """``forms`` of each of ``lemmas``, folding the dictionary's forms of each lemma or last part once
    however many compounds end in it (``kertomus`` behind every ``…kertomus``): for the 88,000 lemmas
    of 50,000 handlings, 4.0 s against 9.1 s one lemma at a time."""
    folded: dict[str, tuple[str, ...]] = {}

    def folded_once(key: str) -> tuple[str, ...]:
        if key not in folded:
            folded[key] = _folded_forms(key)
        return folded[key]

    return {of_lemma: _forms(of_lemma, folded_once) for of_lemma in lemmas}


def _forms(of_lemma: str, folded_forms: Callable[[str], tuple[str, ...]]) -> list[str]:
    by_lemma = _forms_by_lemma()
    found = dict.fromkeys([of_lemma, *folded_forms(of_lemma)])
    for cut in range(1, len(of_lemma) - MIN_COMPOUND_PART + 1):
        if by_lemma.get(of_lemma[cut:]):
            found.update(dict.fromkeys(of_lemma[:cut] + form for form in folded_forms(of_lemma[cut:])))
            break
    return list(found)


def _folded_forms(of_lemma: str) -> tuple[str, ...]:
    """The dictionary's forms of ``of_lemma``, case folded, each once, in the dictionary's order."""
    return tuple(dict.fromkeys(fold(form.decode()) for form in _forms_by_lemma().get(of_lemma, ())))


@cache
def _forms_by_lemma() -> dict[str, tuple[bytes, ...]]:
    """The lemmatiser's Finnish dictionary turned round: lemma (case folded) → its forms, as UTF-8
    (3.5 million forms of 125 000 lemmas; a second or two, read from the decoded dictionary's bytes)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    load_dictionary()
    dictionary = DEFAULT_DICTIONARY_FACTORY.get_dictionary(LANGUAGE)
    # simplemma keeps the dictionary as bytes → bytes behind a decoding view; reading those bytes is
    # five times faster than its public items(), which is the fallback should that ever change
    raw = getattr(dictionary, "_dict", None)
    if not isinstance(raw, dict):
        raw = {form.encode(): its_lemma.encode() for form, its_lemma in dictionary.items()}
    grouped: dict[bytes, list[bytes]] = {}
    for form, its_lemma in raw.items():
        grouped.setdefault(its_lemma, []).append(form)
    by_lemma: dict[str, tuple[bytes, ...]] = {}
    for its_lemma, its_forms in grouped.items():
        key = fold(its_lemma.decode())
        by_lemma[key] = by_lemma.get(key, ()) + tuple(its_forms)
    return by_lemma
