#!/usr/bin/env bash
# Experiment after recipes/coffee_pull_refine_gpu.sh: does the new `dreamgym refine` default (anchor 0.1)
# also gain with what a 2-core CPU can afford? 64 imagined worlds per update (batch 512) instead of
# 256, ITERATIONS iterations, in the shipped dream; then the same real evaluation as the GPU runs
# (150 held-out layouts, compared with benchmarks/policy/gpu-scale/bc-seed<s>.json).
# About 22 s per iteration on the 2-core CPU (513-544 s per 24-iteration run).
# Usage: bash recipes/coffee_pull_refine_cheap_cpu.sh   (env: SEEDS, default 1; ITERATIONS, default 24)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
ITERATIONS="${ITERATIONS:-24}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-1}; do
  bc=envs/coffee-pull/policies/bc.zip; [ "$s" = 0 ] || bc="runs/bc-seed$s/bc.zip"  # train-bc --seed s, as in the GPU recipe
  run="runs/refine-cpu64/anchor0.1-envs64-it$ITERATIONS-seed$s"
  [ -e "$run/refined.zip" ] || $DREAMGYM refine --method ppo --bc-model "$bc" --out "$run" --seed 0 --anchor-kl 0.1 \
    --num-envs 64 --batch-size 512 --iterations "$ITERATIONS" --checkpoint-every 6 --no-progress
  cp "$run/history.json" "$OUT/cpu-history-anchor0.1-envs64-it$ITERATIONS-seed$s.json"
  out="$OUT/cpu-anchor0.1-envs64-it$ITERATIONS-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$run/refined.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
