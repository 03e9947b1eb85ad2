"""What a word is and which words are forms of one another: defined once, for every part that reads words.

Search, the linker's tokeniser, its guards and the text normaliser all read words. Each once had a
definition of its own (a regular expression of Latin letters, a byte rule that cased down by setting
bit 0x20, a prefix rule for inflections), and they disagreed outside the Finnish alphabet. Here:

- ``words.characters``: which characters make words (letters and digits of all of Unicode), how case
  is folded (Unicode lower-casing, the same in Python and in Polars), which characters join or hide
  inside words (soft hyphens, zero-width spaces, PDF hyphen markers) and which words a dropped shared
  part stands before (``esi- ja perusopetus``);
- ``words.forms``: which word forms are one word (``jätehuollon`` and ``jätehuolto``), by the simplemma
  lemmatiser's Finnish dictionary and affix rules.

This package imports nothing of the project, so every other package can import it: it is meant to sit
at the bottom of the import graph with the other shared pieces.
"""
