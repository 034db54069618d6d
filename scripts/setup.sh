#!/usr/bin/env bash
# Set up everything the grader needs on a Debian/Ubuntu machine; safe to run again (fast no-op).
#  - system packages where missing: bubblewrap (the sandbox), python3-venv (apt, needs root/sudo)
#  - a virtual environment with the grader, torch (CPU build here) and the test tools
#  - with --services (the test command): redis-server (the tests start their own) and a
#    PostgreSQL answering on 127.0.0.1:5432 with a database `test` (installed and started if
#    nothing answers there), and chromium for the browser tests
# The venv must be readable by the sandbox's unprivileged uid: when the checkout sits under a
# private directory (e.g. /root), the venv goes to /opt/grader-venvs/ and .venv links to it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi; }

pick_python() {
  for py in /usr/bin/python3.11 /usr/bin/python3 /usr/local/bin/python3.11 /usr/local/bin/python3; do
    if [ -x "$py" ] && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0; fi
  done
  return 1
}

services=false
[ "${1:-}" = "--services" ] && services=true

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
if $services; then
  command -v redis-server >/dev/null || missing+=(redis-server)
  port_open 5432 || command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  # the browser tests drive Debian's chromium with Playwright (no browser download)
  command -v chromium >/dev/null || missing+=(chromium)
fi
command -v setpriv >/dev/null || missing+=(util-linux)
python=$(pick_python || true)
[ -n "$python" ] || missing+=(python3)
if [ -n "$python" ] && ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  python=$(pick_python) || { echo "setup: Python >= 3.11 is required" >&2; exit 1; }
fi

if $services && ! port_open 5432; then
  echo "setup: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -n | tail -1)
  sudo_ pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 50); do port_open 5432 && break; sleep 0.2; done
  # the tests connect as postgres/postgres over TCP (a trust setup ignores the password)
  sudo_ su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  sudo_ su postgres -c "psql -lqt | cut -d'|' -f1 | grep -qw test || createdb test"
fi

venv="$repo/.venv"
if [ "$(id -u)" = 0 ] && [ ! -L "$venv" ] && \
   ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$repo/pyproject.toml" 2>/dev/null; then
  venv="/opt/grader-venvs/$(printf %s "$repo" | sha1sum | cut -c1-12)"
  mkdir -p /opt/grader-venvs && chmod 755 /opt/grader-venvs
  ln -sfn "$venv" "$repo/.venv"
  echo "setup: $repo is private; the venv lives in $venv (.venv links to it)"
elif [ -L "$venv" ]; then
  venv=$(readlink -f "$venv")
fi

stamp="$venv/.grader-setup"
want=$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -c1-40)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
# torch first and pinned, so nothing pulls a CUDA build (several GB). On a machine without the
# local CPU wheel, set TORCH_INDEX_URL to PyTorch's CPU-only wheel index.
"${pip[@]}" ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} "torch==2.13.0"
"${pip[@]}" -e ".[test]"
echo "$want" > "$stamp"
echo "setup: ready ($venv)"
