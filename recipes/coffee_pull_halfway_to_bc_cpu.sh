#!/usr/bin/env bash
# Experiment (issue 10): refined policies halfway back to their BC start, a guard against PPO's drift that needs no
# real episode (like weight-space ensembling of a fine-tuned model with its start, "WiSE-FT").
# The shuffled-reward nulls of the grasp-confirmation runs lose about 5 points against BC while the runs beat
# their nulls by about 9 (benchmarks/policy/gpu-scale/README.md, session 18): part of what PPO changes is drift that
# no reward asked for. All checkpoints stay close to BC (KL about 0.01); the mean weights of a run's first checkpoint
# (iteration 0, its BC start) and its last may keep what the rewards pushed and halve the rest. The mixing weight is
# fixed at 1/2 beforehand; nothing is chosen on real episodes.
# For every finished run of recipes/coffee_pull_grasp_confirmation_cpu.sh with confirmation CONFIRM (default 4,20,5)
# and ITERATIONS (default 12), its nulls included: half.zip = mean of checkpoints 0 and ITERATIONS
# (benchmarks/policy/average_checkpoints.py), evaluated on the same 150 held-out layouts
# (benchmarks/policy/gpu-scale/cpu-confirm-<run>-half.json; table: benchmarks/policy/gpu_scale_report.py).
# Cost on the 2-core CPU: about 80 s per policy in session 19 (the real evaluation; the averaging takes seconds).
# Usage: bash recipes/coffee_pull_halfway_to_bc_cpu.sh   (env: CONFIRM, ITERATIONS)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
CONFIRM="${CONFIRM:-4,20,5}"
ITERATIONS="${ITERATIONS:-12}"
last=$(printf 'iter_%04d.zip' "$ITERATIONS")
for run in runs/refine-confirm/*-"${CONFIRM//,/-}"-it"$ITERATIONS"-ppo*-{refine,null}; do
  [ -e "$run/checkpoints/$last" ] || continue
  out="benchmarks/policy/gpu-scale/cpu-confirm-$(basename "$run")-half.json"
  [ -e "$out" ] && continue
  $PY benchmarks/policy/average_checkpoints.py --run "$run" --iterations 0 "$ITERATIONS" --out "$run/half.zip"
  $DREAMGYM evaluate --model "$run/half.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
done
