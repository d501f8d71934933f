# Production image: gunicorn serving mentorship.wsgi; the same image runs the Celery
# worker and beat (see docker-compose.yml). Configuration comes from the environment
# (.env.example lists every variable).
FROM python:3.11-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Libraries WeasyPrint needs to lay out and subset fonts in the PDFs it renders.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 --shell /usr/sbin/nologin app

WORKDIR /app
COPY . .
# Templates and static files sit next to the packages, not inside them, so the
# service runs from /app (BASE_DIR); `pip install .` brings in the dependencies.
ENV PYTHONPATH=/app
RUN pip install . && rm -rf build ./*.egg-info

# Hashed, compressed static files for WhiteNoise. The settings refuse to load without
# these variables when DEBUG is off; the values here exist only for this step.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    SITE_URL=http://localhost EMAIL_HOST=localhost \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000
# The logger class keeps the secret in calendar-feed and invitation paths out of the
# access log.
CMD ["gunicorn", "mentorship.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--access-logfile", "-", \
     "--logger-class", "mentorship.lib.gunicorn_logging.Logger", \
     "--worker-tmp-dir", "/dev/shm"]
