# Créneau's image: the web application (gunicorn) and, with another command, the task
# worker. See docs/deploy.md and compose.yaml.
#
#   docker build -t creneau .
#   docker compose up -d
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    CRENEAU_VAR_DIR=/var/lib/creneau \
    GUNICORN_BIND=0.0.0.0:8000

# gettext: compilemessages (the English catalogue). Nothing else: psycopg's wheel carries
# libpq, Typst (PDFs) is a wheel with its own fonts, argon2 and lxml come as wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The runtime dependencies of pyproject.toml at the versions of requirements.lock (the lock
# also pins the test tools, which the image does not need).
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt -c requirements.lock \
    && rm /tmp/requirements.txt

COPY manage.py ./
COPY config ./config
COPY creneau ./creneau
COPY locale ./locale

# The catalogues and the static files (hashed names, compressed copies) at build time: the
# running container only reads them. A throwaway key: settings refuse to load without one.
RUN SECRET_KEY=build-only-not-a-secret DEBUG=false \
        python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build-only-not-a-secret DEBUG=false STATIC_MANIFEST=true \
        python manage.py collectstatic --no-input -v 0

# Not root: the application writes only to its var folder (SQLite, private files when no
# S3 bucket is set), a volume in compose.yaml.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin creneau \
    && mkdir -p /var/lib/creneau/private \
    && chown -R creneau:creneau /var/lib/creneau
USER creneau

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=8).status != 200)"]

# The web server; the worker runs the same image with `python manage.py db_worker ...`.
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
