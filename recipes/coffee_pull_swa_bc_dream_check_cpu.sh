#!/usr/bin/env bash
# Experiment (issues 9 and 10): what the shipped dream makes of the weight-averaged BC policies
# (recipes/coffee_pull_bc_swa_cpu.sh, runs/bc-swa/seed<s>/bc.zip), and what `dreamgym refine` with its shipped
# defaults (256 worlds, batch 1024, 35 iterations, anchor 0.1; no flag) does to the one that fails most (seed 1).
#   1. closed-loop decision fidelity, distilled sampler (the one refinement uses), 60 held-out layouts per seed:
#      benchmarks/decision_fidelity/closed_loop/closed-loop-swa-bc-seed<s>-distilled.{json,png}; about 4 min each;
#   2. refine seed 1 with the defaults (about an hour on the 2-core CPU; resumable) and evaluate the result on the
#      150 held-out layouts of benchmarks/policy/gpu-scale/ (compared there with bc-swa-seed1.json).
# Usage: bash recipes/coffee_pull_swa_bc_dream_check_cpu.sh   (env: SEEDS for step 1, default 1 0 2; REFINE_SEEDS, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
for s in ${SEEDS:-1 0 2}; do
  bc="runs/bc-swa/seed$s/bc.zip"
  [ -e "$bc" ] || SEEDS="$s" bash recipes/coffee_pull_bc_swa_cpu.sh
  [ -e "benchmarks/decision_fidelity/closed_loop/closed-loop-swa-bc-seed$s-distilled.json" ] || \
    $PY benchmarks/decision_fidelity/closed_loop.py --sampler distilled --policy "$bc" --episodes 60 --label "swa-bc-seed$s-distilled"
done
for s in ${REFINE_SEEDS:-1}; do
  run="runs/refine-swa-bc/defaults-seed$s"
  [ -e "$run/refined.zip" ] || $DREAMGYM refine --method ppo --bc-model "runs/bc-swa/seed$s/bc.zip" --out "$run" --no-progress
  cp "$run/history.json" "benchmarks/policy/gpu-scale/cpu-history-swabc-defaults-seed$s.json"
  out="benchmarks/policy/gpu-scale/cpu-swabc-defaults-seed$s.json"
  [ -e "$out" ] || $DREAMGYM evaluate --model "$run/refined.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
