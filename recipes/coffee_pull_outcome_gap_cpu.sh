#!/usr/bin/env bash
# Session 32 (issue 10): can the shipped outcome model tell the real failures of the policies refinement starts from,
# and of the refined one? benchmarks/policy/outcome_gap.py on 100 tuning layouts per policy (deterministic), judged from
# decision 3 and from refine's start decisions 10, 13 and 16. About 2.5 min per policy on a 2-core CPU.
# Usage: bash recipes/coffee_pull_outcome_gap_cpu.sh
source "$(dirname "$0")/common.sh"
gap() {  # policy zip, report label
  local out=benchmarks/policy/outcome_gap-$2.json
  [ -e $out ] || OMP_NUM_THREADS=2 $PY benchmarks/policy/outcome_gap.py --model "$1" --out $out
}
gap envs/coffee-pull/policies/bc.zip shipped-bc
gap envs/coffee-pull/policies/refined.zip refined-session31
gap runs/bc-bv-seed2/bc.zip bcseed2-bc
