# Partial Pooling Lab: the Streamlit app with its compile caches warmed in, so a new container's
# first visitor gets MCMC fits without waiting for the models to compile.
#
#   docker build -t partial-pooling-lab .            (or: podman build --format docker -t ...)
#   docker run --rm -p 8501:8501 partial-pooling-lab  → http://localhost:8501
#
# Builds from this repository alone. The caches hold machine code for the CPU type of the machine
# that built the image (numba's cache is keyed by CPU name and features): on another CPU type they
# are recompiled on first use, as without them. See README, "Running it for a school".

# Python 3.12, as .python-version asks (PyMC 6 needs >= 3.12). BASE_IMAGE lets a machine without
# access to Docker Hub build on an equivalent local image.
ARG BASE_IMAGE=docker.io/library/python:3.12-slim-bookworm
FROM ${BASE_IMAGE}

# The compile caches live in the app user's home (hbm_core sets the same NUMBA_CACHE_DIR by default;
# PyTensor's base_compiledir would otherwise be ~/.pytensor). cxx= : there is no C compiler in the
# image (nutpie compiles with numba), so PyTensor need not look for one.
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/app \
    NUMBA_CACHE_DIR=/home/app/.cache/partial-pooling-lab/numba \
    PYTENSOR_FLAGS=base_compiledir=/home/app/.cache/partial-pooling-lab/pytensor,cxx= \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# A non-root user owns only its home (the caches); the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN python -m pip install --root-user-action=ignore -r requirements.txt

COPY . .
RUN python -m compileall -q app.py app_pages hbm_core ui deploy

# Warm the caches as the user that serves the app: compile every model structure the pages use by
# default and run a short fit of each (deploy/warm_caches.py; several minutes on 2 cores).
USER app
RUN python deploy/warm_caches.py

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["python", "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", "8501", "--server.address", "0.0.0.0"]
