"""Cleaning of the texts people type or paste: names, labels, descriptions.

Shared by the forms, the API's input schemas and the file names, so that one rule holds
wherever a text enters the application.
"""

from __future__ import annotations

import re

# Bidirectional embeddings and overrides (U+202A-202E), isolates (U+2066-2069), zero-width
# spaces and joiners and the direction marks (U+200B-200F), and the byte-order mark: they
# are invisible, and can make "fdp.exe" read as "exe.pdf" or two equal-looking names differ.
INVISIBLE_CHARACTERS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# A UTF-16 half (U+D800-DFFF) alone is not a character: a JSON string may carry one
# ("\ud800"), which no database can store.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_invisible(text: str) -> str:
    """The text without the invisible direction and zero-width characters."""
    return INVISIBLE_CHARACTERS.sub("", text)


def has_lone_surrogate(text: str) -> bool:
    return LONE_SURROGATE.search(text) is not None


# How long a text people type may be, chosen for its use: long enough for any real name,
# line or note, short enough that a document printing it stays a few pages (a 1 MB quote
# line once made a 180-page PDF that took 50 s) and that one user cannot tie up a worker.
# Models, forms and API schemas take their limits from these or from the model's field.
NAME_MAX_LENGTH = 200  # a name or a label
SEARCH_MAX_LENGTH = 200  # what a search box or a list filter reads
DESCRIPTION_MAX_LENGTH = 2000  # a quote line, a catalogue description
NOTES_MAX_LENGTH = 5000  # observations, the conditions printed under a quote
EMAIL_BODY_MAX_LENGTH = 10_000  # the message of an e-mail someone writes
