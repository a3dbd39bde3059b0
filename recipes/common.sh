# Sourced by the dream-filtered-bc recipes (`source "$(dirname "$0")/common.sh"`): strict mode, the repository root as
# the working directory, the tools (override with DREAMGYM= / PY=) and the real evaluation every table uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export MUJOCO_GL="${MUJOCO_GL:-egl}"
DREAMGYM="${DREAMGYM:-.venv/bin/dreamgym}"
PY="${PY:-.venv/bin/python}"

# Real success of a policy zip on the 150 held-out layouts of benchmarks/policy/gpu-scale/ (3 seeds x 50 episodes),
# written to the report path; skipped when the report exists, so a rerun resumes where it stopped.
evaluate() {  # zip, report
  [ -e "$2" ] || $DREAMGYM evaluate --model "$1" --seeds 0 1 2 --episodes 50 --real-only --out "$2" --no-progress
}

# The decision-fidelity benchmark of a train-outcome run on the three reported layout sets (seed offsets 0, 5000, 10000),
# from a copy of the shipped bundle with that outcome model (runs/bundle-outcome-<tag>); labels
# outcome-<tag>-<session>[-layouts5000|-layouts10000]; reports that exist are skipped.
benchmark_outcome_model() {  # train-outcome run, tag, session label
  local copy=runs/bundle-outcome-$2 df=benchmarks/decision_fidelity offset label spec
  if [ ! -e $copy/outcome_model ]; then
    rm -rf $copy && cp -r envs/coffee-pull $copy
    $DREAMGYM add-outcome-model --bundle $copy --run "$1" --data data
  fi
  for spec in ":outcome-$2-$3" "5000:outcome-$2-$3-layouts5000" "10000:outcome-$2-$3-layouts10000"; do
    offset=${spec%%:*}; label=${spec#*:}
    [ -e $df/results-$label.json ] || $PY $df/run.py --bundle $copy --seed-offset "${offset:-0}" --label "$label"
  done
}

# A refine arm on the imagined episodes of an earlier draw (session 32): the run folder's episodes and config are copied
# into runs/refine-<arm>/<label>-s<seed> once, dreamgym refine resumes there with the arm's options (imagining only what
# the arm adds) in the bundle those episodes were imagined in (the copied config.json's "bundle"; none: the shipped
# one), and the refined policy is evaluated into benchmarks/policy/outcome-signal/refined-<arm>-<label>-s<seed>.json
# with its run summary next to it.
refine_on_copied_episodes() {  # arm, label, bc zip, imagined-episode seed, earlier run folder, refine options...
  local run=runs/refine-$1/$2-s$4 folder=benchmarks/policy/outcome-signal bundle
  if [ ! -e $run/refined.zip ]; then
    if [ ! -e $run/config.json ]; then
      mkdir -p $run
      cp "$5/imagined_episodes.npz" "$5/config.json" $run/
    fi
    bundle=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["bundle"] or "")' $run/config.json)
    $DREAMGYM refine --bc-model "$3" --out $run --seed "$4" ${bundle:+--bundle "$bundle"} --no-progress "${@:6}"
  fi
  evaluate $run/refined.zip $folder/refined-$1-$2-s$4.json
  cp $run/summary.json $folder/refine-$1-$2-s$4-summary.json
}

# refine_on_copied_episodes on each of session 31's six draws of its default (seeds 0 and 1 of the three BC policies,
# imagined in runs/bundle-outcome-mix3), in the order the session-32 arms ran them.
on_session31_draws() {  # arm, refine options...
  local draw
  for draw in "bcseed2 runs/bc-bv-seed2/bc.zip 0 runs/refine-group4/bcseed2-s0" \
              "shipped envs/coffee-pull/policies/bc.zip 0 runs/refine-group4/shipped-s0" \
              "bcseed2 runs/bc-bv-seed2/bc.zip 1 runs/refine-group4-nohalfway/bcseed2-s1" \
              "shipped envs/coffee-pull/policies/bc.zip 1 runs/refine-group4-nohalfway/shipped-s1" \
              "bcseed1 runs/bc-bv-seed1/bc.zip 0 runs/refine-group4/bcseed1-s0" \
              "bcseed1 runs/bc-bv-seed1/bc.zip 1 runs/refine-group4-nohalfway/bcseed1-s1"; do
    # shellcheck disable=SC2086  # the draw's four words
    refine_on_copied_episodes "$1" $draw "${@:2}"
  done
}
