#!/usr/bin/env bash
# Benchmarks locusta running Python locustfiles against real Locust running the
# same files, side by side, on the demo target. See bench/README.md.
#
# Usage: bench/python.sh            (BENCH_SECONDS=15 by default)
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_init python

# Real Locust, in a virtual environment of its own (never on the project's path).
locust_version=2.47.0
venv=bench/.venv-locust
if [[ ! -x "$venv/bin/locust" ]] || ! "$venv/bin/locust" --version 2>/dev/null | grep -q "$locust_version"; then
  echo "bench: installing Locust $locust_version into $venv..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "locust==$locust_version"
fi
locust="$venv/bin/locust"

# locusta as users get it: the wheel, installed with pip into a virtual
# environment of its own (the interpreter that runs it is that venv's).
echo "bench: building the wheel..." >&2
scripts/build-wheel.sh --quiet >/dev/null
locusta_venv=bench/.venv-locusta
rm -rf "$locusta_venv"
python3 -m venv "$locusta_venv"
"$locusta_venv/bin/pip" install --quiet --disable-pip-version-check dist/locusta-*.whl
locusta="$locusta_venv/bin/locusta"
if ! "$locusta" -f bench/locustfiles/fast_fasthttp.py --list >/dev/null 2>"$out/locusta-check.log"; then
  echo "bench: SKIPPING locusta: it cannot load a Python locustfile here (see $out/locusta-check.log)" >&2
  locusta=""
fi

# measure NAME USERS FILE GENERATOR: one headless run of GENERATOR (locust or
# locusta) with FILE and USERS users, for BENCH_SECONDS (or $2 seconds when NAME
# ends in _1), recording its p50 and its own request count.
measure() {
  local name=$1 users=$2 file=$3 generator=$4 secs=$seconds
  [[ "$name" == *_1 ]] && secs=$base_seconds
  run "$name" "$generator" -f "bench/locustfiles/$file" --headless -u "$users" -r "$users" \
    -t "${secs}s" -H "$url" --only-summary --loglevel WARNING
  read -r p50 reported <<<"$(cat "$out/$name.stdout" "$out/$name.stderr" | locusta_p50 /dev/stdin)"
  echo "$name.p50=$p50" >>"$results"
  echo "$name.reported=$reported" >>"$results"
}

# steady NAME: samples the target's request counter 3 s into the next run and 2 s
# before its end, in the background: the request rate once every user runs, without
# the start-up of the interpreter and the ramp (the report shows both rates).
steady() {
  local name=$1
  (( seconds >= 8 )) || return 0
  (
    sleep 3
    echo "$(date +%s.%N) $(served)" >"$out/$name.steady"
    sleep $((seconds - 5))
    echo "$(date +%s.%N) $(served)" >>"$out/$name.steady"
  ) &
}
steady_rps() {
  [[ -s "$out/$1.steady" ]] || { echo "–"; return; }
  awk 'NR == 1 { t = $1; n = $2 } NR == 2 { printf "%.0f", ($2 - n) / ($1 - t) }' "$out/$1.steady"
}

# --- A: fast path, 50 users, FastHttpUser and HttpUser ---------------------------
start_target
for kind in fasthttp http; do
  measure "locust_${kind}_fast" 50 "fast_$kind.py" "$locust"
  [[ -n "$locusta" ]] && measure "locusta_${kind}_fast" 50 "fast_$kind.py" "$locusta"
done
stop_target

# --- B: 1000 FastHttpUsers x GET /sleep?ms=50 -------------------------------------
start_target
for generator in locust locusta; do
  bin="$locust"
  [[ "$generator" == locusta ]] && bin="$locusta"
  [[ -n "$bin" ]] || continue
  measure "${generator}_sleep_1" 1 sleep_fasthttp.py "$bin"
  steady "${generator}_sleep"
  measure "${generator}_sleep" 1000 sleep_fasthttp.py "$bin"
done
stop_target

# --- Report -------------------------------------------------------------------------
report="$out/results.md"
{
  echo "# locusta vs Locust $locust_version on the same locustfiles, $(date -u +%Y-%m-%dT%H:%M:%SZ), ${seconds} s per run"
  echo
  echo "Target: locusta-demo-target --threads 1 on CPU 0; each generator on CPU 1."
  echo "locusta: the wheel (dist/), pip-installed into bench/.venv-locusta."
  echo "Requests = the target's /stats counter after minus before each run."
  echo
  echo "## A. Fast path: GET /, 50 users, constant(0)"
  echo
  echo "| locustfile | generator | requests/s | CPU s | req per CPU-s | peak RSS MiB | p50 ms |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for kind in fasthttp http; do
    for g in locust locusta; do
      n="${g}_${kind}_fast"
      has "$n" || continue
      echo "| fast_$kind.py | $g | $(rps "$n") | $(get "$n.cpu") | $(per_cpu "$n") | $(mib "$n") | $(p50 "$n") |"
    done
    if has "locusta_${kind}_fast"; then
      echo "| fast_$kind.py | locusta / Locust | $(ratio "$(rps "locusta_${kind}_fast")" "$(rps "locust_${kind}_fast")") | | **$(ratio "$(per_cpu "locusta_${kind}_fast")" "$(per_cpu "locust_${kind}_fast")")** | | |"
    fi
  done
  echo
  echo "## B. 1000 FastHttpUsers x GET /sleep?ms=50, constant(0) (ideal ~19,200 requests/s)"
  echo
  echo "RSS per user = (peak RSS at 1000 users - peak RSS of a 1-user run) / 999."
  echo "p50: the generator's own figure; the server sleeps 50 ms (true latency ~52 ms with loopback)."
  echo
  echo "Requests/s: over the whole run, start-up included; steady: from 3 s after the start to 2 s before the end."
  echo
  echo "| generator | requests/s | steady requests/s | CPU % of one core | req per CPU-s | peak RSS MiB | RSS per user KiB | p50 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for g in locust locusta; do
    has "${g}_sleep" || continue
    echo "| $g | $(rps "${g}_sleep") | $(steady_rps "${g}_sleep") | $(cpu_pct "${g}_sleep") | $(per_cpu "${g}_sleep") | $(mib "${g}_sleep") | $(per_user_kib "${g}_sleep") | $(p50 "${g}_sleep") |"
  done
  echo
  for n in locusta_fasthttp_fast locusta_http_fast locusta_sleep; do
    if has "$n"; then
      echo "$n: locusta counted $(get "$n.reported") requests itself, the target $(get "$n.requests"); exit status $(get "$n.rc")."
    fi
  done
  echo
  echo "## Targets (issue #4)"
  echo
  if has locusta_fasthttp_fast; then
    echo "- A: locusta >= 5 x Locust FastHttpUser's requests per CPU-second: $(ratio "$(per_cpu locusta_fasthttp_fast)" "$(per_cpu locust_fasthttp_fast)") x"
  fi
  if has locusta_sleep; then
    echo "- B: >= 19,000 requests/s: $(steady_rps locusta_sleep) steady ($(rps locusta_sleep) over the whole run)"
    echo "- B: within one core: $(cpu_pct locusta_sleep) %"
    echo "- B: p50 within 2 ms of the true latency: $(p50 locusta_sleep) ms"
    echo "- B: <= 64 KiB per Python user: $(per_user_kib locusta_sleep) KiB"
  else
    echo "- locusta was not measured (it cannot run Python locustfiles in this build)."
  fi
} >"$report"

cat "$report"
echo
echo "bench: raw outputs in $PWD/$out/" >&2
