#!/usr/bin/env bash
# Issue 10, session 22: more seeds of filtered-bc's default (late starts), second rounds, and an offline criterion
# computed on recorded episodes. Run after recipes/coffee_pull_dream_filtered_bc_diagnostics_cpu.sh (its late runs of
# seed 0 and the BC policies).
#  1. `dreamgym refine --passes 1` on the shipped BC (whose weights equal bv0s18's): refined.zip is the benchmark's
#     bv0s18 seed-0 late halfway arm. After step 3 the same folder is resumed with two passes (the default in
#     session 22 only): refined.zip is then the bv0s18 second-round halfway arm.
#  2. Imagination seed 1 of the late-start default for bv2s18 and bv1s18, with null and halfway.
#  3. A second round from each BC's seed-0 late filtered policy (imagination seed 2), with its own null and halfway
#     between BC and the round-2 policy; for bv0s18 also from its seed-1 policy (imagination seed 3).
#  4. The recorded-outcome criterion (benchmarks/policy/recorded_outcome_criterion.py) over every evaluated policy.
# Every policy is evaluated on the 150 held-out layouts; then the report is regenerated.
# Cost on the 2-core CPU: 10-16 min of imagining per run, about 30 s per imitation, about 80 s per evaluation.
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/dream-filtered-bc
arms() {  # bc zip, run folder, file prefix, file stem
  for selection in success random; do
    cp "$2/$selection/summary.json" "$OUT/$3summary-$4-$selection.json"
    evaluate "$2/$selection/policy.zip" "$OUT/$3real-$4-$selection.json"
  done
  [ -e "$2/success/halfway.zip" ] || $PY benchmarks/policy/average_checkpoints.py --policies "$1" "$2/success/policy.zip" \
    --out "$2/success/halfway.zip"
  evaluate "$2/success/halfway.zip" "$OUT/$3halfway-$4-success.json"
}
SHIPPED_RUN=runs/dream-filtered-bc/shipped-s0-late
[ -e "$OUT/refine-passes1-shipped-s0.json" ] || {
  $DREAMGYM refine --bc-model envs/coffee-pull/policies/bc.zip --out $SHIPPED_RUN --seed 0 --data data --passes 1 \
    --success-signal classifier --group-size 1 --halfway --imitation-seeds 1 --no-progress
  evaluate $SHIPPED_RUN/refined.zip "$OUT/refine-passes1-shipped-s0.json"
}
for entry in bv2s18=runs/bc-seed2/bc.zip bv1s18=runs/bc-bv-seed1/bc.zip; do
  name="${entry%%=*}" bc="${entry#*=}" run="runs/dream-filtered-bc/${entry%%=*}-s1-late"
  $PY benchmarks/policy/dream_filtered_bc.py --bc-model "$bc" --out "$run" --seed 1 --start-decisions 10 16 --no-progress
  arms "$bc" "$run" "" "$name-s1-late"
done
for entry in bv1s18=runs/bc-bv-seed1/bc.zip bv0s18=runs/bc-bv-seed0/bc.zip bv2s18=runs/bc-seed2/bc.zip; do
  name="${entry%%=*}" bc="${entry#*=}" run="runs/dream-filtered-bc/${entry%%=*}-s0-late-round2"
  $PY benchmarks/policy/dream_filtered_bc.py --bc-model "runs/dream-filtered-bc/$name-s0-late/success/policy.zip" --out "$run" \
    --seed 2 --start-decisions 10 16 --no-progress
  arms "$bc" "$run" round2- "$name-s0-late"
done
# the strong policy's second pass on its second imagination seed (round 1: the session-21 recipe's bv0s18-s1-late)
run=runs/dream-filtered-bc/bv0s18-s1-late-round2
$PY benchmarks/policy/dream_filtered_bc.py --bc-model runs/dream-filtered-bc/bv0s18-s1-late/success/policy.zip --out "$run" \
  --seed 3 --start-decisions 10 16 --no-progress
arms runs/bc-bv-seed0/bc.zip "$run" round2- bv0s18-s1-late
$DREAMGYM refine --bc-model envs/coffee-pull/policies/bc.zip --out $SHIPPED_RUN --seed 0 --data data --passes 2 \
  --success-signal classifier --group-size 1 --halfway --imitation-seeds 1 --no-progress
evaluate $SHIPPED_RUN/refined.zip "$OUT/refine-default-shipped-s0.json"
$PY benchmarks/policy/dream_gap.py --model "runs/dream-filtered-bc/bv0s18-s0-late-round2/success/halfway.zip" \
  --out benchmarks/policy/dream_gap-refined-filtered-bc-default.json
$PY benchmarks/policy/recorded_outcome_criterion.py "$OUT" --out benchmarks/policy/recorded-criterion \
  --bc bv0s18=benchmarks/policy/gpu-scale/cpu-confirm-bc-bv0s18.json bv1s18=benchmarks/policy/gpu-scale/cpu-confirm-bc-bv1s18.json \
  bv2s18=benchmarks/policy/gpu-scale/cpu-confirm-bc-bv2s18.json
$PY benchmarks/policy/dream_filtered_bc_report.py "$OUT"
