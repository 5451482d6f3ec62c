# Kokreasi application image. The web bundle is prebuilt and committed (server/static), so
# the image needs no Node.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KOKREASI_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
# The locked versions, hash-checked, then the project itself without resolving anything anew.
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/run.txt
COPY kokreasi ./kokreasi
COPY identity ./identity
COPY commitment ./commitment
COPY httpapi ./httpapi
COPY ycodec ./ycodec
COPY throttle ./throttle
COPY events ./events
COPY server ./server
COPY projections ./projections
COPY process ./process
COPY audit ./audit
RUN pip install --no-cache-dir --no-deps --no-build-isolation . && useradd --system --home /data kokreasi \
    && mkdir -p /data/checkpoints && chown -R kokreasi /data
USER kokreasi
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["kokreasi", "serve", "--host", "0.0.0.0", "--port", "8000"]
