#!/usr/bin/env bash
# Installs, only when missing, the system tools locusta's tests and benchmarks
# need on a Debian machine (the Rust toolchain is expected to be present).
#
# Usage: scripts/setup.sh [test|bench|all]   (default: all)
set -euo pipefail

group="${1:-all}"

# "check:package" pairs; a check is a command name or an absolute path.
# The wheel's tests make virtual environments with Debian's own python3 too,
# which needs python3-venv (its documentation folder tells it is installed).
test_needs=(cc:build-essential pkg-config:pkg-config xmllint:libxml2-utils /usr/bin/chromium:chromium chromedriver:chromium-driver
  /usr/bin/python3:python3 /usr/share/doc/python3-venv:python3-venv
  ip:iproute2 iptables:iptables # network-fault tests: namespaces, veth links, packet filters
  /usr/sbin/mosquitto:mosquitto # the MQTT broker of locust.contrib.mqtt's test
  prometheus:prometheus promtool:prometheus) # /metrics tests: a real server scrapes, promtool checks the text
bench_needs=(wrk:wrk /usr/bin/time:time taskset:util-linux curl:curl timeout:coreutils pgrep:procps)

case "$group" in
  test) needs=("${test_needs[@]}") ;;
  bench) needs=("${bench_needs[@]}") ;;
  all) needs=("${test_needs[@]}" "${bench_needs[@]}") ;;
  *)
    echo "usage: $0 [test|bench|all]" >&2
    exit 2
    ;;
esac

present() {
  if [[ "$1" == /* ]]; then
    [[ -x "$1" ]]
  else
    command -v "$1" >/dev/null 2>&1
  fi
}

missing=()
for need in "${needs[@]}"; do
  check="${need%%:*}"
  package="${need#*:}"
  if ! present "$check"; then
    missing+=("$package")
  fi
done

# Python locustfiles: CPython 3.9+ with its shared library (pyo3 links it) and
# gevent (users are greenlets). `requests` is optional (HTTPError's base);
# Flask is for locustfiles that extend the web UI.
python_setup() {
  local python="${PYO3_PYTHON:-python3}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup: $python not found; install CPython 3.9 or newer (with libpython)" >&2
    return 1
  fi
  if ! "$python" -c 'import gevent' >/dev/null 2>&1; then
    echo "setup: installing gevent for $python" >&2
    local log
    log="$(mktemp)"
    if ! "$python" -m pip install --quiet --disable-pip-version-check gevent >"$log" 2>&1; then
      # Debian's own python3 refuses pip installs: use its package instead.
      if [[ "$(command -v "$python")" == /usr/bin/* ]]; then
        missing+=(python3-gevent)
      else
        cat "$log" >&2
        rm -f "$log"
        echo "setup: could not install gevent" >&2
        return 1
      fi
    fi
    rm -f "$log"
  fi
  # locust-plugins, for the tests of it under locusta. --no-deps: its one
  # real dependency is Locust, which locusta's own `locust` package replaces.
  if ! "$python" -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("locust_plugins") else 1)' >/dev/null 2>&1; then
    echo "setup: installing locust-plugins for $python" >&2
    local plugins=(-m pip install --quiet --disable-pip-version-check --no-deps locust-plugins==5.0.3 typing-extensions)
    # Debian's own python3 refuses pip installs unless told otherwise.
    "$python" "${plugins[@]}" 2>/dev/null || "$python" "${plugins[@]}" --break-system-packages ||
      { echo "setup: could not install locust-plugins" >&2; return 1; }
  fi
  # Flask, for the tests of locustfiles that extend the web UI (web_ui.app).
  if ! "$python" -c 'import flask' >/dev/null 2>&1; then
    echo "setup: installing flask for $python" >&2
    local flask=(-m pip install --quiet --disable-pip-version-check flask)
    "$python" "${flask[@]}" 2>/dev/null || "$python" "${flask[@]}" --break-system-packages ||
      { echo "setup: could not install flask" >&2; return 1; }
  fi
  # pytest, for the tests of pytest-style locustfiles (pytest collects their
  # test functions, which become users); paho-mqtt and qdrant-client, for the
  # tests of locust.contrib.mqtt and locust.contrib.qdrant; pymilvus and
  # milvus-lite, for locust.contrib.milvus; pyftpdlib and selenium, for
  # locust-plugins' FtpUser and WebdriverUser.
  if ! "$python" -c 'import pytest, paho.mqtt, qdrant_client, pymilvus, milvus_lite, pyftpdlib, selenium' >/dev/null 2>&1; then
    echo "setup: installing the Python packages of the tests for $python" >&2
    local clients=(-m pip install --quiet --disable-pip-version-check pytest paho-mqtt qdrant-client pymilvus milvus-lite pyftpdlib selenium)
    "$python" "${clients[@]}" 2>/dev/null || "$python" "${clients[@]}" --break-system-packages ||
      { echo "setup: could not install the Python packages of the tests" >&2; return 1; }
  fi
  # pyo3 links libpython: Debian's python3 needs its development package.
  if ! "$python" -c 'import sysconfig, os, sys; d = sysconfig.get_config_var("LIBDIR"); l = sysconfig.get_config_var("LDLIBRARY"); sys.exit(0 if d and l and os.path.exists(os.path.join(d, l)) else 1)' >/dev/null 2>&1 &&
    [[ "$(command -v "$python")" == /usr/bin/* ]]; then
    missing+=(libpython3-dev)
  fi
}

# The interoperability tests (a locusta worker with a Locust master and the
# reverse) run real Locust, from the virtualenv bench/python.sh also uses.
locust_version=2.47.0
locust_setup() {
  local venv
  venv="$(dirname "$0")/../bench/.venv-locust"
  if [[ -x "$venv/bin/locust" ]] && "$venv/bin/locust" --version 2>/dev/null | grep -q "$locust_version"; then
    return 0
  fi
  echo "setup: installing Locust $locust_version into bench/.venv-locust" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "locust==$locust_version"
}

if [[ "$group" != bench ]]; then
  python_setup
  locust_setup
fi

# The container tests: Docker Engine, Compose and the local base image.
if [[ "$group" != bench ]]; then
  "$(dirname "$0")/docker.sh" >/dev/null ||
    echo "setup: Docker is not usable here (target/docker-unavailable says why when dockerd cannot start)" >&2
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

echo "setup: installing ${missing[*]}" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq &&
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: could not install ${missing[*]}" >&2
  exit 1
fi
