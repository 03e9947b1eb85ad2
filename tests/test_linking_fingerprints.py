"""The linker's representation: words from bytes, boilerplate lines, shingles, signatures and bands."""

import numpy as np

from core.words.characters import comparison_words
from linking import minhash
from linking.fingerprints import fingerprint, source_key
from linking.tokens import mix64, tokenise

HTML_COPY = (
    "Päijät-Hämeen kunnat ovat laatineet esi- ja perusopetuksen yhteisen toimintakertomuksen.\n\n"
    "Keskeistä olivat:\n\n- koululäsnäolon vahvistaminen,\n- Verkostoperuskoulu-hankkeen valmistelu."
)
PDF_COPY = (
    "Päijät-\nHämeen kunnat ovat laatineet esi-\nja perus\u00adopetuksen yhteisen toiminta\u0002\n"
    "kertomuksen.\n \n\n \nKeskeistä olivat:\n • koululäsnä-\n   olon vahvistaminen,\n"
    " • Verkostoperuskoulu-\nhankkeen valmis\u200btelu."
)


def words_of(text: str) -> list[int]:
    return tokenise([text]).word_value.tolist()


def reference_fingerprint(text: str) -> str:
    """The words ``words.comparison_words`` defines, as one text the tokeniser reads without change."""
    return " ".join(comparison_words(text))


def test_a_pdf_copy_and_its_html_original_give_the_same_words():
    assert words_of(PDF_COPY) == words_of(HTML_COPY)
    assert len(words_of(HTML_COPY)) == 15


def test_the_words_are_those_of_the_reference_fingerprint_casefolded_and_without_hyphens():
    text = "Toiminta-\nkertomus ja KEHITTÄMIS-\nhankkeet: Päijät-Häme, esi-\nja perusopetus (EU-rahoitus)."
    assert words_of(text) == words_of(reference_fingerprint(text))
    assert words_of(text) == words_of(
        "toimintakertomus ja kehittämishankkeet päijäthäme esi ja perusopetus eurahoitus"
    )


def test_the_seed_documents_give_the_reference_fingerprints_words(shared_dir):
    for path in sorted((shared_dir / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert words_of(text) == words_of(reference_fingerprint(text)), path.name


def test_case_is_folded_in_every_script_so_a_capitalised_word_is_the_same_word():
    assert words_of("ŠAKKI Žiraffi ÅLAND МОСКВА ΟΔΟΣ") == words_of("šakki žiraffi åland москва οδος")
    assert words_of("Šakki") != words_of("Sakki")
    assert words_of("Ā") != words_of("Ġ")  # bit 0x20 once made these one letter
    assert words_of("ẞTRASSE KELVIN") == words_of("ßtrasse kelvin")  # folds of another UTF-8 length


def test_letters_of_every_script_make_words_and_other_symbols_separate():
    text = "Tbilisi: თბილისი, Ẓaẓa № 5 § 3 ½ Ωmega•Ωmega"
    assert comparison_words(text) == ["tbilisi", "თბილისი", "ẓaẓa", "5", "3", "½", "ωmega", "ωmega"]
    assert words_of(text) == words_of(reference_fingerprint(text))


def test_a_year_range_stays_two_years_and_every_year_is_known():
    tokens = tokenise(["Sopimuskausi 2026-2030 alkaa vuonna 2026, kortteli 2107."])
    assert tokens.word_year.tolist() == [0, 2026, 2030, 0, 0, 2026, 0, 0]  # 2107 is a block number


def test_a_sentence_citing_a_statute_is_marked_as_legal_text():
    tokens = tokenise(
        [
            "Kunta laatii suunnitelman. Lain (612/2021) 6 §:n mukaan kunnan on raportoitava. "
            "Kuntalain 103 §:n mukaan toimielin on päätösvaltainen. Ohjelma kattaa koko alueen."
        ]
    )
    legal = set(tokens.legal_sentences.tolist())
    sentences = tokens.word_sentence.tolist()
    assert [s in legal for s in dict.fromkeys(sentences)] == [False, True, True, False]


def test_texts_in_one_batch_never_share_a_word_line_or_sentence():
    tokens = tokenise(["yksi kaksi", "kolme", None, "neljä viisi kuusi"])
    assert tokens.word_text.tolist() == [0, 0, 1, 3, 3, 3]
    assert (
        len(set(tokens.word_line[tokens.word_text == 0]) & set(tokens.word_line[tokens.word_text == 1])) == 0
    )
    assert tokens.text_offsets().tolist() == [0, 2, 3, 3, 6]


LINES = [
    "Valmistelija hallintojohtaja Sari Lindholm, puh. 040 715 2231",
    "Oikaisuvaatimusohje: tähän päätökseen tyytymätön voi tehdä kirjallisen oikaisuvaatimuksen.",
]


def _items(bodies: list[str]) -> list[str]:
    return [f"{LINES[0]}\n{body}\n{LINES[1]}" for body in bodies]


def test_a_line_printed_in_three_matters_of_a_source_is_boilerplate_and_is_not_compared():
    bodies = [
        "Vääksyn urheiluseura hakee avustusta kesäleirin järjestämiseen lapsille ja nuorille.",
        "Kyläyhdistys hakee avustusta kylätalon ikkunoiden uusimiseen talkoovoimin.",
        "Nuorisoseura hakee avustusta kesäteatterin lavan korjaamiseen kotiseututalolla.",
    ]
    with_lines = fingerprint(_items(bodies), np.full(3, source_key("asikkala"), dtype=np.uint64))
    bare = fingerprint(bodies, np.full(3, source_key("asikkala"), dtype=np.uint64))
    assert np.array_equal(with_lines.shingles, bare.shingles)
    assert with_lines.shingle_counts().tolist() == [7, 5, 5]


def test_lines_of_other_sources_or_of_one_matter_are_not_boilerplate():
    bodies = ["Hallitus päättää kirjaston aukioloajoista.", "Hallitus päättää uimarannan valvonnasta."]
    texts = [*_items(bodies), _items(["Hallitus päättää torin vuokrista."])[0]]
    other_source = fingerprint(texts, np.array([source_key(s) for s in ("a", "a", "b")], dtype=np.uint64))
    one_matter = fingerprint(texts, np.full(3, source_key("a"), dtype=np.uint64), matters=np.array([7, 7, 9]))
    for fp in (other_source, one_matter):
        assert fp.shingle_counts().tolist() == [18, 18, 18]


def test_shingles_never_span_two_texts():
    fp = fingerprint(["yksi kaksi kolme", "neljä viisi kuusi"], np.zeros(2, dtype=np.uint64))
    assert fp.shingle_counts().tolist() == [1, 1]
    assert fp.shingle_offsets.tolist() == [0, 1, 2]


def test_signature_slots_agree_about_as_often_as_the_shingle_sets_overlap():
    rng = np.random.default_rng(3)
    shared = mix64(rng.integers(0, 2**63, size=400, dtype=np.uint64))
    own_a, own_b = (mix64(rng.integers(0, 2**63, size=200, dtype=np.uint64)) for _ in range(2))
    a, b = np.concatenate([shared, own_a]), np.concatenate([shared, own_b])  # Jaccard 400 / 800 = 0.5
    signatures = minhash.signatures(np.array([0, len(a), len(a) + len(b)]), np.concatenate([a, b]))
    assert abs(minhash.estimated_jaccard(signatures[0], signatures[1]) - 0.5) < 0.1
    assert not (signatures == minhash.EMPTY).any()


def test_identical_shingle_sets_share_every_band_key_whatever_their_order():
    shingles = mix64(np.arange(1, 60, dtype=np.uint64))
    reordered = np.concatenate([shingles[::-1], shingles[:5]])  # repeats change nothing
    signatures = minhash.signatures(np.array([0, 59, 59 + 64]), np.concatenate([shingles, reordered]))
    keys = minhash.band_keys(signatures)
    assert keys.shape == (2, minhash.BANDS)
    assert np.array_equal(keys[0], keys[1])


def test_an_item_without_shingles_has_an_empty_signature_and_does_not_disturb_the_others():
    shingles = mix64(np.arange(1, 30, dtype=np.uint64))
    signatures = minhash.signatures(np.array([0, 0, 29]), shingles)
    assert (signatures[0] == minhash.EMPTY).all()
    assert not (signatures[1] == minhash.EMPTY).any()


def test_each_bucket_member_is_paired_with_the_smallest_and_the_previous_item_never_with_all():
    keys = np.array([[5], [9], [5], [5], [7], [9], [5]], dtype=np.uint64) << np.uint64(40)
    pairs = minhash.candidate_pairs(keys)
    assert pairs.tolist() == [[0, 2], [0, 3], [0, 6], [1, 5], [2, 3], [3, 6]]  # never (2, 6)
