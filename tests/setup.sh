#!/usr/bin/env bash
# Install everything the test suite needs; safe to run again (fast when all is present).
#   - Python packages from requirements-dev.txt (into the interpreter that runs the tests)
#   - Debian's chromium + chromium-driver for the browser tests (`playwright install` is never used)
# Usage: bash tests/setup.sh        (PYTHON=/path/to/python to pick another interpreter)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-$(command -v python3 || command -v python || true)}"
if [[ -z "$PYTHON" ]]; then
    echo "tests/setup.sh: no python3 found on PATH" >&2
    exit 1
fi

# ---------------------------------------------------------------- Python packages
pip_args=(install --quiet --disable-pip-version-check -r requirements-dev.txt)
if [[ "$(id -u)" == 0 ]]; then
    pip_args+=(--root-user-action=ignore)
fi
# A system (Debian) Python outside a virtualenv refuses pip installs (PEP 668) unless told otherwise.
if "$PYTHON" - <<'EOF'
import sys, sysconfig, pathlib
in_venv = sys.prefix != sys.base_prefix
marker = pathlib.Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"
sys.exit(0 if marker.exists() and not in_venv else 1)
EOF
then
    pip_args+=(--break-system-packages)
fi
echo "tests/setup.sh: pip ${pip_args[*]}  ($("$PYTHON" --version))"
"$PYTHON" -m pip "${pip_args[@]}"

# ---------------------------------------------------------------- Chromium for the browser tests
CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" && -x /usr/bin/chromedriver && -x /usr/sbin/haproxy ]]; then
    echo "tests/setup.sh: chromium present ($CHROMIUM), haproxy present"
else
    # haproxy: tests/test_deploy.py checks deploy/haproxy/haproxy.cfg and runs two replicas behind it.
    apt_packages=(chromium chromium-driver fonts-liberation haproxy)
    SUDO=()
    can_install=yes
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            SUDO=(sudo -n)
        else
            can_install=no
        fi
    fi
    if ! command -v apt-get >/dev/null; then
        can_install=no
    fi
    if [[ "$can_install" == yes ]]; then
        echo "tests/setup.sh: installing ${apt_packages[*]} with apt-get"
        # `env` because sudo drops the caller's environment; </dev/null: never wait for input.
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" </dev/null
    else
        echo "tests/setup.sh: $CHROMIUM is missing and cannot be installed here" \
             "(needs apt-get, and root or passwordless sudo)." >&2
        echo "  Install it yourself:  sudo apt-get install -y ${apt_packages[*]}" >&2
        echo "  Until then the browser tests are skipped locally and FAIL when CI=true." >&2
    fi
fi
