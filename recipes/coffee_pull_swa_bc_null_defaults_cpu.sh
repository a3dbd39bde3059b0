#!/usr/bin/env bash
# Null control (issue 10) for `dreamgym refine` with its shipped defaults (256 worlds, batch 1024, 35 iterations,
# anchor 0.1, pessimistic confirmation, 20-decision episodes from random real contexts) on the weight-averaged BC
# (runs/bc-swa/seed<s>/bc.zip, recipes/coffee_pull_bc_swa_cpu.sh): the same run with the dream's rewards permuted
# among the imagined worlds at every step (benchmarks/policy/null_reward_refine.py). If it gains as much in reality
# as the real run (recipes/coffee_pull_swa_bc_dream_check_cpu.sh, step 2), that gain was not learned from the dream.
# Evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/. About an hour per seed on the 2-core CPU.
# Usage: bash recipes/coffee_pull_swa_bc_null_defaults_cpu.sh   (env: SEEDS, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-1}; do
  bc="runs/bc-swa/seed$s/bc.zip"
  [ -e "$bc" ] || SEEDS="$s" bash recipes/coffee_pull_bc_swa_cpu.sh
  run="runs/refine-null/swabc-defaults-seed$s"
  [ -e "$run/refined.zip" ] || $PY benchmarks/policy/null_reward_refine.py --bc-model "$bc" --out "$run" --no-progress
  cp "$run/history.json" "$OUT/cpu-history-null-swabc-defaults-seed$s.json"
  out="$OUT/cpu-null-swabc-defaults-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$run/refined.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
