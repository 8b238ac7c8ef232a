"""Static files served by the application itself (whitenoise), in production from
STATIC_ROOT as collectstatic left it (STATIC_MANIFEST: hashed names, compressed copies,
cached for a year)."""

from __future__ import annotations

import os

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise, quiet about a STATIC_ROOT that collectstatic has not made while
    STATIC_MANIFEST is off (make run, the tests: runserver and the test server serve the
    static files themselves). With STATIC_MANIFEST on, a missing STATIC_ROOT still warns."""

    def add_files(self, root, prefix=None) -> None:
        if not settings.STATIC_MANIFEST and not os.path.isdir(root):
            return
        super().add_files(root, prefix)
