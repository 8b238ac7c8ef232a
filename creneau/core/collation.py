"""French alphabetical order: capitals and accents aside, as a French reader sorts names.

"Banque de Provence" comes before "Banque Rhodanienne", "Égypte" between "Équateur" and
"Érythrée"... not after "Zimbabwe" as in byte order. Three places need that order:

- Python lists (the countries): french_sort_key();
- database sorts (families, sites, contacts, the catalogue...): french_collate(field), an
  expression for order_by(). PostgreSQL compares with ICU's French collation, "fr-x-icu";
  SQLite with a collation of that very name, registered on each of its connections
  (register_sqlite_collation, connected in CoreConfig.ready), that compares
  french_sort_key();
- large lists (100,000 customers) sort on a stored, indexed key instead: name_key(), the
  name without accents nor capitals, filled by the services (Customer.name_key).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F
from django.db.models.functions import Collate

# ICU's French collation on PostgreSQL (built with ICU, as Debian's and the official
# images are); on SQLite, the name under which register_sqlite_collation installs ours.
FRENCH_COLLATION = "fr-x-icu"

# Letters that NFKD does not decompose but that French sorts as two.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
SPACES = re.compile(r"\s+")


def name_key(text: str) -> str:
    """The text without accents nor capitals, spaces folded: "Résidence  Les Tilleuls" and
    "residence les tilleuls" give the same key. Compares names (likely duplicates) and sorts
    them in byte order in French order."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return SPACES.sub(" ", unaccented.casefold().translate(LIGATURES)).strip()


@functools.lru_cache(maxsize=8192)
def french_sort_key(text: str) -> tuple[str, str]:
    """Sort key of the French order: letters first, accents and capitals aside; the text
    itself breaks ties, so that equal keys still sort the same way every time."""
    return (name_key(text), text)


def french_collate(field: str | Expression) -> Collate:
    """`field` in the French order, for order_by(): french_collate("name"), or .desc()."""
    return Collate(F(field) if isinstance(field, str) else field, FRENCH_COLLATION)


def french_compare(left: str, right: str) -> int:
    """The SQLite collation: negative, zero or positive as `left` sorts before, with or after
    `right`."""
    left_key, right_key = french_sort_key(left), french_sort_key(right)
    return (left_key > right_key) - (left_key < right_key)


def register_sqlite_collation(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Give each new SQLite connection the French collation (connection_created handler)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(FRENCH_COLLATION, french_compare)
