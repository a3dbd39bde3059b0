#!/usr/bin/env bash
# Null control (issue 10): the cheap CPU refinement with averaging (recipes/coffee_pull_refine_average_cpu.sh:
# shipped dream, anchor 0.1, 64 worlds, batch 512, 24 iterations, refined.zip = mean of checkpoints 12/18/24)
# with the dream's rewards permuted among the imagined worlds at every step
# (benchmarks/policy/null_reward_refine.py). If this gains as much in reality, the gains of refinement are
# not learned from the dream. final.zip and refined.zip evaluated on the 150 held-out layouts of
# benchmarks/policy/gpu-scale/. About 12 minutes per seed on the 2-core CPU.
# Usage: bash recipes/coffee_pull_refine_null_cpu.sh   (env: SEEDS, default 2 1 0)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
bc_of() { if [ "$1" = 0 ]; then echo envs/coffee-pull/policies/bc.zip; else echo "runs/bc-seed$1/bc.zip"; fi; }
for s in ${SEEDS:-2 1 0}; do
  run="runs/refine-null/shuffled-anchor0.1-envs64-it24-seed$s"
  [ -e "$run/refined.zip" ] || $PY benchmarks/policy/null_reward_refine.py --bc-model "$(bc_of "$s")" --out "$run" --seed 0 \
    --anchor-kl 0.1 --num-envs 64 --batch-size 512 --iterations 24 --checkpoint-every 6 --average-checkpoints 3 --no-progress
  cp "$run/history.json" "$OUT/cpu-history-null-anchor0.1-envs64-it24-seed$s.json"
  for policy in final refined; do
    out="$OUT/cpu-null-$policy-anchor0.1-envs64-it24-seed$s.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$run/$policy.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
  done
done
