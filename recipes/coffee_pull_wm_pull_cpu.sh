#!/usr/bin/env bash
# Experiment (issue 9/10), after recipes/coffee_pull_wm_grasp_cpu.sh: does the world model learn that a pull
# after a failed grasp leaves the mug behind once the data shows such pulls? Closed loop, the shipped dream
# answers the pulls of a policy acting on imagined frames with a held mug; the recorded policies rarely pull
# decisively after a real grasp has failed. This records 120 counterfactual branches in which, from a random
# decision in 15-22, the scripted expert's pull replaces the action for 6-12 decisions (half on BC seed 2,
# which fails 40% of its grasps, half on the scripted expert), then runs the grasp experiment's fine-tune and
# benchmarks (data-mix + these branches, lr 1e-4, 1500 steps, the same contact shares; label pull). About 4 min
# of collection, 26 min of training and 10 min of benchmarks on the 2-core CPU.
# Usage: bash recipes/coffee_pull_wm_pull_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
$DREAMGYM collect --task coffee-pull --out data-pull --expert 0 --noisy-expert 0 --random 0 --branch 120 \
  --branch-kinds pull --branch-at 15 22 --branch-duration 6 12 --bc-policy "$ROOT/bc-coffee-pull-seed2/bc.zip" \
  --seed-offset 30000 --workers 2 --no-progress
if [ ! -d data-mix-pull ]; then  # one dataset root: hard links to data-mix/ and the pull branches
  mkdir -p data-mix-pull/coffee-pull
  cp -al data-mix/coffee-pull/* data-mix-pull/coffee-pull/
  cp -al data-pull/coffee-pull/branch data-mix-pull/coffee-pull/branch-pull
fi
WM_DATA=data-mix-pull WM_LABEL=pull WM_DATA_NOTE="data-mix plus 120 pull branches" GRASP_STEPS=1500 \
  bash recipes/coffee_pull_wm_grasp_cpu.sh "$ROOT"
