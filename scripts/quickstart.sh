#!/usr/bin/env bash
# quickstart.sh - first README command: install what is missing, build a
# Release binary, run the `quick` suite into results/tritbench.db and print
# its summary table.  Extra arguments go to `tritbench run quick`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/tritbench info
./build/tritbench run quick --db results/tritbench.db "$@"
