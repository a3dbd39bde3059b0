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
