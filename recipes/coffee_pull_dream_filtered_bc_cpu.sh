#!/usr/bin/env bash
# Issue 10, session 20: success-filtered behaviour cloning in the dream (`dreamgym refine`'s default method,
# dreamgym.policy.dream_imitation) next to its null, on the three best-validated BC policies of session 18 and on the
# shipped BC, each evaluated on the 150 held-out layouts of benchmarks/policy/gpu-scale/.
# Per BC policy and SEED: 8 rounds of 64 imagined episodes from real episode starts, the policy sampling its actions;
# the episodes whose success survives 4 re-imaginings of the last 20 transitions are imitated (1000 steps, half
# imagined pairs, half expert demonstrations); the null imitates as many episodes drawn without looking at the outcome
# (benchmarks/policy/dream_filtered_bc.py); each filtered policy is also moved halfway back to BC (mean weights), and
# on imagined-episode seed 0 of the session-18 policies both arms are redone imitating only the decisions up to the
# grasp (--pairs until-grasp, same imagined episodes). Then `python benchmarks/policy/dream_filtered_bc_report.py
# benchmarks/policy/dream-filtered-bc` writes RESULTS.md.
# Cost on the 2-core CPU: 9-17 min of imagining per run (70-140 s per round), 30 s per imitation, about 80 s per
# evaluation. The BC policies are trained first where missing (80-91 s each; retrained on another machine they are
# other weights, so their BC evaluations are redone too).
# Usage: bash recipes/coffee_pull_dream_filtered_bc_cpu.sh   (env: BCS="label=zip ...", SEEDS="0 1")
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/dream-filtered-bc
mkdir -p "$OUT"
for entry in ${BCS:-bv2s18=runs/bc-seed2/bc.zip:2 bv1s18=runs/bc-bv-seed1/bc.zip:1 bv0s18=runs/bc-bv-seed0/bc.zip:0 shipped=envs/coffee-pull/policies/bc.zip}; do
  name="${entry%%=*}" rest="${entry#*=}"
  bc="${rest%%:*}" train_seed="${rest#*:}"
  if [ ! -e "$bc" ] && [ "$train_seed" != "$rest" ]; then
    $DREAMGYM train-bc --data data --task coffee-pull --steps 4000 --keep best-validated --seed "$train_seed" --out "$bc" --no-progress
  fi
  [ -e "$bc" ] || { echo "BCS names $bc, which does not exist; expected label=path[:train-bc seed]" >&2; exit 2; }
  if [ "$name" = shipped ]; then evaluate "$bc" benchmarks/policy/gpu-scale/bc-seed0.json
  else evaluate "$bc" "benchmarks/policy/gpu-scale/cpu-confirm-bc-$name.json"; fi
  for seed in ${SEEDS:-0 1}; do
    [ "$name" = shipped ] && [ "$seed" != 0 ] && continue  # the shipped BC: one run, the one shipped as refined.zip
    run="runs/dream-filtered-bc/$name-s$seed"
    $PY benchmarks/policy/dream_filtered_bc.py --bc-model "$bc" --out "$run" --seed "$seed" --no-progress
    for selection in success random; do
      cp "$run/$selection/summary.json" "$OUT/summary-$name-s$seed-$selection.json"
      evaluate "$run/$selection/policy.zip" "$OUT/real-$name-s$seed-$selection.json"
    done
    # halfway back to BC: the mean weights of BC and the filtered policy (a weight fixed beforehand)
    $PY benchmarks/policy/average_checkpoints.py --policies "$bc" "$run/success/policy.zip" --out "$run/success/halfway.zip"
    evaluate "$run/success/halfway.zip" "$OUT/halfway-$name-s$seed-success.json"
    if [ "${UNTIL_GRASP:-1}" = 1 ] && [ "$seed" = 0 ] && [ "$name" != shipped ]; then  # imitating only up to the grasp
      $PY benchmarks/policy/dream_filtered_bc.py --bc-model "$bc" --out "$run" --seed "$seed" --pairs until-grasp --no-progress
      for selection in success random; do
        cp "$run/$selection-until-grasp/summary.json" "$OUT/summary-$name-s$seed-$selection-until-grasp.json"
        evaluate "$run/$selection-until-grasp/policy.zip" "$OUT/real-$name-s$seed-$selection-until-grasp.json"
      done
    fi
  done
done
$PY benchmarks/policy/dream_filtered_bc_report.py "$OUT"
