#!/usr/bin/env bash
# Quickstart, as a Locust user would meet locusta: builds the Python wheel,
# installs it with pip into a fresh virtual environment (target/demo-venv),
# starts the demo shop on 127.0.0.1 and load-tests it headless for 15 seconds
# with the bundled locustfile examples/locustfile.py, run by that venv's
# `locusta` command.
#
# Usage: scripts/demo.sh [--web] [--rust] [locusta options]
# Options given here replace the defaults (-u 20 -r 10 -t 15s -H <demo target>),
# e.g. `scripts/demo.sh -u 100 -t 30s`. Exits with locusta's exit code.
# With --web, the web UI is served on 127.0.0.1 instead (its URL is logged;
# start the test from the browser, stop with Ctrl-C). With --rust, the same
# shop is tested by the Rust example `shop` instead of the locustfile.
set -euo pipefail

cd "$(dirname "$0")/.."

rust=false
for arg in "$@"; do
  [[ "$arg" == "--rust" ]] && rust=true
done

echo "demo: building the demo target..." >&2
cargo build --release --quiet -p locusta-demo-target
target_bin=target/release/locusta-demo-target

if $rust; then
  echo "demo: building the Rust example..." >&2
  cargo build --release --quiet -p locusta --example shop
  command=(target/release/examples/shop)
else
  echo "demo: building the wheel..." >&2
  scripts/build-wheel.sh --quiet >/dev/null
  venv=target/demo-venv
  rm -rf "$venv"
  python3 -m venv "$venv"
  echo "demo: pip install $(ls dist/locusta-*.whl) into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check dist/locusta-*.whl
  command=("$venv/bin/locusta" -f examples/locustfile.py)
fi

workdir="$(mktemp -d)"
target_pid=""
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  if [[ -n "$target_pid" ]]; then
    kill "$target_pid" 2>/dev/null || true
    wait "$target_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# Created first: the background process opens them only once it runs, and
# the loop below may read before that.
: >"$workdir/target.out"
: >"$workdir/target.err"
"$target_bin" --host 127.0.0.1 --port 0 >"$workdir/target.out" 2>"$workdir/target.err" &
target_pid=$!

# The target's first stdout line is `listening on http://127.0.0.1:PORT`.
url=""
for _ in $(seq 100); do
  line="$(head -n 1 "$workdir/target.out" 2>/dev/null || true)"
  if [[ "$line" == "listening on "* ]]; then
    url="${line#listening on }"
    break
  fi
  if ! kill -0 "$target_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "demo: the demo target did not start:" >&2
  cat "$workdir/target.err" >&2
  exit 1
fi
echo "demo: demo target at $url" >&2

# True when the user's arguments already set this option (long or short form).
given() {
  local arg flag
  for arg in "${user_args[@]}"; do
    for flag in "$@"; do
      if [[ "$arg" == "$flag" || "$arg" == "$flag="* ]] ||
        [[ "$flag" != --* && "$arg" == "$flag"?* ]]; then
        return 0
      fi
    done
  done
  return 1
}

user_args=()
web=false
for arg in "$@"; do
  if [[ "$arg" == "--web" ]]; then
    web=true
  elif [[ "$arg" == "--rust" ]]; then
    :
  else
    user_args+=("$arg")
  fi
done
defaults=()
if $web; then
  # The web UI on this machine only; stop with Ctrl-C.
  given --web-host || defaults+=(--web-host 127.0.0.1)
else
  given --headless || defaults+=(--headless)
  given -t --run-time || defaults+=(-t 15s)
fi
given -u --users || defaults+=(-u 20)
given -r --spawn-rate || defaults+=(-r 10)
given -H --host || defaults+=(-H "$url")

status=0
"${command[@]}" "${defaults[@]}" "${user_args[@]}" || status=$?
exit "$status"
