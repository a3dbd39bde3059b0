#!/usr/bin/env bash
# Regenerate benchmarks/decision_fidelity/closed_loop/ (closed-loop decision fidelity, grasp offsets) and
# benchmarks/policy/dream_gap-refined-shipped.json on the 2-core CPU: about 45 min in all (each closed-loop
# run 1-3 min, the 10-step one about 6). Needs the runs of recipes/coffee_pull_goal_disc_cpu.sh (BC seeds,
# refined policies, runs/bundle-bcseeds) and of recipes/coffee_pull_wm_levers_cpu.sh (runs/bundle-lever-*).
# Usage: bash recipes/closed_loop_cpu.sh [RUNS_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${1:-runs}"
PY="${PY:-.venv/bin/python}"
CL="$PY benchmarks/decision_fidelity/closed_loop.py"
OUT=benchmarks/decision_fidelity/closed_loop
bc_of() { if [ "$1" = 0 ]; then echo "$ROOT/bc-coffee-pull/bc.zip"; else echo "$ROOT/bc-coffee-pull-seed$1/bc.zip"; fi; }
for s in 0 1 2; do
  $CL --sampler teacher --policy "$(bc_of $s)" --label bc-seed$s-teacher
  $CL --sampler distilled --policy "$(bc_of $s)" --label bc-seed$s-distilled
  $CL --sampler distilled --policy "$ROOT/refine-distilled-seed$s/refined.zip" --label refined-seed$s-distilled
done
for s in 1 2; do
  $CL --bundle "$ROOT/bundle-bcseeds" --sampler teacher --policy "$(bc_of $s)" --label bcseeds-bundle-bc-seed$s-teacher
  $PY benchmarks/decision_fidelity/run.py --sampler teacher --policy "$(bc_of $s)" --episodes 30 --random-episodes 0 \
    --branch-layouts 0 --label bc-seed$s-teacher --out-dir $OUT/open_loop
done
$CL --sampler teacher --policy "$(bc_of 2)" --open-loop --label bc-seed2-teacher-from3-real-actions
$CL --sampler teacher --policy "$(bc_of 2)" --start 18 --open-loop --label bc-seed2-teacher-from18-real-actions
for start in 12 18 24; do
  $CL --sampler teacher --policy "$(bc_of 2)" --start $start --label bc-seed2-teacher-from$start
done
$CL --sampler teacher --denoising-steps 10 --policy "$(bc_of 2)" --label bc-seed2-teacher-10steps
for lever in contact tips control moving; do
  $CL --bundle "$ROOT/bundle-lever-$lever" --sampler teacher --policy "$(bc_of 2)" --label lever-$lever-bc-seed2-teacher
done
$PY benchmarks/decision_fidelity/grasp_offsets.py --policy "$(bc_of 0)" "$(bc_of 1)" "$(bc_of 2)" \
  --cameras 180,-35 120,-35 90,-35 145,-60 90,-60 90,-89
$PY benchmarks/policy/dream_gap.py --model envs/coffee-pull/policies/refined.zip --out benchmarks/policy/dream_gap-refined-shipped.json
# Is the failed grasp legible before it plays out, and do imagined frames show it? (about 5 min)
$PY benchmarks/decision_fidelity/outcome_probe.py --data data --policy "$(bc_of 2)" --label shipped-bc-seed2
