from creneau.core.text import has_lone_surrogate, strip_invisible


def test_strip_invisible_removes_direction_and_zero_width_characters():
    assert strip_invisible("fact\u202eure\u200b\u2066 Dupont\ufeff") == "facture Dupont"


def test_strip_invisible_keeps_french_text_and_its_spaces():
    text = "Résidence « Les Tilleuls »\u00a0: 1\u202f000 €"
    assert strip_invisible(text) == text


def test_lone_surrogate_is_found():
    assert has_lone_surrogate("abc\ud800")
    assert not has_lone_surrogate("abc 😀")
