#!/usr/bin/env bash
# Experiment (issue 10): behaviour cloning with stochastic weight averaging. Real success of the BC image
# policies is very sensitive to their weights: three seeds of one recipe reach 0.893 / 0.527 / 0.387 on the 150
# held-out layouts of benchmarks/policy/gpu-scale/, and snapshots ~100 imitation steps apart differ by up to 36
# points (recipes/coffee_pull_continued_bc_control_cpu.sh). Here each seed is trained exactly as the shipped BC
# (`dreamgym train-bc --steps 4000 --seed s --keep best-validated`) but saves the mean of its snapshots at steps 2000, 2250, ..., 4000
# (`--average-from 2000`, now the default of train-bc) instead of the snapshot with the best held-out NLL; evaluated on the same layouts.
# About 1.5 minutes per seed to train on the 2-core CPU (78-80 s recorded in runs/bc-swa/seed*/bc.json), 1.5 to evaluate.
# Usage: bash recipes/coffee_pull_bc_swa_cpu.sh   (env: SEEDS, default 2 1 0)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-2 1 0}; do
  bc="runs/bc-swa/seed$s/bc.zip"
  [ -e "$bc" ] || $DREAMGYM train-bc --data data --task coffee-pull --out "$bc" --steps 4000 --average-from 2000 --seed "$s" --no-progress
  out="$OUT/bc-swa-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$bc" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
