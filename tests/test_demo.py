"""The main job (``make demo``) end to end, on a tiny untrained bundle so it runs in seconds."""

import json

import pytest

from dreamgym.bundle import BundleError, Manifest, find_bundle, save_bundle
from dreamgym.demo import DemoConfig, run_demo
from dreamgym.tasks import get_task
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig

pytestmark = pytest.mark.metaworld


def test_demo_records_films_and_imagines(tmp_path, monkeypatch):
    envs = tmp_path / "envs"
    spec = get_task("coffee-pull")
    manifest = Manifest(tasks=["coffee-pull"], image_size=64, action_repeat=spec.action_repeat, episode_steps=50, camera=spec.camera.to_dict())
    save_bundle(envs / "coffee-pull", manifest, Denoiser(DenoiserConfig(channels=(16, 16))))
    monkeypatch.setenv("DREAMGYM_ENVS", str(envs))

    summary = run_demo(DemoConfig(out_dir=tmp_path / "demo", episodes_per_source=1))
    assert summary["episodes_written"] == 3 and summary["windows"] == 3 * 47
    assert (tmp_path / "demo" / "real_rollouts.mp4").stat().st_size > 1000
    dream = summary["learned_simulator"]
    assert (tmp_path / "demo" / "real_vs_imagined.mp4").exists()
    assert set(dream["psnr_db_at_horizon"]) == {1, 10, 20, 47}
    assert json.loads((tmp_path / "demo" / "summary.json").read_text())["windows"] == summary["windows"]


def test_missing_bundle_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("DREAMGYM_ENVS", str(tmp_path))
    with pytest.raises(BundleError, match="No learned simulator for 'soccer'.*available: none"):
        find_bundle("soccer")
