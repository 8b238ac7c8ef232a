"""The client portal's addresses (French, kept stable: links in e-mails point here)."""

app_name = "portal"

urlpatterns: list = []
