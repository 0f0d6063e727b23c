# Kefu service image: the embedded stack in one container; state in the /data volume.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake git nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/kefu
COPY . .
RUN bash scripts/setup.sh

ENV KEFU_DATA_DIR=/data HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
VOLUME ["/data"]
EXPOSE 8000
CMD ["/opt/kefu/.venv/bin/kefu", "serve", "--host", "0.0.0.0", "--port", "8000"]
