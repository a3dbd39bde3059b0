#!/usr/bin/env bash
# Control for recipes/coffee_pull_refine_demo_cpu.sh (issue 10): the same 352 demonstration gradient steps
# (lr 1e-4, batch 64, NLL x DEMO_NLL), from the same BC seeds, without PPO and without the dream
# (benchmarks/policy/continued_bc.py). averaged.zip is the mean after steps 160/256/352, the counterpart of the
# refinement's checkpoints 12/18/24; final.zip the last. Both evaluated on the 150 held-out layouts of
# benchmarks/policy/gpu-scale/, and so are the snapshots after steps 160 and 256 (cpu-continued-bc*-step0160-*).
# About 1 minute per seed to train, 6 to evaluate, on the 2-core CPU.
# Usage: bash recipes/coffee_pull_continued_bc_control_cpu.sh   (env: SEEDS, default 2 1 0; DEMO_NLL, default 0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
COEF="${DEMO_NLL:-0.5}"
bc_of() { if [ "$1" = 0 ]; then echo envs/coffee-pull/policies/bc.zip; else echo "runs/bc-seed$1/bc.zip"; fi; }
for s in ${SEEDS:-2 1 0}; do
  run="runs/continued-bc/demo$COEF-seed$s"
  [ -e "$run/averaged.zip" ] || $PY benchmarks/policy/continued_bc.py --bc-model "$(bc_of "$s")" --out "$run" --coef "$COEF"
  for policy in final averaged step_0160 step_0256; do  # the two snapshots: how far real success moves between them
    out="$OUT/cpu-continued-bc$COEF-${policy/_/}-seed$s.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$run/$policy.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
  done
done
