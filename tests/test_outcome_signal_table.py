"""``benchmarks/policy/outcome-signal/table.py``: the per-arm summary the refinement recipes' rules compare."""

from __future__ import annotations

from benchmark_scripts import load_script

table = load_script("policy/outcome-signal/table.py")


def _draw(arm, bc, gain, policy="imitated (refined.zip)"):
    return {"report": f"refined-{arm}-{bc}.json", "arm": arm, "bc": bc, "seed": "0", "policy": policy, "rate": 0.5,
            "gain": gain, "gained": 1, "lost": 0}


def test_arm_summary_averages_draws_per_bc_policy_then_over_the_policies():
    found = [_draw("a", "shipped", 2.0), _draw("a", "shipped", -4.0), _draw("a", "bcseed1", 30.0),
             _draw("a", "bcseed2", 10.0), _draw("a", "bcseed2", 20.0), _draw("b", "bcseed2", 8.0)]
    lines = table.arm_rows(found)
    # a: shipped (2 - 4) / 2 = -1, bcseed1 30, bcseed2 15 -> mean of the means (-1 + 30 + 15) / 3 = 14.7; worst draw -4
    assert lines[2] == "| a | imitated (refined.zip) | -1.0 (2) | +30.0 (1) | +15.0 (2) | +14.7 | -4.0 |"
    # b has draws of one BC policy only: no mean over the policies
    assert lines[3] == "| b | imitated (refined.zip) | - | - | +8.0 (1) | - | +8.0 |"


def test_arms_with_other_output_policies_are_summed_up_apart():
    found = [_draw("a", "shipped", 2.0), _draw("a", "shipped", 6.0, policy="halfway to BC")]
    assert [line.split(" | ")[:3] for line in table.arm_rows(found)[2:]] == [
        ["| a", "halfway to BC", "+6.0 (1)"], ["| a", "imitated (refined.zip)", "+2.0 (1)"]]
