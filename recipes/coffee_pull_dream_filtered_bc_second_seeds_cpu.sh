#!/usr/bin/env bash
# Issue 10, session 23: how much of filtered-bc's result is the method and how much the draw. Run after
# recipes/coffee_pull_dream_filtered_bc_seeds_rounds_cpu.sh (its seed-1 late runs are round 1 here).
#  1. The second pass (the `dreamgym refine` default in session 22) on the second imagination seed of the two weaker BC
#     policies, as the session-22 recipe did for bv0s18: round 2 imagines with seed 3 from the round-1 filtered policy
#     of imagination seed 1, with its own null, and halfway between BC and the round-2 policy.
#  2. Pooled: both rounds' confirmed successes imitated from BC at once (benchmarks/policy/dream_filtered_bc_pooled.py),
#     for both two-pass chains of every policy, and halfway.
#  3. One pass on twice the imagined episodes: the seed-0 and seed-1 one-pass runs' confirmed successes imitated
#     together from BC, and halfway.
#  4. The imitation's own seed: the seed-0 late run's kept episodes imitated again with seeds 1 and 2 (seed 0 must
#     reproduce the run's filtered policy), and the mean weights of the three (a "soup"), and halfway.
#  5. The one-pass default over seeds: both one-pass late runs of every policy imitated with the two seeds after their
#     own (seed 0: 1, 2; seed 1: 2, 3), each evaluated filtered and halfway (six draws of the default per policy).
#  6. The null of those draws: as many of the same imagined episodes drawn without looking (`--selection random`,
#     seed 0 reproduces the run's own null), imitated with the same seeds, evaluated.
# Every policy is evaluated on the 150 held-out layouts; then the report is regenerated.
# Cost on the 2-core CPU: 12-15 min of imagining per run, about 30 s per imitation, 80 s per evaluation.
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/dream-filtered-bc
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
halfway() {  # bc zip, policy folder
  [ -e "$2/halfway.zip" ] || $PY benchmarks/policy/average_checkpoints.py --policies "$1" "$2/policy.zip" --out "$2/halfway.zip"
}
POLICIES="bv0s18=runs/bc-bv-seed0/bc.zip bv1s18=runs/bc-bv-seed1/bc.zip bv2s18=runs/bc-seed2/bc.zip"
for chain in s0:2 s1:3; do  # step 2: first round's imagination seed : the imitation seed (round 2's)
  first="${chain%%:*}" seed="${chain#*:}"
  for entry in $POLICIES; do
    name="${entry%%=*}" bc="${entry#*=}" runs="runs/dream-filtered-bc/${entry%%=*}-$first-late"
    [ -e "$runs-pooled/policy.zip" ] || $PY benchmarks/policy/dream_filtered_bc_pooled.py --bc-model "$bc" \
      --runs "$runs" "$runs-round2" --out "$runs-pooled" --seed "$seed" --no-progress
    cp "$runs-pooled/summary.json" "$OUT/pooled-summary-$name-$first-late.json"
    evaluate "$runs-pooled/policy.zip" "$OUT/pooled-real-$name-$first-late.json"
    halfway "$bc" "$runs-pooled"
    evaluate "$runs-pooled/halfway.zip" "$OUT/pooled-halfway-$name-$first-late.json"
  done
done
for entry in $POLICIES; do  # step 3
  name="${entry%%=*}" bc="${entry#*=}" out="runs/dream-filtered-bc/${entry%%=*}-s01-late-pooled"
  [ -e "$out/policy.zip" ] || $PY benchmarks/policy/dream_filtered_bc_pooled.py --bc-model "$bc" \
    --runs "runs/dream-filtered-bc/$name-s0-late" "runs/dream-filtered-bc/$name-s1-late" --out "$out" --seed 0 --no-progress
  cp "$out/summary.json" "$OUT/seeds01-summary-$name-late.json"
  evaluate "$out/policy.zip" "$OUT/seeds01-real-$name-late.json"
  halfway "$bc" "$out"
  evaluate "$out/halfway.zip" "$OUT/seeds01-halfway-$name-late.json"
done
for entry in $POLICIES; do  # step 4
  name="${entry%%=*}" bc="${entry#*=}" run="runs/dream-filtered-bc/${entry%%=*}-s0-late"
  for seed in 0 1 2; do
    [ -e "$run-imitation-seed$seed/policy.zip" ] || $PY benchmarks/policy/dream_filtered_bc_pooled.py --bc-model "$bc" \
      --runs "$run" --out "$run-imitation-seed$seed" --seed "$seed" --no-progress
  done
  $PY -c "import sys, torch; from dreamgym.policy.model import load_policy
a, b = (load_policy(p).policy.state_dict() for p in sys.argv[1:])
sys.exit(0 if all(torch.equal(a[k], b[k]) for k in a) else 'imitation seed 0 did not reproduce the run\'s filtered policy')" \
    "$run/success/policy.zip" "$run-imitation-seed0/policy.zip"
  for seed in 1 2; do
    cp "$run-imitation-seed$seed/summary.json" "$OUT/imitation-seed$seed-summary-$name-s0-late.json"
    evaluate "$run-imitation-seed$seed/policy.zip" "$OUT/imitation-seed$seed-real-$name-s0-late.json"
  done
  soup="$run-imitation-soup"
  [ -e "$soup/policy.zip" ] || $PY benchmarks/policy/average_checkpoints.py --policies "$run/success/policy.zip" \
    "$run-imitation-seed1/policy.zip" "$run-imitation-seed2/policy.zip" --out "$soup/policy.zip"
  evaluate "$soup/policy.zip" "$OUT/imitation-soup-real-$name-s0-late.json"
  halfway "$bc" "$soup"
  evaluate "$soup/halfway.zip" "$OUT/imitation-soup-halfway-$name-s0-late.json"
done
for entry in $POLICIES; do  # steps 5 and 6: the same draws, filtered (with halfway) and null
  name="${entry%%=*}" bc="${entry#*=}"
  for own in 0 1; do
    run="runs/dream-filtered-bc/$name-s$own-late"
    for seed in $((own + 1)) $((own + 2)); do
      for arm in imitation:success null:random; do
        prefix="${arm%%:*}" selection="${arm#*:}" out="$run-$prefix-seed$seed"
        [ -e "$out/policy.zip" ] || $PY benchmarks/policy/dream_filtered_bc_pooled.py --bc-model "$bc" --runs "$run" \
          --out "$out" --seed "$seed" --selection "$selection" --no-progress
        cp "$out/summary.json" "$OUT/$prefix-seed$seed-summary-$name-s$own-late.json"
        evaluate "$out/policy.zip" "$OUT/$prefix-seed$seed-real-$name-s$own-late.json"
      done
      out="$run-imitation-seed$seed"
      halfway "$bc" "$out"
      evaluate "$out/halfway.zip" "$OUT/imitation-seed$seed-halfway-$name-s$own-late.json"
    done
  done
done
$PY benchmarks/policy/dream_filtered_bc_report.py "$OUT"
