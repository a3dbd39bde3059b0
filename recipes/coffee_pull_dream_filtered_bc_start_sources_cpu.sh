#!/usr/bin/env bash
# Issue 10, session 24: filtered-bc keeping only imagined episodes that started from expert-like recorded states.
#
# The open-loop real replays of session 21 (replay-<bc>-s0-late.json) show that the dream's confirmed successes are
# real more often when the imagined episode started from a context of an expert, noisy-expert or branch episode (61%
# over the three BC policies) than from one of a BC rollout or a random-action episode (34%); step 1 tabulates it.
# Step 2 imitates, from BC, only the confirmed successes of the six one-pass late runs (three BC policies x imagination
# seeds 0 and 1) that started from those three sources, with the same three imitation seeds per run as the six draws
# of session 23's step 5 (coffee_pull_dream_filtered_bc_second_seeds_cpu.sh), then halfway back to BC, and evaluates
# both on the 150 held-out layouts. Step 3 is the control for how many episodes step 2 keeps: as many confirmed
# successes, drawn from all starts without looking at where they started (`--subsample`), with the same seeds.
# Needs the runs of that recipe and of coffee_pull_dream_filtered_bc_seeds_rounds_cpu.sh, and `data/` (the dataset the
# bundle was exported from, to find each start's source). 2-core CPU: about 3 minutes per draw (imitation 35 s, two
# evaluations of 80 s each).
source "$(dirname "$0")/common.sh"
OUT=benchmarks/policy/dream-filtered-bc
SOURCES="${SOURCES:-expert noisy_expert branch}"
$PY benchmarks/policy/dream_start_sources.py "$OUT"/replay-*-s0-late.json --out "$OUT/start-sources-precision.json"  # step 1
POLICIES="bv0s18=runs/bc-bv-seed0/bc.zip bv1s18=runs/bc-bv-seed1/bc.zip bv2s18=runs/bc-seed2/bc.zip"
for offset in 0 1 2; do  # step 2
  for own in 0 1; do
    seed=$((own + offset))
    for entry in $POLICIES; do
      name="${entry%%=*}" bc="${entry#*=}" run="runs/dream-filtered-bc/${entry%%=*}-s$own-late"
      out="$run-sources-seed$seed"
      # shellcheck disable=SC2086
      [ -e "$out/policy.zip" ] || $PY benchmarks/policy/dream_filtered_bc_pooled.py --bc-model "$bc" --runs "$run" \
        --out "$out" --seed "$seed" --start-sources $SOURCES --no-progress
      cp "$out/summary.json" "$OUT/sources-seed$seed-summary-$name-s$own-late.json"
      evaluate "$out/policy.zip" "$OUT/sources-seed$seed-real-$name-s$own-late.json"
      [ -e "$out/halfway.zip" ] || $PY benchmarks/policy/average_checkpoints.py --policies "$bc" "$out/policy.zip" \
        --out "$out/halfway.zip"
      evaluate "$out/halfway.zip" "$OUT/sources-seed$seed-halfway-$name-s$own-late.json"
    done
  done
done
for offset in 0 1 2; do  # step 3: as many confirmed successes as step 2 kept, drawn from all starts without looking
  for own in 0 1; do
    seed=$((own + offset))
    for entry in $POLICIES; do
      name="${entry%%=*}" bc="${entry#*=}" run="runs/dream-filtered-bc/${entry%%=*}-s$own-late"
      out="$run-subsample-seed$seed"
      count=$($PY -c "import json, sys; print(json.load(open(sys.argv[1]))['kept_episodes'])" \
        "$OUT/sources-seed$seed-summary-$name-s$own-late.json")
      [ -e "$out/policy.zip" ] || $PY benchmarks/policy/dream_filtered_bc_pooled.py --bc-model "$bc" --runs "$run" \
        --out "$out" --seed "$seed" --subsample "$count" --no-progress
      cp "$out/summary.json" "$OUT/subsample-seed$seed-summary-$name-s$own-late.json"
      evaluate "$out/policy.zip" "$OUT/subsample-seed$seed-real-$name-s$own-late.json"
      [ -e "$out/halfway.zip" ] || $PY benchmarks/policy/average_checkpoints.py --policies "$bc" "$out/policy.zip" \
        --out "$out/halfway.zip"
      evaluate "$out/halfway.zip" "$OUT/subsample-seed$seed-halfway-$name-s$own-late.json"
    done
  done
done
$PY benchmarks/policy/dream_filtered_bc_report.py "$OUT"
