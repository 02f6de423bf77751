#!/usr/bin/env bash
# setup-deps.sh - install what tritbench needs from Debian, only what is
# missing (idempotent): compiler, CMake, SQLite (library + CLI), cJSON, PAPI,
# likwid, gnuplot, chromium (headless, for tests/e2e/test-report-chromium.sh),
# and clang with libFuzzer (libclang-rt-14-dev) for the fuzzing pass of
# scripts/test.sh, and the AArch64 cross check of scripts/test-arm64.sh:
# gcc-aarch64-linux-gnu, qemu-user and, after
# `dpkg --add-architecture arm64`, libsqlite3-dev:arm64 (where the apt
# sources serve arm64; without it test-arm64.sh builds the kernels only).  valgrind (scripts/test.sh's long mode,
# TRITBENCH_TEST_LONG=1) is not installed here: CI does not run it.
# Runs apt-get as root, or through sudo.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git libsqlite3-dev sqlite3 libcjson-dev libpapi-dev papi-tools likwid gnuplot-nox chromium
      python3 clang libclang-rt-14-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
ARM64_PKGS=(libsqlite3-dev:arm64 libcjson-dev:arm64)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
arm64_missing=()
for p in "${ARM64_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || arm64_missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#arm64_missing[@]} -eq 0 ]; then
    echo "setup-deps: everything is installed"
    exit 0
fi
echo "setup-deps: installing ${missing[*]} ${arm64_missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#arm64_missing[@]} -gt 0 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ${#arm64_missing[@]} -gt 0 ]; then
    # optional: the apt sources may not serve arm64
    $SUDO apt-get install -y -qq --no-install-recommends "${arm64_missing[@]}" ||
        echo "setup-deps: could not install ${arm64_missing[*]}: scripts/test-arm64.sh will build the kernels only"
fi
