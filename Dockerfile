# policybot: one process serving Slack, Teams and the health check on $PORT (3978).
#   docker build -t policybot .
#   docker run --env-file .env -p 3978:3978 -v policybot-data:/data policybot
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY conversations ./conversations
COPY storage ./storage
RUN pip install . \
    && useradd --system --create-home --uid 10001 policybot \
    && mkdir -p /data \
    && chown policybot /data

USER policybot
# TinyDB files live on the /data volume unless DATABASE_URL selects PostgreSQL.
ENV PORT=3978 \
    POLICYBOT_DB=/data/policybot.json
VOLUME ["/data"]
EXPOSE 3978

# The slim image has no curl: ask /healthz with Python (503 when storage is unreachable).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]

# Exec form: policybot is PID 1 and gets SIGTERM from `docker stop` directly.
CMD ["policybot", "serve", "--host", "0.0.0.0"]
