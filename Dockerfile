# The production image: gunicorn for the web, the same image for the Celery worker and beat and
# the one-shot migrate. Two stages: the builder makes wheels and installs them into a virtual
# environment; the runtime copies that environment and the code, nothing else (no build tools,
# no wheels or pip cache, no tests, benchmarks or embedded servers).

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
# Production requirements only: requirements-embedded.txt and requirements-dev.txt never enter.
COPY requirements.txt /wheels/requirements.txt
RUN pip wheel --wheel-dir /wheels -r /wheels/requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --find-links=/wheels -r /wheels/requirements.txt

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH PORT=8000
WORKDIR /app
RUN useradd --create-home --uid 10001 kneadly
COPY --from=builder /opt/venv /opt/venv
# .dockerignore leaves devtools/, tests/, bench/, .env and local state out. The code stays owned
# by root: the kneadly user can read it, not change it.
COPY . .
# collectstatic needs settings to import; these values are build-time only.
RUN SECRET_KEY=build DATABASE_URL=postgres://build/build python manage.py collectstatic --noinput -v 0

USER kneadly
EXPOSE 8000
# The web's liveness (compose gives the worker and beat their own checks).
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=4 \
    CMD ["python", "manage.py", "healthcheck", "web"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
