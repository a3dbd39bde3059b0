"""The main job (``make demo``) end to end, on a tiny untrained bundle and policies so it runs in seconds."""

import json

import pytest
from test_dream_sb3 import tiny_simulator

from dreamgym.bundle import BundleError, find_bundle
from dreamgym.demo import DemoConfig, run_demo
from dreamgym.policy.model import new_ppo, save_model

pytestmark = pytest.mark.metaworld


def test_demo_evaluates_refines_and_films(tmp_path, monkeypatch):
    bundle = tiny_simulator(episode_steps=6).save(tmp_path / "envs" / "coffee-pull")
    monkeypatch.setenv("DREAMGYM_ENVS", str(tmp_path / "envs"))
    with pytest.raises(BundleError, match="ships no policies"):
        run_demo(DemoConfig(out_dir=tmp_path / "demo"))
    for name, seed in (("bc", 0), ("refined", 1)):
        save_model(new_ppo(seed=seed), bundle / "policies" / f"{name}.zip")

    config = DemoConfig(out_dir=tmp_path / "demo", real_episodes=2, dream_episodes=2, refine_iterations=2, refine_envs=2,
                        refine_steps=8)
    summary = run_demo(config)
    assert set(summary["evaluations"]) == {"bc", "refined"}
    assert summary["evaluations"]["bc"]["real"]["episodes_per_seed"] == 2
    assert len(summary["short_refinement_dream_success"]) == 2
    assert (tmp_path / "demo" / "refined_real_vs_dream.mp4").stat().st_size > 1000
    assert list((tmp_path / "demo" / "real-bc").glob("*.mp4"))
    assert "| bc |" in (tmp_path / "demo" / "results.md").read_text()
    assert json.loads((tmp_path / "demo" / "summary.json").read_text())["evaluations"] == summary["evaluations"]


def test_missing_bundle_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("DREAMGYM_ENVS", str(tmp_path))
    with pytest.raises(BundleError, match="No learned simulator for 'soccer'.*expected one of the shipped bundles: none"):
        find_bundle("soccer")
