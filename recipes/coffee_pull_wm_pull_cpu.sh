#!/usr/bin/env bash
# Experiment (issue 9/10), after recipes/coffee_pull_wm_grasp_cpu.sh: does the world model learn that a pull
# after a failed grasp leaves the mug behind once the data shows such pulls? Closed loop, the shipped dream
# answers the pulls of a policy acting on imagined frames with a held mug; the recorded policies rarely pull
# decisively after a real grasp has failed. This records 120 counterfactual branches in which, from a random
# decision in 15-22, the scripted expert's pull replaces the action for 6-12 decisions (half on BC seed 2,
# which fails 40% of its grasps, half on the scripted expert), then fine-tunes the shipped world model as the
# grasp experiment did (data-mix + these branches, lr 1e-4, 1500 steps, the same contact shares) and measures
# closed-loop and open-loop decision fidelity with the shipped classifier. About 4 min of collection, 26 min of
# training and 10 min of benchmarks on the 2-core CPU.
# Usage: bash recipes/coffee_pull_wm_pull_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
$DREAMGYM collect --task coffee-pull --out data-pull --expert 0 --noisy-expert 0 --random 0 --branch 120 \
  --branch-kinds pull --branch-at 15 22 --branch-duration 6 12 --bc-policy "$ROOT/bc-coffee-pull-seed2/bc.zip" \
  --seed-offset 30000 --workers 2 --no-progress
if [ ! -d data-mix-pull ]; then  # one dataset root: hard links to data-mix/ and the pull branches
  mkdir -p data-mix-pull/coffee-pull
  cp -al data-mix/coffee-pull/* data-mix-pull/coffee-pull/
  cp -al data-pull/coffee-pull/branch data-mix-pull/coffee-pull/branch-pull
fi
run="$ROOT/wm-pull"
$DREAMGYM train-world-model --data data-mix-pull --task coffee-pull --out "$run" --init-from envs/coffee-pull \
  --batch-size 32 --lr 1e-4 --steps 1500 --checkpoint-every 250 --eval-every 1500 --seed 0 --no-progress \
  --window-sampling contact --contact-shares 0.15 0.3 0.1
[ -e "$ROOT/bundle-pull/manifest.json" ] || \
  $DREAMGYM export-bundle --run "$run" --reward-run "$ROOT/reward-coffee-pull-disc" --out "$ROOT/bundle-pull" \
    --initial-state-frames 14 --notes "recipes/coffee_pull_wm_pull_cpu.sh: 1500 steps from envs/coffee-pull on data-mix plus 120 pull branches, contact shares 0.15 0.3 0.1, lr 1e-4"
for s in 2 1 0; do
  bc="$ROOT/bc-coffee-pull/bc.zip"; [ $s = 0 ] || bc="$ROOT/bc-coffee-pull-seed$s/bc.zip"
  out=benchmarks/decision_fidelity/closed_loop/closed-loop-pull-bc-seed$s-teacher.json
  [ -e "$out" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$ROOT/bundle-pull" --sampler teacher \
    --policy "$bc" --label pull-bc-seed$s-teacher
done
[ -e benchmarks/decision_fidelity/results-pull.json ] || \
  $PY benchmarks/decision_fidelity/run.py --bundle "$ROOT/bundle-pull" --sampler teacher \
    --policy envs/coffee-pull/policies/bc.zip --label pull
