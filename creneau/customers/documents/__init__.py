"""Documents on the customer record: files (RIB, identity cards, contracts, photos) kept in
private storage and served only through views that apply the visibility rule.

- files.py: what an upload must be (type judged by content, size, cleaned name);
- services.py / selectors.py: writes and reads, as in every app;
- thumbnails.py, responses.py: how files go back to the browser;
- views.py, forms.py, urls.py: the record's "Documents" tab.
The API is creneau/customers/api_documents.py; the model is customers.models.Document.
"""
