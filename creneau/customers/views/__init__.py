"""The staff pages of the customer record, one module per screen.

listing: the customer list, its CSV export and the top search box; create: the creation
form; record: the record page, its header actions and the general, notes and history
tabs; sites and contacts: their tabs; families: the list of families (direction).
"""
