# The production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 10001 kneadly
# Production requirements only: the embedded servers (requirements-embedded.txt) and the dev
# tools are never installed here, and .dockerignore leaves devtools/, tests/ and bench/ out.
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs settings to import; these values are build-time only.
RUN SECRET_KEY=build DATABASE_URL=postgres://build/build python manage.py collectstatic --noinput -v 0

USER kneadly
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
