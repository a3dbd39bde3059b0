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
# the arm adds) in the bundle copy runs/bundle-outcome-mix3 those episodes came from, and the refined policy is evaluated
# into benchmarks/policy/outcome-signal/refined-<arm>-<label>-s<seed>.json with its run summary next to it.
refine_on_copied_episodes() {  # arm, label, bc zip, imagined-episode seed, earlier run folder, refine options...
  local run=runs/refine-$1/$2-s$4 folder=benchmarks/policy/outcome-signal
  if [ ! -e $run/refined.zip ]; then
    if [ ! -e $run/config.json ]; then
      mkdir -p $run
      cp "$5/imagined_episodes.npz" "$5/config.json" $run/
    fi
    $DREAMGYM refine --bc-model "$3" --out $run --seed "$4" --bundle runs/bundle-outcome-mix3 --no-progress "${@:6}"
  fi
  evaluate $run/refined.zip $folder/refined-$1-$2-s$4.json
  cp $run/summary.json $folder/refine-$1-$2-s$4-summary.json
}
