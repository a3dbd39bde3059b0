#!/usr/bin/env bash
# Real learning curves of the CPU runs of recipes/coffee_pull_refine_cheap_cpu.sh (and checkpoints 12 and 18
# of recipes/coffee_pull_refine_mixture_cpu.sh, whose averaged and last policies that recipe evaluates) (anchor 0.1, 64 worlds,
# 24 iterations, checkpoints every 6): each intermediate checkpoint evaluated on the same 150 held-out real
# layouts as BC and the final policy (iteration 0 is the BC policy, iteration 24 the refined one). Monitoring
# only: nothing here feeds back into refinement or checkpoint selection. About 1 min per checkpoint on the
# 2-core CPU. Then: python benchmarks/policy/gpu_scale_report.py benchmarks/policy/gpu-scale
# Usage: bash recipes/coffee_pull_refine_cpu_curve.sh   (env: SEEDS, default 0 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-0 1 2}; do
  run="runs/refine-cpu64/anchor0.1-envs64-it24-seed$s"
  for it in 0006 0012 0018; do
    out="$OUT/cpu-curve-anchor0.1-envs64-seed$s-iter$it.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$run/checkpoints/iter_$it.zip" --seeds 0 1 2 --episodes 50 --real-only \
      --out "$out" --no-progress
  done
  # the two other checkpoints averaged by recipes/coffee_pull_refine_mixture_cpu.sh (where that run exists)
  run="runs/refine-mixture/anchor0.1-envs64-it24-seed$s"
  for it in 0012 0018; do
    out="$OUT/cpu-curve-mixture-anchor0.1-envs64-seed$s-iter$it.json"
    [ ! -e "$run/checkpoints/iter_$it.zip" ] || [ -e "$out" ] || $DREAMGYM evaluate --model "$run/checkpoints/iter_$it.zip" \
      --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
  done
done
