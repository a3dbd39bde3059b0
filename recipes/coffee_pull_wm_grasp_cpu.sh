#!/usr/bin/env bash
# Experiment (issue 9/10): can the world model learn which grasps hold? Closed-loop decision fidelity
# (benchmarks/decision_fidelity/closed_loop.py) shows the shipped dream imagines nearly every real failed
# grasp of BC seeds 0/1/2 as a held mug. This fine-tunes the shipped world model on the data that holds
# such failures (data-mix: the shipped data plus rollouts and branches of BC seeds 1 and 2, made by step 9
# of recipes/coffee_pull_goal_disc_cpu.sh), with batches that over-sample the windows where the hand
# moves and the mug stays behind, at a lower learning rate than the earlier levers (1e-4, not 3e-4).
# Then: export with the shipped classifier, closed-loop fidelity for BC seeds 0/1/2, open-loop decision
# fidelity (teacher sampler). About 30 min of training plus 15 min of benchmarks on the 2-core CPU.
# The same fine-tune on other data (recipes/coffee_pull_wm_pull_cpu.sh): WM_DATA (dataset root),
# WM_LABEL (names the run, the bundle and the benchmark labels) and WM_DATA_NOTE (the data, for the notes).
# Usage: bash recipes/coffee_pull_wm_grasp_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
STEPS="${GRASP_STEPS:-1500}"
DATA="${WM_DATA:-data-mix}"
LABEL="${WM_LABEL:-grasp}"
DATA_NOTE="${WM_DATA_NOTE:-data-mix}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
run="$ROOT/wm-$LABEL"
bundle="$ROOT/bundle-$LABEL"
$DREAMGYM train-world-model --data "$DATA" --task coffee-pull --out "$run" --init-from envs/coffee-pull \
  --batch-size 32 --lr 1e-4 --steps "$STEPS" --checkpoint-every 250 --eval-every "$STEPS" --seed 0 --no-progress \
  --window-sampling contact --contact-shares 0.15 0.3 0.1
[ -e "$bundle/manifest.json" ] || \
  $DREAMGYM export-bundle --run "$run" --reward-run "$ROOT/reward-coffee-pull-disc" --out "$bundle" \
    --initial-state-frames 14 --notes "recipes/coffee_pull_wm_grasp_cpu.sh (label $LABEL): $STEPS steps from envs/coffee-pull on $DATA_NOTE, contact shares 0.15 0.3 0.1, lr 1e-4"
for s in 2 1 0; do
  bc="$ROOT/bc-coffee-pull/bc.zip"; [ $s = 0 ] || bc="$ROOT/bc-coffee-pull-seed$s/bc.zip"
  out=benchmarks/decision_fidelity/closed_loop/closed-loop-$LABEL-bc-seed$s-teacher.json
  [ -e "$out" ] || $PY benchmarks/decision_fidelity/closed_loop.py --bundle "$bundle" --sampler teacher \
    --policy "$bc" --label $LABEL-bc-seed$s-teacher
done
[ -e benchmarks/decision_fidelity/results-$LABEL.json ] || \
  $PY benchmarks/decision_fidelity/run.py --bundle "$bundle" --sampler teacher \
    --policy envs/coffee-pull/policies/bc.zip --label $LABEL
