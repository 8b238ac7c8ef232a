"""Widgets shared by every form of the project."""

from __future__ import annotations

from typing import Any

from django import forms


class Textarea(forms.Textarea):
    """A textarea whose text counts a line break as one character, as the browser does.

    A browser counts a line break as one character against `maxlength`, but sends it as
    CRLF (HTML's form submission turns every line break into CRLF), so Django would count
    two and refuse a text the browser let the user type. Turning CRLF back into LF where
    the value is read keeps a field's max_length what the user was allowed to type."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value
