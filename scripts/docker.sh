#!/usr/bin/env bash
# Makes a Docker Engine usable for locusta's container tests on a Debian
# machine, doing each step only when it is missing:
#
#   1. installs Debian's docker.io, docker-compose and debootstrap;
#   2. starts dockerd in the background when no daemon answers (no systemd
#      needed; its log goes to target/dockerd.log);
#   3. builds the local base image locusta-base:bookworm (Debian bookworm,
#      minbase, with python3, python3-venv and python3-pip) with debootstrap
#      and `docker import`, since no image registry may be reachable.
#
# On success it prints the base image's tag and removes
# target/docker-unavailable. When the daemon cannot be made to answer, it
# writes the reason to target/docker-unavailable (the container tests read it)
# and exits with status 1.
#
# Usage: scripts/docker.sh
# Environment: LOCUSTA_BASE_IMAGE (default locusta-base:bookworm) names the
# base image to build; DEBIAN_MIRROR overrides the mirror debootstrap uses
# (by default the one apt uses for bookworm).
set -euo pipefail
cd "$(dirname "$0")/.."

base_image="${LOCUSTA_BASE_IMAGE:-locusta-base:bookworm}"
mkdir -p target
unavailable=target/docker-unavailable
daemon_log="$PWD/target/dockerd.log"

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

say() { echo "docker.sh: $*" >&2; }

give_up() {
  printf '%s\n' "$*" >"$unavailable"
  say "DOCKER UNAVAILABLE: $*"
  exit 1
}

# 1. Packages.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  missing+=(docker-compose)
fi
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing ${missing[*]}"
  log="$(mktemp)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -20 "$log" >&2
    rm -f "$log"
    give_up "could not install ${missing[*]} with apt-get"
  fi
  rm -f "$log"
fi

# 2. The daemon.
if ! "${sudo[@]}" docker info >/dev/null 2>&1; then
  if pgrep -x dockerd >/dev/null 2>&1; then
    say "dockerd is running but does not answer yet; waiting"
  else
    say "starting dockerd (log: $daemon_log)"
    # setsid: the daemon outlives this script and the test that ran it.
    "${sudo[@]}" setsid dockerd >"$daemon_log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    if "${sudo[@]}" docker info >/dev/null 2>&1; then
      break
    fi
    if ! pgrep -x dockerd >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done
  if ! "${sudo[@]}" docker info >/dev/null 2>&1; then
    why="dockerd did not start or does not answer on its socket"
    if [[ -s "$daemon_log" ]]; then
      why="$why; the end of $daemon_log: $(tail -5 "$daemon_log" | tr '\n' ' ')"
    fi
    give_up "$why"
  fi
fi
rm -f "$unavailable"

# 3. The base image.
if "${sudo[@]}" docker image inspect "$base_image" >/dev/null 2>&1; then
  echo "$base_image"
  exit 0
fi

mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  # The first bookworm mirror apt is configured with (deb822 or one-line form).
  mirror="$(
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri != "") { print uri; exit } }'
  )"
fi
if [[ -z "$mirror" ]]; then
  mirror="$(
    grep -hE '^deb .* bookworm( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }'
  )"
fi
if [[ -z "$mirror" ]]; then
  say "no bookworm mirror in apt's sources; set DEBIAN_MIRROR"
  exit 1
fi

rootfs="$PWD/target/base-rootfs"
say "building $base_image with debootstrap from $mirror (about a minute)"
"${sudo[@]}" rm -rf "$rootfs"
log="$(mktemp)"
if ! "${sudo[@]}" debootstrap --variant=minbase \
  --include=python3,python3-venv,python3-pip,ca-certificates \
  bookworm "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -20 "$log" >&2
  rm -f "$log"
  "${sudo[@]}" rm -rf "$rootfs"
  say "debootstrap failed"
  exit 1
fi
rm -f "$log"
# Nothing the image needs at run time: package lists, caches, logs.
"${sudo[@]}" rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
  "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs"/tmp/*
"${sudo[@]}" tar -C "$rootfs" --numeric-owner -c . |
  "${sudo[@]}" docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$base_image" >/dev/null
"${sudo[@]}" rm -rf "$rootfs"
say "built $base_image"
echo "$base_image"
