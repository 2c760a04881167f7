# 研修管理システム — one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .
# Static files are collected at build time (WhiteNoise serves them, compressed and hashed).
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build.invalid PORTAL_BASE_URL=https://build.invalid python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app kenshu \
    && mkdir -p /app/var && chown kenshu /app/var

USER kenshu
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
