#!/usr/bin/env bash
# setup-deps.sh - install what tritbench needs from Debian, only what is
# missing (idempotent): compiler, CMake, SQLite (library + CLI), cJSON, PAPI,
# likwid, gnuplot, and clang with libFuzzer (libclang-rt-14-dev) for the
# fuzzing pass of scripts/test.sh.  valgrind (scripts/test.sh's long mode,
# TRITBENCH_TEST_LONG=1) is not installed here: CI does not run it.
# Runs apt-get as root, or through sudo.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git libsqlite3-dev sqlite3 libcjson-dev libpapi-dev papi-tools likwid gnuplot-nox python3
      clang libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-deps: everything is installed"
    exit 0
fi
echo "setup-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
