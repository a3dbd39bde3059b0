#!/usr/bin/env bash
# Regenerate the shipped envs/coffee-pull learned simulator on a 2-core CPU, then its benchmarks.
#   1. world model (recipes/world_model_cpu.sh, ~60 min; resumable)
#   2. reward classifier on the same coffee-pull data, real frames plus frames the world model imagines
#      up to 8 steps ahead from real contexts (2000 steps, ~6 minutes)
#   3. export: world model + reward model + real initial states + provenance -> envs/coffee-pull
#   4. fidelity and reward benchmarks on held-out trajectories (evaluation seeds)
# Usage: bash recipes/coffee_pull_simulator_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
bash recipes/world_model_cpu.sh "$ROOT/world-model-coffee-pull-cpu"
$DREAMGYM train-reward --data data --task coffee-pull --out "$ROOT/reward-coffee-pull-cpu" --steps 2000 --no-progress \
  --world-model "$ROOT/world-model-coffee-pull-cpu/world_model" --imagined-horizon 8
$DREAMGYM export-bundle --run "$ROOT/world-model-coffee-pull-cpu" --reward-run "$ROOT/reward-coffee-pull-cpu" --out envs/coffee-pull \
  --notes "CPU recipe: recipes/coffee_pull_simulator_cpu.sh"
bash recipes/action_encoding_ablation_cpu.sh "$ROOT" 0
$PY benchmarks/dream_throughput/run.py --bundle envs/coffee-pull --device cpu
$PY benchmarks/world_model_fidelity/run.py --model two_hot=envs/coffee-pull/world_model \
  --model two_hot_1200=$ROOT/ablation-two_hot-seed0/world_model --model linear_1200=$ROOT/ablation-linear-seed0/world_model
$PY benchmarks/reward_classifier/run.py --bundle envs/coffee-pull
