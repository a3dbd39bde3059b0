#!/usr/bin/env bash
# GPU recipe (issue 10, deliverable 4): `dreamgym refine` at scale in the shipped coffee-pull dream on one H100.
# BC seeds 0/1/2 (envs/coffee-pull/policies/bc.zip and `dreamgym train-bc --steps 4000 --seed 1|2 --keep best-validated`, as in
# coffee_pull_goal_disc_cpu.sh), each refined twice, all six runs side by side on the one GPU:
#   defaults: `dreamgym refine`'s defaults when this ran (anchor 1.0, pessimistic success, 20-decision
#             horizons from random real starts, the distilled sampler)
#   anchor0.1: the same with a ten times weaker behaviour anchor (the best setting in the yellow-mug dream);
#             with 256 worlds this became `dreamgym refine`'s default (benchmarks/policy/gpu-scale/)
# each with 256 imagined worlds per update (16 times the defaults of that time), batch 1024, ITERATIONS iterations,
# a checkpoint every 5. A run still going after MINUTES is stopped and its latest checkpoint is its
# result (the lent machine's calls last 10 minutes). No real Meta-World step is taken here; the
# refined policies are evaluated on the CPU afterwards (recipes/README.md).
# On a bare lent machine: DREAMGYM="python3 recipes/device/dreamgym_without_ffmpeg.py", dreamgym's
# missing wheels on PYTHONPATH, and BUNDLE a copy of envs/coffee-pull small enough to carry.
# Usage: bash recipes/coffee_pull_refine_gpu.sh   (env: BUNDLE, BC_SEED0, BC_SEED1, BC_SEED2, ITERATIONS, MINUTES, RUNS,
#        NUM_ENVS, BATCH, DEVICE)
set -euo pipefail
cd "$(dirname "$0")/.."
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
BUNDLE="${BUNDLE:-envs/coffee-pull}"
RUNS="${RUNS:-runs/refine-gpu}"
ITERATIONS="${ITERATIONS:-40}"
MINUTES="${MINUTES:-60}"
NUM_ENVS="${NUM_ENVS:-256}"; BATCH="${BATCH:-1024}"; DEVICE="${DEVICE:-cuda}"  # (smaller and cpu: a smoke test)
policies=("${BC_SEED0:-envs/coffee-pull/policies/bc.zip}" "${BC_SEED1:-runs/bc-seed1/bc.zip}" "${BC_SEED2:-runs/bc-seed2/bc.zip}")
mkdir -p "$RUNS"
export OMP_NUM_THREADS=2
pids=()
for config in defaults anchor0.1; do
  extra=(--anchor-kl 1.0); [ $config = defaults ] || extra=(--anchor-kl 0.1)
  for seed in 0 1 2; do
    run="$RUNS/$config-seed$seed"
    timeout "${MINUTES}m" $DREAMGYM refine --method ppo --bc-model "${policies[$seed]}" --bundle "$BUNDLE" --out "$run" \
      --num-envs "$NUM_ENVS" --batch-size "$BATCH" --iterations "$ITERATIONS" --checkpoint-every 5 --seed 0 \
      --device "$DEVICE" \
      --no-progress "${extra[@]}" > "$run.log" 2>&1 &
    pids+=($!)
  done
done
for pid in "${pids[@]}"; do wait "$pid" || echo "a run ended with status $? (124: stopped at $MINUTES minutes)"; done
for run in "$RUNS"/*-seed?; do  # the result: refined.zip, or the latest checkpoint of a stopped run
  latest=$(ls "$run"/checkpoints/iter_*.zip 2>/dev/null | sort | tail -n 1 || true)
  [ -n "$latest" ] || { echo "$run: stopped before its first checkpoint"; continue; }
  [ -e "$run/refined.zip" ] || cp "$latest" "$run/refined.zip"
  echo "$run: $(basename "$latest")"
done
