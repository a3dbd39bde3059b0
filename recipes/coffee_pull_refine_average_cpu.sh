#!/usr/bin/env bash
# Experiment (issue 10): checkpoint averaging. The CPU refinement runs of recipes/coffee_pull_refine_cheap_cpu.sh
# swing by up to 10 real points between checkpoints (recipes/coffee_pull_refine_cpu_curve.sh); the weights of
# checkpoints 12, 18 and 24 averaged into one policy (benchmarks/policy/average_checkpoints.py; chosen before
# any evaluation: the second half of the run), evaluated on the same 150 held-out real layouts.
# About 1.5 min per seed on the 2-core CPU. Then: python benchmarks/policy/gpu_scale_report.py benchmarks/policy/gpu-scale
# Usage: bash recipes/coffee_pull_refine_average_cpu.sh   (env: SEEDS, default 0 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-0 1 2}; do
  run="runs/refine-cpu64/anchor0.1-envs64-it24-seed$s"
  [ -e "$run/averaged-12-18-24.zip" ] || $PY benchmarks/policy/average_checkpoints.py --run "$run" --iterations 12 18 24 \
    --out "$run/averaged-12-18-24.zip"
  out="$OUT/cpu-averaged-12-18-24-anchor0.1-envs64-it24-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$run/averaged-12-18-24.zip" --seeds 0 1 2 --episodes 50 --real-only \
    --out "$out" --no-progress
done
