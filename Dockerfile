# The VTJ permit portal: one image for the web server (the default command), the Celery worker, Celery beat
# and one-shot management commands. All configuration comes from the environment at run time; see README.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint (decision PDFs) needs Pango, HarfBuzz and fontconfig from Debian, and at least one font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The application runs as an unprivileged user. The code stays owned by root (read-only to the app);
# only the upload directory is the app's, so that a named volume mounted there inherits that owner.
RUN groupadd --system --gid 10001 vtj \
    && useradd --system --uid 10001 --gid vtj --home-dir /app --no-create-home --shell /usr/sbin/nologin vtj \
    && mkdir -p /data/media \
    && chown vtj:vtj /data/media

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them (pip >= 25.1 reads dependency groups).
COPY pyproject.toml ./
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install "pip==26.3" \
    && pip install --group runtime

COPY . .

# Translations and static files are built into the image. collectstatic imports the production settings,
# which refuse to load without these variables: the values below exist only for this one command and are
# not kept in the image.
RUN python scripts/compile_messages.py \
    && APP_ENV=production \
       SECRET_KEY=build-only-not-a-secret \
       AUDIT_HMAC_KEY=build-only-not-a-secret \
       DATABASE_URL=postgres://build:build@localhost:5432/build \
       REDIS_URL=redis://localhost:6379/0 \
       EMAIL_HOST=localhost \
       SITE_URL=https://build.invalid \
       ALLOWED_HOSTS=build.invalid \
       python manage.py collectstatic --noinput

ENV MEDIA_ROOT=/data/media \
    WEB_CONCURRENCY=3

USER vtj

EXPOSE 8000

# /healthz answers only for a host in ALLOWED_HOSTS, so the probe sends the first of them as its Host.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = h if h and h != '*' else 'localhost'; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]

# Gunicorn takes its worker count from WEB_CONCURRENCY (default 3 above; about 2 x cores + 1 is typical).
CMD ["gunicorn", "vtjportal.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--timeout", "60", "--graceful-timeout", "30"]
