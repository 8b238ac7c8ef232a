"""Pages of invoicing: the Facturation list (lists.py), an invoice's page and its actions
(invoice.py), manual drafts and their lines (drafts.py)."""
