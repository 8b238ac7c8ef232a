"""The quote as printed: its Typst template (quote.typ) and the data it prints (quote.py)."""
