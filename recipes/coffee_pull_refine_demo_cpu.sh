#!/usr/bin/env bash
# Experiment (issue 10): DAPG's demonstration term next to PPO (`dreamgym refine --demo-nll`). In the dream,
# grasps that fail in reality are drawn as held (benchmarks/decision_fidelity/README.md, closed loop), so PPO
# cannot learn where to close the fingers from imagined rewards. The 50 recorded expert demonstrations show
# it on real frames: every PPO minibatch adds DEMO_NLL x the NLL of a minibatch of their (frame, action) pairs.
# Otherwise the cheap CPU recipe with averaging (recipes/coffee_pull_refine_average_cpu.sh): shipped dream,
# anchor 0.1, 64 worlds, batch 512, 24 iterations, checkpoints every 6; refined.zip is the mean of
# checkpoints 12/18/24, final.zip the last one; both evaluated on the same 150 held-out real layouts as
# benchmarks/policy/gpu-scale/. No real step: the demonstrations are the recorded expert episodes (BC's data).
# Needs data/ (the data recipe) and runs/bc-seed{1,2}: `dreamgym train-bc --data data --steps 4000 --seed s
# --keep best-validated --out runs/bc-seed<s>/bc.zip` (bit-identical to the files used here; checked for seed 1).
# Usage: bash recipes/coffee_pull_refine_demo_cpu.sh   (env: SEEDS, default 2 1 0; DEMO_NLL, default 0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
COEF="${DEMO_NLL:-0.5}"
bc_of() { if [ "$1" = 0 ]; then echo envs/coffee-pull/policies/bc.zip; else echo "runs/bc-seed$1/bc.zip"; fi; }
for s in ${SEEDS:-2 1 0}; do
  run="runs/refine-demo/demo$COEF-anchor0.1-envs64-it24-seed$s"
  [ -e "$run/refined.zip" ] || $DREAMGYM refine --method ppo --bc-model "$(bc_of "$s")" --out "$run" --seed 0 --anchor-kl 0.1 \
    --demo-nll "$COEF" --num-envs 64 --batch-size 512 --iterations 24 --checkpoint-every 6 --average-checkpoints 3 \
    --no-progress
  cp "$run/history.json" "$OUT/cpu-history-demo$COEF-anchor0.1-envs64-it24-seed$s.json"
  for policy in final refined; do
    out="$OUT/cpu-demo$COEF-$policy-anchor0.1-envs64-it24-seed$s.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$run/$policy.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
  done
done
