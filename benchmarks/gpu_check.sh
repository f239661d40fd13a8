#!/usr/bin/env bash
# The GPU path in one short run (issue 18): every task at the smoke budget on the device,
# the smoke study with 4 workers, runs/hour against workers, CPU-vs-device agreement.
# Results go to one JSON file, written after each check. Under 8 minutes on a GPU machine; CI runs it with --device cpu.
#
#   bash benchmarks/gpu_check.sh                       # cuda, benchmarks/results/gpu_check.json
#   bash benchmarks/gpu_check.sh --device cpu --out /tmp/gpu_check.json
set -euo pipefail
cd "$(dirname "$0")/.."
export WANDB_MODE="${WANDB_MODE:-disabled}" MPLBACKEND="${MPLBACKEND:-Agg}"
exec "${PYTHON:-python3}" benchmarks/gpu_check.py "$@"
