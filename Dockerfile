# AutoClip: one image for the API (`autoclip serve`, the default), the worker
# (`autoclip worker`) and migrations (`autoclip db upgrade`); deploy/k8s runs all three.
# The package needs no system packages at runtime (ffmpeg and fonts come from wheels, every
# native library it loads is either bundled in its wheel or part of glibc/libstdc++), so the
# runtime stage is the bare slim image plus a virtual environment.
#
#   docker build -t autoclip:0.1.0 .
#   docker run --rm -p 8000:8000 autoclip:0.1.0
#   docker run --rm --no-healthcheck autoclip:0.1.0 worker    # the worker serves no HTTP

# Pinned to a patch release; pin by digest too (python:3.11.13-slim-bookworm@sha256:…)
# where the registry is reachable, and let a bot bump both stages together.
FROM python:3.11.13-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build

# Dependencies first, from pyproject.toml alone, so a source change reuses this layer.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
    && pip install --no-cache-dir -r /tmp/requirements.txt

# Then the package itself, as a wheel (not editable). pip compiles its bytecode here, which
# the read-only runtime could not write later. The installers are no use at runtime.
COPY src ./src
RUN pip install --no-cache-dir --no-deps . \
    && pip uninstall --yes pip setuptools


FROM python:3.11.13-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    AUTOCLIP_DATA_DIR=/var/lib/autoclip

# A fixed numeric uid/gid, so Kubernetes' runAsNonRoot can verify it and volumes' fsGroup
# matches. The data dir is local scratch (stage cache, renders); in Kubernetes an emptyDir
# is mounted over it.
RUN groupadd --system --gid 10001 autoclip \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/autoclip \
        --no-create-home --shell /usr/sbin/nologin autoclip \
    && install --directory --owner=10001 --group=10001 --mode=0750 /var/lib/autoclip

COPY --from=builder /opt/venv /opt/venv

USER 10001:10001
WORKDIR /var/lib/autoclip
EXPOSE 8000

# No curl in the slim image: Python itself asks /health (liveness: the process answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]

ENTRYPOINT ["autoclip"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
