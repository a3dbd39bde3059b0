#!/usr/bin/env bash
# The shipped coffee-pull simulator's success signal (issues 9 and 10, session 29): an action-grounded outcome model.
#  1. dreamgym train-outcome, twice: 5 small networks reading the real simulator state at an open-loop stretch's start
#     and the actions after it, trained on the training split of data/ (the 530 episodes the world model learned from)
#     and of data-slipmix/ (those plus 390 grasp-slip branches and BC rollouts, coffee_pull_wm_slips_cpu.sh).
#  2. outcome_heldout.py: both scored on the same held-out episodes of data/ (no benchmark layout read); the better one
#     (data-slipmix: AUC 0.970 against 0.955) is shipped.
#  3. dreamgym add-outcome-model: into envs/coffee-pull, with initial states rebuilt from data/'s training episodes
#     carrying their simulator states; the bundle's default_success_signal becomes "outcome" (world models and
#     classifier untouched). The data/ model goes into a copy of the bundle under runs/ for its benchmark rows.
#  4. The decision-fidelity benchmark on both layout sets for both models (each report also keeps the classifier's
#     verdict on the same imagined frames).
#  5. Refinement judged by the shipped outcome model (issue 10): refine's default collection and imitation (filtered-bc,
#     late starts, halfway to BC) for the shipped BC with --success-signal outcome, imagined-episode seeds 0 and 1,
#     each evaluated on the 150 held-out layouts, and the shipped BC on the same layouts; then BC seed 1 (retrained by
#     coffee_pull_state_probe_cpu.sh step 5, runs/bc-bv-seed1/bc.zip; its BC and default-filter reports are session 28's).
#  6. Experiment, not shipped: 240 more counterfactual branches on training layouts (seed offset 50000; release, weak
#     grip, slow, lateral, lasting to the episode's end, half from the shipped BC) added to data-slipmix (data-mix2/), an
#     outcome model trained on them, scored against the shipped one on data-mix2's held-out episodes, and judged by the
#     decision-fidelity benchmark on the three layout sets from a copy of the bundle (runs/bundle-outcome-mix2).
# Needs data/ (coffee_pull_goal_disc_cpu.sh), data-slipmix/ (SLIPS_DATA_ONLY=1 bash recipes/coffee_pull_wm_slips_cpu.sh)
# and the real-trial caches of runs/decision-fidelity-real (run.py records them when missing, 14 min per set).
# Cost on session 29's 2-core CPU (one torch thread for 1): 3 and 5 min for 1, 1 min for 2, seconds for 3, 7-8 min
# per report for 4 (the first report of a set also replays its cached real trials once to read their states, 3 min),
# for 5 about 7-9 min of imagining per draw and 3-4 min per evaluation; for 6, 3 min of recording (2 workers), 6 min of
# training and 5-8 min per report.
# Usage: bash recipes/coffee_pull_outcome_model_cpu.sh   (STEPS="1 2 3 4" for the simulator only)
source "$(dirname "$0")/common.sh"
STEPS="${STEPS:-1 2 3 4 5 6}"
DF=benchmarks/decision_fidelity
SHIPPED=runs/outcome-slipmix-ens5
if [[ " $STEPS " == *" 1 "* ]]; then
  [ -e runs/outcome-ens5/outcome_summary.json ] || OMP_NUM_THREADS=1 $DREAMGYM train-outcome --data data --task coffee-pull \
    --out runs/outcome-ens5
  [ -e $SHIPPED/outcome_summary.json ] || OMP_NUM_THREADS=1 $DREAMGYM train-outcome --data data-slipmix --task coffee-pull \
    --out $SHIPPED
fi
if [[ " $STEPS " == *" 2 "* ]]; then
  $PY $DF/outcome_heldout.py --runs runs/outcome-ens5 $SHIPPED --label session29
fi
if [[ " $STEPS " == *" 3 "* ]]; then
  $DREAMGYM add-outcome-model --bundle envs/coffee-pull --run $SHIPPED --data data --notes "Outcome model (session 29): \
dreamgym train-outcome --data data-slipmix --out runs/outcome-slipmix-ens5 --task coffee-pull (5 members, 30 epochs each, \
CPU 1 thread; chosen over the same model trained on data/ alone by benchmarks/decision_fidelity/outcome_heldout.py: AUC \
0.970 against 0.955 on the held-out episodes of data/); initial states rebuilt from the training episodes of data/ with \
their simulator states."
  rm -rf runs/bundle-outcome-data && cp -r envs/coffee-pull runs/bundle-outcome-data
  $DREAMGYM add-outcome-model --bundle runs/bundle-outcome-data --run runs/outcome-ens5 --data data
fi
if [[ " $STEPS " == *" 4 "* ]]; then
  # session 29 ran the data/ rows with that model in envs/coffee-pull itself (then replaced it)
  [ -e $DF/results-outcome-session29.json ] || $PY $DF/run.py --bundle runs/bundle-outcome-data --label outcome-session29
  [ -e $DF/results-outcome-session29-layouts5000.json ] || $PY $DF/run.py --bundle runs/bundle-outcome-data \
    --seed-offset 5000 --label outcome-session29-layouts5000
  [ -e $DF/results-outcome-slipmix-session29.json ] || $PY $DF/run.py --label outcome-slipmix-session29
  [ -e $DF/results-outcome-slipmix-session29-layouts5000.json ] || $PY $DF/run.py --seed-offset 5000 \
    --label outcome-slipmix-session29-layouts5000
fi
if [[ " $STEPS " == *" 5 "* ]]; then
  mkdir -p benchmarks/policy/outcome-signal
  evaluate envs/coffee-pull/policies/bc.zip benchmarks/policy/outcome-signal/shipped-bc.json
  for seed in 0 1; do
    OUT=runs/refine-outcome/shipped-s$seed
    [ -e $OUT/refined.zip ] || $DREAMGYM refine --bc-model envs/coffee-pull/policies/bc.zip --out $OUT --seed $seed \
      --success-signal outcome --group-size 1 --halfway --imitation-seeds 1 --no-progress
    evaluate $OUT/refined.zip benchmarks/policy/outcome-signal/refined-outcome-s$seed.json
    cp $OUT/summary.json benchmarks/policy/outcome-signal/refine-outcome-s$seed-summary.json
  done
  OUT=runs/refine-outcome/bcseed1-s0
  [ -e $OUT/refined.zip ] || $DREAMGYM refine --bc-model runs/bc-bv-seed1/bc.zip --out $OUT --seed 0 --success-signal outcome \
    --group-size 1 --halfway --imitation-seeds 1 --no-progress
  evaluate $OUT/refined.zip benchmarks/policy/outcome-signal/refined-outcome-bcseed1-s0.json
  cp $OUT/summary.json benchmarks/policy/outcome-signal/refine-outcome-bcseed1-s0-summary.json
fi
if [[ " $STEPS " == *" 6 "* ]]; then
  if [ ! -e data-branches2/.complete ]; then
    $DREAMGYM collect --task coffee-pull --out data-branches2 --expert 0 --noisy-expert 0 --random 0 --bc 0 --branch 240 \
      --bc-policy envs/coffee-pull/policies/bc.zip --branch-kinds release weak_grip slow lateral --seed-offset 50000 \
      --workers 2 --no-progress
    touch data-branches2/.complete
  fi
  if [ ! -d data-mix2 ]; then  # one dataset root: hard links to data-slipmix and the new branches
    mkdir -p data-mix2.partial/coffee-pull
    cp -al data-slipmix/coffee-pull/* data-mix2.partial/coffee-pull/
    cp -al data-branches2/coffee-pull/branch data-mix2.partial/coffee-pull/branch-persist
    mv data-mix2.partial data-mix2
  fi
  [ -e runs/outcome-mix2-ens5/outcome_summary.json ] || OMP_NUM_THREADS=1 $DREAMGYM train-outcome --data data-mix2 \
    --task coffee-pull --out runs/outcome-mix2-ens5
  $PY $DF/outcome_heldout.py --data data-mix2 --runs $SHIPPED runs/outcome-mix2-ens5 --label session29-mix2
  if [ ! -e runs/bundle-outcome-mix2/outcome_model ]; then
    rm -rf runs/bundle-outcome-mix2 && cp -r envs/coffee-pull runs/bundle-outcome-mix2
    $DREAMGYM add-outcome-model --bundle runs/bundle-outcome-mix2 --run runs/outcome-mix2-ens5 --data data
  fi
  for spec in ":outcome-mix2-session29" "5000:outcome-mix2-session29-layouts5000" "10000:outcome-mix2-session29-layouts10000"; do
    offset=${spec%%:*}; label=${spec#*:}
    [ -e $DF/results-$label.json ] || $PY $DF/run.py --bundle runs/bundle-outcome-mix2 --seed-offset "${offset:-0}" --label "$label"
  done
fi
