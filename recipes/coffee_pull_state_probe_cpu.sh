#!/usr/bin/env bash
# Diagnostic (issues 9 and 10, session 28): where is the outcome lost, in the data or in the world model's pixels?
#  1. vote.py: do the world models judged so far err on the same decision-fidelity trials? (reads committed reports)
#  2. run.py with the teacher at 1 Euler step (its mean prediction) on the first layout set.
#  3. state_outcome_probe.py: a small network reading Meta-World's true state at a trial's start and the actions
#     after it, trained on the recorded episodes (data-slipmix: the 920 episodes of coffee_pull_wm_slips_cpu.sh; and
#     data: the shipped world model's 530), judged on the benchmark's real trials of both layout sets; seeds 0-2.
#  4. The same probe on the imagined episodes of refine's default collection for the shipped BC (seed 0, late starts):
#     their open-loop real replays (measurement only) against the dream's confirmed successes with and without
#     the probe's agreement (benchmarks/policy/state_outcome_filter.py).
#  5. BC seed 1 retrained here: refine's default collection, its replays, the probe trained with the shipped BC's replays
#     as extra data, and one draw of the default filter next to the filter with the probe's agreement (halfway to BC),
#     each evaluated on the 150 held-out layouts.
# Needs the real-trial caches of runs/decision-fidelity-real (run.py records them, 14 min per set) and the data of
# coffee_pull_wm_slips_cpu.sh (SLIPS_DATA_ONLY=1) and coffee_pull_goal_disc_cpu.sh.
# Cost on session 28's 2-core CPU: seconds for 1; 4 min for 2; 5-6 min per probe; 31 min of imagining and 5 min of
# replays for 4; for 5, 4 min of BC training, 31 min of imagining, 5 min of replays and about 4 min per evaluation.
# Usage: bash recipes/coffee_pull_state_probe_cpu.sh
source "$(dirname "$0")/common.sh"
DF=benchmarks/decision_fidelity
SET1="shipped lever-control lever-contact lever-moving lever-tips guidance-1 slips-control slips onset grasp pull
      bcseeds-teacher cpu-judge-4800 gpu-base gpu-large"
$PY $DF/vote.py --label world-models-set1 --reference $DF/results-shipped.json $(for l in $SET1; do echo $DF/results-$l.json; done)
$PY $DF/vote.py --label world-models-set2 --reference $DF/results-shipped-layouts5000.json \
  $(for l in shipped slips-control slips onset cpu-judge-4800; do echo $DF/results-$l-layouts5000.json; done)
[ -e $DF/results-sampler-euler1.json ] || $PY $DF/run.py --sampler teacher --denoising-steps 1 --label sampler-euler1
for spec in data-slipmix:slipmix:0 data-slipmix:slipmix:1 data-slipmix:slipmix:2 data:data:0; do
  IFS=: read -r data name seed <<< "$spec"
  [ -e "$DF/state-outcome-probe-$name-seed$seed.json" ] || $PY $DF/state_outcome_probe.py --data "$data" --seed "$seed" \
    --label "$name-seed$seed" --save "runs/state-outcome-probe/$name-seed$seed.safetensors"
done
[ -e "$DF/state-outcome-probe-slipmix-actions-only-seed0.json" ] || $PY $DF/state_outcome_probe.py --data data-slipmix \
  --seed 0 --actions-only --state-noise-cm --label slipmix-actions-only-seed0
RUN=runs/dream-filtered-bc/shipped-s0-late
[ -e $RUN/imagined_episodes.npz ] || $PY - <<'PY'
from pathlib import Path
from dreamgym.policy.dream_imitation import DreamImitationConfig, collect_imagined_episodes
config = DreamImitationConfig(bc_model=Path("envs/coffee-pull/policies/bc.zip"),
                              out_dir=Path("runs/dream-filtered-bc/shipped-s0-late"), seed=0)  # refine's defaults
config.out_dir.mkdir(parents=True, exist_ok=True)
collect_imagined_episodes(config)
PY
[ -e $RUN/real_replay.json ] || $PY benchmarks/policy/dream_episode_replay.py $RUN --data data
cp $RUN/real_replay.json benchmarks/policy/dream-filtered-bc/replay-shipped-s0-late-session28.json
for seed in 0 1 2; do
  $PY benchmarks/policy/state_outcome_filter.py $RUN --probe "runs/state-outcome-probe/slipmix-seed$seed.safetensors" \
    --out "benchmarks/policy/dream-filtered-bc/state-outcome-filter-shipped-s0-late-probe$seed.json"
done
# the probe trained with the real replays of the other folds' imagined episodes as extra data (5 folds by start)
$PY benchmarks/policy/state_outcome_filter.py $RUN --probe runs/state-outcome-probe/slipmix-seed0.safetensors --cross-validate 5 \
  --out benchmarks/policy/dream-filtered-bc/state-outcome-filter-shipped-s0-late-cv5.json
# 5. a second policy: BC seed 1, the default filter and the filter with the probe's agreement (one draw)
OUT=benchmarks/policy/dream-filtered-bc
BC=runs/bc-bv-seed1/bc.zip
WEAK=runs/dream-filtered-bc/bv1s18-s0-late
[ -e $BC ] || $DREAMGYM train-bc --data data --task coffee-pull --steps 4000 --keep best-validated --seed 1 --out $BC --no-progress
evaluate $BC $OUT/session28-real-bv1s18.json
$PY benchmarks/policy/dream_filtered_bc.py --bc-model $BC --out $WEAK --seed 0 --start-decisions 10 16 --selection success --no-progress
[ -e $WEAK/real_replay.json ] || $PY benchmarks/policy/dream_episode_replay.py $WEAK --data data
cp $WEAK/real_replay.json $OUT/replay-bv1s18-s0-late-session28.json
$PY benchmarks/policy/state_outcome_filter.py $WEAK --probe runs/state-outcome-probe/slipmix-seed0.safetensors \
  --out $OUT/state-outcome-filter-bv1s18-s0-late-probe0.json
$PY benchmarks/policy/state_outcome_filter.py $WEAK --train-replays $RUN --out $OUT/state-outcome-filter-bv1s18-s0-late.json
$PY benchmarks/policy/dream_filtered_bc.py --bc-model $BC --out $WEAK --seed 0 --start-decisions 10 16 --selection success-and-probe \
  --probe-scores $OUT/state-outcome-filter-bv1s18-s0-late.json --no-progress
for arm in success success-and-probe; do
  cp $WEAK/$arm/summary.json $OUT/session28-summary-bv1s18-s0-late-$arm.json
  $PY benchmarks/policy/average_checkpoints.py --policies $BC $WEAK/$arm/policy.zip --out $WEAK/$arm/halfway.zip
  evaluate $WEAK/$arm/halfway.zip $OUT/session28-halfway-bv1s18-s0-late-$arm.json
done
