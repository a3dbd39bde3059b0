#!/usr/bin/env bash
# Companion of recipes/coffee_pull_bc_swa_cpu.sh (issue 10): is it the averaging or only the later weights? Each
# BC seed trained as the shipped BC (`dreamgym train-bc --steps 4000 --seed s --keep best-validated`) but saving its last weights
# (`--average-from 4000`: the mean of the single snapshot at step 4000); evaluated on the same 150 held-out
# layouts of benchmarks/policy/gpu-scale/. About 1.5 minutes per seed to train on the 2-core CPU, 1.5 to evaluate.
# Usage: bash recipes/coffee_pull_bc_last_cpu.sh   (env: SEEDS, default 2 1 0)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-2 1 0}; do
  bc="runs/bc-last/seed$s/bc.zip"
  [ -e "$bc" ] || $DREAMGYM train-bc --data data --task coffee-pull --out "$bc" --steps 4000 --average-from 4000 --seed "$s" --no-progress
  out="$OUT/bc-last-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$bc" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
