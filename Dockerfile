# The Assessor platform image (web and worker). Where a registry is reachable:
#   docker compose build
# The sandbox image that grades candidates is separate: `assessor sandbox build-image`.

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static/src static/src
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# The docker CLI lets `assessor sandbox build-image --dockerfile` and `doctor` run in the
# worker container against the host engine it is given.
RUN apt-get update \
    && apt-get install -y --no-install-recommends docker.io \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 assessor
WORKDIR /app
COPY requirements.txt pyproject.toml README.md ./
RUN pip install -r requirements.txt
COPY assessor assessor
COPY sandbox sandbox
COPY migrations migrations
COPY templates templates
COPY static static
COPY challenges challenges
COPY --from=assets /src/static/dist static/dist
RUN pip install --no-deps -e .
USER assessor
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "8", \
     "--workers", "2", "--access-logfile", "-", "assessor:create_app()"]
