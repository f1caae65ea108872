# One image for the web app, the workers and the CLI; docker-compose.yml chooses the command.
# Debian 12 (bookworm), because the .doc reader is tested against its LibreOffice 7.4.
FROM python:3.11.15-slim-bookworm

# libreoffice-writer-nogui converts legacy Word (.doc) and WPS files to DOCX before they are read.
# fonts-noto-cjk gives LibreOffice Chinese fonts for the layout it computes while converting.
# fonts-wqy-microhei is a TrueType Chinese font that reportlab embeds in the PDFs the archive writes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Build from a scratch folder and delete it, so `python -c` imports the installed package.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api api
COPY archive archive
COPY cli cli
COPY ingest ingest
COPY web web
RUN pip install --no-cache-dir . && rm -rf /src

# /data is CONTRACT_ARCHIVE_DATA_DIR. Creating it here with this owner means a new named volume
# mounted there starts out writable by the archive user.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/archive archive \
    && mkdir /data \
    && chown archive:archive /data
ENV CONTRACT_ARCHIVE_DATA_DIR=/data
USER archive
WORKDIR /home/archive

EXPOSE 8000
CMD ["contract-archive", "serve", "--host", "0.0.0.0", "--port", "8000"]
