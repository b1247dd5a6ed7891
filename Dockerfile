# FamilyTeam: one process serving Telegram, Slack, /healthz and /metrics on one port.
# Build: docker build -t familyteam .   Run with PostgreSQL: docker compose up (compose.yaml, docs/operations.md).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/familyteam
# Exact versions with hashes (requirements-runtime.lock: the runtime part of requirements.lock).
COPY requirements-runtime.lock /tmp/
RUN /opt/familyteam/bin/pip install --require-hashes -r /tmp/requirements-runtime.lock
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY messages /src/messages
COPY storage /src/storage
RUN /opt/familyteam/bin/pip install --no-deps /src \
    && /opt/familyteam/bin/python -m compileall -q /opt/familyteam/lib >/dev/null

FROM python:3.11-slim
RUN groupadd --system --gid 10001 familyteam \
    && useradd --system --uid 10001 --gid familyteam --home-dir /home/familyteam --create-home familyteam \
    && mkdir /data && chown familyteam:familyteam /data
COPY --from=build /opt/familyteam /opt/familyteam
ENV PATH=/opt/familyteam/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    FAMILYTEAM_HTTP_HOST=0.0.0.0 \
    FAMILYTEAM_HTTP_PORT=8080 \
    DATABASE_URL=sqlite:////data/familyteam.db \
    FAMILYTEAM_HELD_DIR=/data/held
WORKDIR /home/familyteam
USER familyteam
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FAMILYTEAM_HTTP_PORT', '8080'), timeout=4)"]
CMD ["familyteam", "run"]
