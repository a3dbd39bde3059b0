#!/usr/bin/env bash
# Issue 10, session 21: how good is the dream's filter in filtered-bc, and do later starts make it better?
# Run after recipes/coffee_pull_dream_filtered_bc_cpu.sh (its seed-0 run folders and BC policies).
#  1. Open-loop real replays of every imagined episode of the seed-0 runs (diagnostic: real steps, measurement only),
#     then the oracle arms that imitate the episodes whose actions really succeed (what a perfect filter is worth).
#  2. Dream-only ways to sharpen the filter: whole-episode re-imagination, and a dream-outcome classifier.
#  3. Imagined episodes started later in the stored real trajectories (--start-decisions 0 16 and 10 16), each with
#     its null and halfway back to BC, evaluated on the 150 held-out layouts, and their imagined episodes replayed in
#     reality.
# Then `python benchmarks/policy/dream_filtered_bc_report.py benchmarks/policy/dream-filtered-bc` writes RESULTS.md.
# Cost on the 2-core CPU: 3-4 min per replay of 512 episodes, 915 s for the classifier, 10-16 min per late collection,
# about 80 s per evaluation.
# Usage: bash recipes/coffee_pull_dream_filtered_bc_diagnostics_cpu.sh   (env: BCS="label=zip ...")
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/dream-filtered-bc
replay() {  # run folder, label
  [ -e "$1/real_replay.json" ] || $PY benchmarks/policy/dream_episode_replay.py "$1" --data data
  cp "$1/real_replay.json" "$OUT/replay-$2.json"
}
[ -e runs/dream-outcome-classifier/reward_model ] || $DREAMGYM train-reward --data data --out runs/dream-outcome-classifier \
  --task coffee-pull --world-model envs/coffee-pull --imagined-horizon 47 --no-progress
cp runs/dream-outcome-classifier/reward_summary.json "$OUT/outcome-classifier-summary.json"
for entry in ${BCS:-bv0s18=runs/bc-bv-seed0/bc.zip bv2s18=runs/bc-seed2/bc.zip bv1s18=runs/bc-bv-seed1/bc.zip}; do
  name="${entry%%=*}" bc="${entry#*=}"
  run="runs/dream-filtered-bc/$name-s0"
  replay "$run" "$name-s0"
  $PY benchmarks/policy/dream_filtered_bc.py --bc-model "$bc" --out "$run" --seed 0 --selection real success-and-real --no-progress
  for selection in real success-and-real; do
    cp "$run/$selection/summary.json" "$OUT/summary-$name-s0-oracle-$selection.json"
    evaluate "$run/$selection/policy.zip" "$OUT/real-$name-s0-oracle-$selection.json"
  done
  $PY benchmarks/policy/dream_episode_rescore.py "$run" --rerolls 4 --out "$OUT/rescore-$name-s0-distilled.json"
  $PY benchmarks/policy/dream_outcome_filter.py "$run" --classifier runs/dream-outcome-classifier/reward_model \
    --out "$OUT/outcome-filter-$name-s0.json"
  for starts in "late 10 16" "mid 0 16"; do
    set -- $starts
    [ "$1" = mid ] && [ "$name" != bv0s18 ] && continue  # starts 0-16: bv0s18 only
    late="$run-$1"
    $PY benchmarks/policy/dream_filtered_bc.py --bc-model "$bc" --out "$late" --seed 0 --start-decisions "$2" "$3" --no-progress
    for selection in success random; do
      cp "$late/$selection/summary.json" "$OUT/summary-$name-s0-$1-$selection.json"
      evaluate "$late/$selection/policy.zip" "$OUT/real-$name-s0-$1-$selection.json"
    done
    $PY benchmarks/policy/average_checkpoints.py --policies "$bc" "$late/success/policy.zip" --out "$late/success/halfway.zip"
    evaluate "$late/success/halfway.zip" "$OUT/halfway-$name-s0-$1-success.json"
    replay "$late" "$name-s0-$1"
  done
done
$PY benchmarks/policy/dream_filtered_bc_report.py "$OUT"
