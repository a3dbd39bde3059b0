#!/usr/bin/env bash
# Issue 10, session 23: the second pass (the `dreamgym refine` default since session 22) on the second imagination seed
# of the two weaker BC policies, as the session-22 recipe did for bv0s18. Run after
# recipes/coffee_pull_dream_filtered_bc_seeds_rounds_cpu.sh (its seed-1 late runs are round 1 here).
# Each round 2 imagines with seed 3 from the round-1 filtered policy of imagination seed 1, with its own null, and
# halfway between BC and the round-2 policy. Every policy is evaluated on the 150 held-out layouts; then the report is
# regenerated. Cost on the 2-core CPU: 12-15 min of imagining per run, about 30 s per imitation, 80 s per evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
export MUJOCO_GL="${MUJOCO_GL:-egl}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"
OUT=benchmarks/policy/dream-filtered-bc
evaluate() {  # zip, report
  [ -e "$2" ] || $DREAMGYM evaluate --model "$1" --seeds 0 1 2 --episodes 50 --real-only --out "$2" --no-progress
}
for entry in bv1s18=runs/bc-bv-seed1/bc.zip bv2s18=runs/bc-seed2/bc.zip; do
  name="${entry%%=*}" bc="${entry#*=}" run="runs/dream-filtered-bc/${entry%%=*}-s1-late-round2"
  $PY benchmarks/policy/dream_filtered_bc.py --bc-model "runs/dream-filtered-bc/$name-s1-late/success/policy.zip" \
    --out "$run" --seed 3 --start-decisions 10 16 --no-progress
  for selection in success random; do
    cp "$run/$selection/summary.json" "$OUT/round2-summary-$name-s1-late-$selection.json"
    evaluate "$run/$selection/policy.zip" "$OUT/round2-real-$name-s1-late-$selection.json"
  done
  [ -e "$run/success/halfway.zip" ] || $PY benchmarks/policy/average_checkpoints.py --policies "$bc" \
    "$run/success/policy.zip" --out "$run/success/halfway.zip"
  evaluate "$run/success/halfway.zip" "$OUT/round2-halfway-$name-s1-late-success.json"
done
$PY benchmarks/policy/dream_filtered_bc_report.py "$OUT"
