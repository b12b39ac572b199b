#!/usr/bin/env bash
# Build the container image, run it, and check it: healthy on /_stcore/health, warmed caches inside,
# a first fit without compiling. Prints the figures the README quotes; last line image_check=ok.
#
#   bash deploy/image_check.sh
#
# ENGINE=podman|docker (default: podman if present); BASE_IMAGE=... to build on another base (a
# machine without access to Docker Hub); ENGINE_FLAGS (global, e.g. "--runtime runc"), BUILD_FLAGS
# (e.g. "--isolation chroot --network host") and RUN_FLAGS (e.g. "--ulimit nofile=16384:16384") for
# machines that need them. Loopback only; removes its container at the end.
#
# On this project's machine (Debian 12 VM, podman 4.3.1 as root, hybrid cgroups, no Docker Hub):
#   ENGINE_FLAGS="--runtime runc" BUILD_FLAGS="--isolation chroot --network host" \
#   RUN_FLAGS="--ulimit nofile=16384:16384 --ulimit nproc=8192:8192" \
#   BASE_IMAGE=localhost/ppl-python:3.12-slim-bookworm bash deploy/image_check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ENGINE="${ENGINE:-$(command -v podman || command -v docker || true)}"
if [[ -z "$ENGINE" ]]; then
    echo "image_check: no container engine (podman or docker) found" >&2
    exit 2
fi
TAG="${TAG:-localhost/partial-pooling-lab:check}"
NAME="ppl-image-check-$$"
PORT="${PORT:-18501}"
build_args=()
[[ -n "${BASE_IMAGE:-}" ]] && build_args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
[[ "$(basename "$ENGINE")" == podman ]] && build_args+=(--format docker)  # keep HEALTHCHECK
# shellcheck disable=SC2206
build_args+=(${BUILD_FLAGS:-})
# shellcheck disable=SC2206
run_flags=(${RUN_FLAGS:-})
# shellcheck disable=SC2206
engine_flags=(${ENGINE_FLAGS:-})
eng() { "$ENGINE" "${engine_flags[@]}" "$@"; }

cleanup() { eng rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

start=$(date +%s)
eng build "${build_args[@]}" -t "$TAG" .
build_s=$(( $(date +%s) - start ))
size_mb=$(( $(eng image inspect --format '{{.Size}}' "$TAG") / 1000000 ))
echo "image_check: built $TAG in ${build_s} s, ${size_mb} MB"

if [[ " ${run_flags[*]} " == *" --network host "* ]]; then
    # Host networking: no port mapping; the server moves to $PORT (command-line flags win over CMD's).
    eng run -d --name "$NAME" "${run_flags[@]}" "$TAG" \
        python -m streamlit run app.py --server.headless true --server.port "$PORT" --server.address 127.0.0.1
else
    eng run -d --name "$NAME" "${run_flags[@]}" -p "127.0.0.1:$PORT:8501" "$TAG"
fi
t0=$(date +%s)
for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$PORT/_stcore/health" >/dev/null 2>&1; then break; fi
    sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/_stcore/health" >/dev/null
echo "image_check: healthy after $(( $(date +%s) - t0 )) s"
# The image's own HEALTHCHECK command, run once by hand (it asks port 8501 inside the container).
if [[ " ${run_flags[*]} " == *" --network host "* ]]; then
    echo "image_check: host networking (server on $PORT): the HEALTHCHECK command (port 8501) not run"
elif [[ "$(basename "$ENGINE")" == podman ]]; then
    eng healthcheck run "$NAME" && echo "image_check: HEALTHCHECK passes"
else
    for _ in $(seq 1 60); do
        [[ "$(eng inspect --format '{{.State.Health.Status}}' "$NAME")" == healthy ]] && break
        sleep 2
    done
    [[ "$(eng inspect --format '{{.State.Health.Status}}' "$NAME")" == healthy ]]
    echo "image_check: HEALTHCHECK passes"
fi

user=$(eng exec "$NAME" id -un)
[[ "$user" != root ]] || { echo "image_check: the server runs as root" >&2; exit 1; }
cached=$(eng exec "$NAME" sh -c 'ls /home/app/.cache/partial-pooling-lab/pytensor/numba | wc -l')
cache_mb=$(eng exec "$NAME" du -sm /home/app/.cache/partial-pooling-lab | cut -f1)
echo "image_check: runs as $user; compile caches in the image: ${cached} numba files, ${cache_mb} MB"
[[ "$cached" -gt 0 ]] || { echo "image_check: no compiled cache in the image" >&2; exit 1; }

# A fresh process in the container: fit eight schools (warmed at build time) and time it, then the
# same with empty caches (what a container without the build's warm-up would do).
timed() { local t0; t0=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')"; }
fit=(python -m hbm_core fit --dataset eight_schools --model all --draws 500)
fit_s=$(timed eng exec "$NAME" "${fit[@]}")
empty_s=$(timed eng exec -e PYTENSOR_FLAGS=base_compiledir=/tmp/empty,cxx= -e NUMBA_CACHE_DIR=/tmp/empty-numba \
    "$NAME" "${fit[@]}")
echo "image_check: three fits in a fresh process (imports included): ${fit_s} s with the image's caches," \
    "${empty_s} s with empty caches"
echo "image_check=ok build_s=${build_s} size_mb=${size_mb} cache_mb=${cache_mb} first_fit_s=${fit_s}" \
    "empty_cache_fit_s=${empty_s}"
