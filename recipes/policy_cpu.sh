#!/usr/bin/env bash
# Regenerate the policy stage of the shipped coffee-pull bundle on a 2-core CPU, as it was produced:
#   1. BC: Gaussian image policy fit to the 50 expert demos of data/coffee-pull (4000 steps, ~1.5 min)
#   2. the paper's 150 BC-policy rollouts, recorded in real Meta-World as source "bc" (~1 min)
#   3. reward classifier retrained on all coffee-pull data incl. the BC rollouts, with frames imagined
#      by the 7000-step world model of recipes/coffee_pull_simulator_cpu.sh (~14 min)
#   4. that world model trained 1800 more steps (resumed from a copy of its run) on the data incl. the
#      BC rollouts (~18 min), then exported with the new classifier to envs/coffee-pull, keeping the
#      first 26 frames of each of the 342 training episodes as starting states (bundle under 50 MB)
#   5. BC shipped as envs/coffee-pull/policies/bc.zip; benchmarks/policy/run.py: 3 seeds x {std clipping,
#      no clipping} PPO refinements in the dream, learning curves, final real and dream evaluation (~1 h)
#   6. the seed-0 refined policy (with clipping) shipped as envs/coffee-pull/policies/refined.zip;
#      the dream-vs-real diagnostic of the BC policy
# Needs data/ (`dreamgym collect --task coffee-pull --out data --workers 2`) and the 7000-step run
# $ROOT/world-model-coffee-pull-cpu of recipes/world_model_cpu.sh.
# Usage: bash recipes/policy_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
# --keep best-validated: BC as it was made when this recipe ran (train-bc now saves weight-averaged BC by default)
$DREAMGYM train-bc --data data --task coffee-pull --out "$ROOT/bc-coffee-pull/bc.zip" --steps 4000 --seed 0 --keep best-validated --no-progress
$DREAMGYM collect --task coffee-pull --out data --expert 0 --noisy-expert 0 --random 0 \
  --bc 150 --bc-policy "$ROOT/bc-coffee-pull/bc.zip" --workers 2 --no-progress
$DREAMGYM train-reward --data data --task coffee-pull --out "$ROOT/reward-coffee-pull-bc" --steps 2000 --no-progress \
  --world-model "$ROOT/world-model-coffee-pull-cpu/world_model" --imagined-horizon 8
if [ ! -e "$ROOT/world-model-coffee-pull-bc/checkpoint.pt" ]; then
  mkdir -p "$ROOT/world-model-coffee-pull-bc"
  cp "$ROOT/world-model-coffee-pull-cpu/checkpoint.pt" "$ROOT/world-model-coffee-pull-bc/"
fi
$DREAMGYM train-world-model --data data --task coffee-pull --out "$ROOT/world-model-coffee-pull-bc" \
  --channels 64 64 128 128 --layers-per-block 1 --patch-size 2 --action-encoding two_hot \
  --batch-size 32 --lr 3e-4 --steps 8800 --checkpoint-every 250 --eval-every 900 --seed 0 --no-progress
$DREAMGYM export-bundle --run "$ROOT/world-model-coffee-pull-bc" --reward-run "$ROOT/reward-coffee-pull-bc" --out envs/coffee-pull \
  --initial-state-frames 26 \
  --notes "CPU recipes: recipes/world_model_cpu.sh (7000 steps), then recipes/policy_cpu.sh (1800 more steps with BC rollouts added; reward classifier retrained on all of it)."
mkdir -p envs/coffee-pull/policies
cp "$ROOT/bc-coffee-pull/bc.zip" envs/coffee-pull/policies/bc.zip
$PY benchmarks/policy/run.py --bc envs/coffee-pull/policies/bc.zip --runs "$ROOT/policy-bench"
cp "$ROOT/policy-bench/refined-seed0/refined.zip" envs/coffee-pull/policies/refined.zip
$PY benchmarks/policy/dream_gap.py --model envs/coffee-pull/policies/bc.zip --out benchmarks/policy/dream_gap-bc.json
$PY benchmarks/policy/dream_gap.py --model envs/coffee-pull/policies/refined.zip --out benchmarks/policy/dream_gap-refined.json
