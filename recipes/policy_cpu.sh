#!/usr/bin/env bash
# Regenerate the shipped coffee-pull policies and the policy benchmark on a 2-core CPU.
#   1. BC: Gaussian image policy fit to the 50 expert demos of data/coffee-pull (4000 steps, ~1.5 min)
#   2. the paper's 150 BC-policy rollouts per task, recorded in real Meta-World as source "bc" (~1 min)
#   3. reward classifier retrained on all coffee-pull data incl. the BC rollouts, with frames imagined
#      by the shipped world model (~10 min), swapped into envs/coffee-pull (world model unchanged)
#   4. benchmarks/policy/run.py: 3 seeds x {std clipping, no clipping} PPO refinements in the dream,
#      learning curves and final real/dream evaluation (about an hour)
#   5. ship BC and the seed-0 refined policy (with clipping) as envs/coffee-pull/policies/{bc,refined}.zip
# Needs data/ from `dreamgym collect --task coffee-pull --out data --workers 2`.
# Usage: bash recipes/policy_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
$DREAMGYM train-bc --data data --task coffee-pull --out "$ROOT/bc-coffee-pull/bc.zip" --steps 4000 --seed 0 --no-progress
$DREAMGYM collect --task coffee-pull --out data --expert 0 --noisy-expert 0 --random 0 \
  --bc 150 --bc-policy "$ROOT/bc-coffee-pull/bc.zip" --workers 2 --no-progress
$DREAMGYM train-reward --data data --task coffee-pull --out "$ROOT/reward-coffee-pull-bc" --steps 2000 --no-progress \
  --world-model envs/coffee-pull/world_model --imagined-horizon 8
$DREAMGYM replace-reward --bundle envs/coffee-pull --reward-run "$ROOT/reward-coffee-pull-bc" \
  --notes "Reward classifier retrained on expert, noisy-expert, random and 150 BC-policy rollouts (recipes/policy_cpu.sh)."
mkdir -p envs/coffee-pull/policies
cp "$ROOT/bc-coffee-pull/bc.zip" envs/coffee-pull/policies/bc.zip
$PY benchmarks/policy/run.py --bc envs/coffee-pull/policies/bc.zip --runs "$ROOT/policy-bench"
cp "$ROOT/policy-bench/refined-seed0/refined.zip" envs/coffee-pull/policies/refined.zip
$PY benchmarks/policy/dream_gap.py --model envs/coffee-pull/policies/bc.zip --out benchmarks/policy/dream_gap-bc.json
