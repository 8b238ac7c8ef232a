"""The planning as printed: the day sheet's Typst template (day_sheet.typ) and the data it
prints (day_sheet.py)."""
