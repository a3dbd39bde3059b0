#!/usr/bin/env bash
# Experiment (issue 10, offline checkpoint selection): does a dream the policy was NOT trained in tell the
# better checkpoints apart? Each checkpoint of the CPU runs of recipes/coffee_pull_refine_cheap_cpu.sh (trained
# in the shipped dream) is run in the dream of the H100-trained gpu-large world model (its one-step student,
# runs/bundle-gpu-large-student), 2 x 64 imagined episodes from real episode starts, no real step; compared
# with the real success of the same checkpoints (recipes/coffee_pull_refine_cpu_curve.sh).
# About 100 s per checkpoint on one CPU thread next to another run.
# Usage: bash recipes/coffee_pull_checkpoint_selection_cpu.sh   (env: SEEDS, default 2 1 0)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale/selection
mkdir -p "$OUT"
for s in ${SEEDS:-2 1 0}; do
  run="runs/refine-cpu64/anchor0.1-envs64-it24-seed$s"
  for it in 0000 0006 0012 0018 0024; do
    out="$OUT/gpu-large-dream-seed$s-iter$it.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$run/checkpoints/iter_$it.zip" --dream-only --bundle runs/bundle-gpu-large-student \
      --seeds 0 1 --dream-episodes 64 --out "$out" --no-progress
  done
done
