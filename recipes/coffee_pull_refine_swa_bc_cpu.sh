#!/usr/bin/env bash
# Experiment (issue 10): refinement of the BC policies trained with weight averaging
# (recipes/coffee_pull_bc_swa_cpu.sh, runs/bc-swa/seed<s>/bc.zip), with the cheap CPU recipe and averaging of
# recipes/coffee_pull_refine_average_cpu.sh: shipped dream, anchor 0.1, 64 worlds, batch 512, 24 iterations,
# checkpoints every 6, refined.zip = mean of checkpoints 12/18/24, final.zip the last. Evaluated on the same 150
# held-out layouts of benchmarks/policy/gpu-scale/ and compared there with bc-swa-seed<s>.json.
# About 12 minutes per seed on the 2-core CPU.
# Usage: bash recipes/coffee_pull_refine_swa_bc_cpu.sh   (env: SEEDS, default 2 1 0; PPO_SEED, default 0: the
# seed of PPO and the dream; other values write their files with a -ppo<seed> suffix)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
OUT=benchmarks/policy/gpu-scale
for s in ${SEEDS:-2 1 0}; do
  bc="runs/bc-swa/seed$s/bc.zip"
  [ -e "$bc" ] || SEEDS="$s" bash recipes/coffee_pull_bc_swa_cpu.sh
  ppo="${PPO_SEED:-0}"; tag=""; [ "$ppo" = 0 ] || tag="-ppo$ppo"
  run="runs/refine-swa-bc/anchor0.1-envs64-it24$tag-seed$s"
  [ -e "$run/refined.zip" ] || $DREAMGYM refine --method ppo --bc-model "$bc" --out "$run" --seed "$ppo" --anchor-kl 0.1 \
    --num-envs 64 --batch-size 512 --iterations 24 --checkpoint-every 6 --average-checkpoints 3 --no-progress
  cp "$run/history.json" "$OUT/cpu-history-swabc-anchor0.1-envs64-it24$tag-seed$s.json"
  for policy in final refined; do
    out="$OUT/cpu-swabc-$policy-anchor0.1-envs64-it24$tag-seed$s.json"
    [ -e "$out" ] || $DREAMGYM evaluate --model "$run/$policy.zip" --seeds 0 1 2 --episodes 50 --real-only --out "$out" --no-progress
  done
done
