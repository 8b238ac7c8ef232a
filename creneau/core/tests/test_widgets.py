"""The project's textarea counts a line break as the browser does."""

from django import forms

from creneau.core.widgets import Textarea


class NoteForm(forms.Form):
    note = forms.CharField(max_length=10, widget=Textarea)


def test_crlf_counts_as_one_character():
    form = NoteForm({"note": "abcd\r\nefgh\r\n"})  # 10 characters as typed, 12 as sent
    assert form.is_valid(), form.errors
    assert form.cleaned_data["note"] == "abcd\nefgh"


def test_longer_text_is_still_refused():
    assert not NoteForm({"note": "abcdefghij\r\nk"}).is_valid()
