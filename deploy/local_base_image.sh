#!/usr/bin/env bash
# A stand-in for docker.io/library/python:3.12-slim-bookworm on a machine that cannot pull from
# Docker Hub (this project's build machine): Debian 12 (debootstrap, minbase) with this machine's
# Python 3.12 (the pyenv build named in .python-version, without its site-packages) in /usr/local,
# and this machine's CA bundle for pip (PIP_CERT). Imported as localhost/ppl-python:3.12-slim-bookworm.
#
#   sudo bash deploy/local_base_image.sh            # needs root, debootstrap, podman, deb.debian.org
#   podman build --build-arg BASE_IMAGE=localhost/ppl-python:3.12-slim-bookworm ...
#
# Anywhere with access to Docker Hub, use the Dockerfile's default base instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYVER="$(cat .python-version)"                       # 3.12.1
PYHOME="${PYHOME:-$HOME/.pyenv/versions/$PYVER}"
TAG="${TAG:-localhost/ppl-python:3.12-slim-bookworm}"
WORK="$(mktemp -d /tmp/ppl-base.XXXXXX)"
ROOTFS="$WORK/rootfs"
trap 'rm -rf "$WORK"' EXIT

command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian >"$WORK/debootstrap.log"

# The shared libraries CPython's extension modules need (as in the official slim image).
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ca-certificates libssl3 libffi8 libsqlite3-0 libbz2-1.0 liblzma5 zlib1g libreadline8 libncursesw6 \
    libuuid1 libgdbm6 libexpat1 tzdata netbase >/dev/null

# CPython from pyenv (a shared build: libpython in /usr/local/lib, found through ldconfig).
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib" "$ROOTFS/usr/local/include"
cp -a "$PYHOME/bin/python3.12" "$ROOTFS/usr/local/bin/"
ln -sf python3.12 "$ROOTFS/usr/local/bin/python3"
ln -sf python3.12 "$ROOTFS/usr/local/bin/python"
cp -a "$PYHOME"/lib/libpython3.12.so* "$ROOTFS/usr/local/lib/"
cp -a "$PYHOME/include/python3.12" "$ROOTFS/usr/local/include/"
(cd "$PYHOME/lib" && tar cf - --exclude='python3.12/site-packages/*' --exclude='python3.12/test' \
    --exclude='__pycache__' --exclude='python3.12/idlelib' --exclude='python3.12/tkinter' python3.12) \
    | tar xf - -C "$ROOTFS/usr/local/lib"
chroot "$ROOTFS" ldconfig
chroot "$ROOTFS" python3 -m ensurepip >/dev/null
chroot "$ROOTFS" python3 -c "import ssl, sqlite3, ctypes, lzma, bz2, zlib"

# This machine's CA bundle (its HTTPS goes through a proxy with its own CA) for pip in the build.
cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* \
    "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
: >"$ROOTFS/etc/resolv.conf"

tar -C "$ROOTFS" -cf "$WORK/base.tar" .
podman import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    "$WORK/base.tar" "$TAG" >/dev/null
echo "local_base_image: $TAG ($(podman image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1/1e6}'))"
