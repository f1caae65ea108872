FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY archive archive
COPY cli cli
COPY ingest ingest
COPY web web
RUN pip install --no-cache-dir .
EXPOSE 8000
