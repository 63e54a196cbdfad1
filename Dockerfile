# The rag-news service with the Qdrant backend (docker-compose.yml; docs/qdrant.md).
# torch is pinned first, as in the Makefile: point PIP_EXTRA_INDEX_URL (build arg) at a CPU-only
# torch wheel index, or an unpinned resolver may pull a multi-GB CUDA build.
FROM python:3.11-slim
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}
WORKDIR /app
RUN pip install --no-cache-dir torch==2.13.0
COPY pyproject.toml README.md ./
COPY rag ./rag
RUN pip install --no-cache-dir '.[qdrant]'
COPY web ./web
COPY corpus ./corpus
ENV HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false RAG_WEB_DIR=/app/web
EXPOSE 8000
CMD ["rag", "serve", "--host", "0.0.0.0", "--port", "8000", "--corpus", "/app/corpus"]
