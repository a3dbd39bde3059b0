"""A bundle with a distilled one-step world model next to its teacher: adding, choosing, refusing."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from test_dream_sb3 import tiny_simulator

from dreamgym.bundle import BundleError, load_bundle, read_manifest, save_world_model, weights_digest
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.export import add_distilled_world_model
from dreamgym.world_model.denoiser import Denoiser


def _student_run(folder, bundle, teacher_digest=None):
    """A finished distill-world-model run folder holding a perturbed copy of the bundle's world model."""
    teacher = LearnedSimulator.load(bundle, sampler="teacher").world_model
    student = Denoiser(teacher.config)
    student.load_state_dict(teacher.state_dict())
    with torch.no_grad():
        for parameter in student.parameters():
            parameter.add_(0.01)
    save_world_model(folder / "world_model", student)
    (folder / "sampler.json").write_text(json.dumps({"num_steps": 1, "order": 1, "sigma_min": 0.002, "sigma_max": 5.0, "rho": 7.0}))
    digest = teacher_digest or weights_digest(teacher)
    (folder / "summary.json").write_text(json.dumps({"steps": 3, "teacher_weights_sha256": digest, "heldout": {}}))
    return student


@pytest.fixture
def distilled_bundle(tmp_path):
    bundle = tiny_simulator().save(tmp_path / "bundle")
    student = _student_run(tmp_path / "run", bundle)
    add_distilled_world_model(bundle, tmp_path / "run", notes="distilled")
    return bundle, student


def test_added_student_is_the_default_and_the_teacher_stays_selectable(distilled_bundle):
    bundle, student = distilled_bundle
    manifest = read_manifest(bundle)
    assert manifest.default_sampler == "distilled" and manifest.distilled_sampler["num_steps"] == 1
    assert manifest.provenance["distilled_world_model"]["stored_as"] == "float16"
    _, default_model, default_sampler = load_bundle(bundle)
    _, teacher_model, teacher_sampler = load_bundle(bundle, sampler="teacher")
    assert default_sampler.num_steps == 1 and teacher_sampler.num_steps == 1  # tiny_simulator's teacher samples 1 step
    for name, tensor in student.state_dict().items():  # stored in float16: equal up to half precision
        torch.testing.assert_close(default_model.state_dict()[name], tensor.half().float(), rtol=0, atol=0, msg=name)
    assert not torch.equal(next(teacher_model.parameters()), next(default_model.parameters()))
    assert LearnedSimulator.load(bundle).sampler_name == "distilled"
    assert LearnedSimulator.load(bundle, sampler="teacher").sampler_name == "teacher"


def test_env_runs_the_chosen_world_model(distilled_bundle):
    bundle, _ = distilled_bundle
    for choice in ("distilled", "teacher"):
        env = DreamWorldVectorEnv(num_envs=2, bundle=bundle, sampler=choice)
        _, expected, sampler = load_bundle(bundle, sampler=choice)
        assert env.simulator.sampler_name == choice and env.sampler == sampler
        for name, tensor in expected.state_dict().items():
            torch.testing.assert_close(env.simulator.world_model.state_dict()[name], tensor, rtol=0, atol=0, msg=name)
        env.reset(seed=3)
        env.step(np.zeros((2, 4), np.float32))
        env.close()
    env = DreamWorldVectorEnv(num_envs=2, bundle=bundle)
    assert env.simulator.sampler_name == "distilled"


def test_bad_sampler_choices_are_refused(distilled_bundle, tmp_path):
    bundle, _ = distilled_bundle
    with pytest.raises(BundleError, match=r"sampler 'fast' is not available; expected one of \['teacher', 'distilled'\], which this bundle offers"):
        DreamWorldVectorEnv(bundle=bundle, sampler="fast")
    with pytest.raises(ValueError, match=r"denoising_steps=3 sets the teacher's sampler.*sampler='teacher'"):
        DreamWorldVectorEnv(bundle=bundle, denoising_steps=3)
    DreamWorldVectorEnv(bundle=bundle, sampler="teacher", denoising_steps=3).close()
    with pytest.raises(ValueError, match="the given simulator already holds one"):
        DreamWorldVectorEnv(simulator=LearnedSimulator.load(bundle), sampler="teacher")
    plain = tiny_simulator().save(tmp_path / "plain")
    with pytest.raises(BundleError, match=r"sampler 'distilled' is not available; expected one of \['teacher'\], which this bundle offers.*add-distilled-world-model"):
        LearnedSimulator.load(plain, sampler="distilled")


def test_student_of_another_world_model_is_refused(tmp_path):
    bundle = tiny_simulator().save(tmp_path / "bundle")
    _student_run(tmp_path / "run", bundle, teacher_digest="0" * 64)
    before = (bundle / "manifest.json").read_bytes()
    with pytest.raises(BundleError, match=r"distilled from a world model with weights digest 0{64}.*expected a student of this bundle's world model"):
        add_distilled_world_model(bundle, tmp_path / "run")
    assert (bundle / "manifest.json").read_bytes() == before
    with pytest.raises(FileNotFoundError, match="not a finished distill-world-model run: summary.json is missing"):
        add_distilled_world_model(bundle, tmp_path / "nothing")


def test_student_of_another_sampler_of_the_same_world_model_is_refused(tmp_path):
    """Same weights, other sampler (e.g. another action guidance): the student reproduces another teacher."""
    bundle = tiny_simulator().save(tmp_path / "bundle")
    _student_run(tmp_path / "run", bundle)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    summary["teacher_sampler"] = {"num_steps": 5, "order": 1, "sigma_min": 0.002, "sigma_max": 5.0, "rho": 7.0}
    (tmp_path / "run" / "summary.json").write_text(json.dumps(summary))
    before = (bundle / "manifest.json").read_bytes()
    with pytest.raises(BundleError, match=r"learned the outputs of the teacher sampled with \{'num_steps': 5.*expected a student of this bundle's sampler"):
        add_distilled_world_model(bundle, tmp_path / "run")
    assert (bundle / "manifest.json").read_bytes() == before
    summary["teacher_sampler"] = read_manifest(bundle).sampler  # the bundle's own sampler: accepted
    (tmp_path / "run" / "summary.json").write_text(json.dumps(summary))
    add_distilled_world_model(bundle, tmp_path / "run")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"default_sampler": "fast"}, r"'default_sampler' is 'fast'; expected one of \['teacher', 'distilled'\]"),
        ({"distilled_sampler": None}, r"'components' has a 'distilled_world_model' but there is no 'distilled_sampler'"),
        ({"distilled_sampler": {"num_steps": 0}}, r"'distilled_sampler' is \{'num_steps': 0\}; expected the settings of a SamplerConfig"),
    ],
)
def test_inconsistent_distilled_manifest_is_refused(distilled_bundle, change, message):
    bundle, _ = distilled_bundle
    path = bundle / "manifest.json"
    data = json.loads(path.read_text())
    data.update(change)
    data = {key: value for key, value in data.items() if value is not None}
    path.write_text(json.dumps(data))
    with pytest.raises(BundleError, match=message):
        read_manifest(bundle)


def test_default_distilled_without_a_student_is_refused(tmp_path):
    bundle = tiny_simulator().save(tmp_path / "bundle")
    path = bundle / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "default_sampler": "distilled"}))
    with pytest.raises(BundleError, match="'default_sampler' is 'distilled' but the bundle has no distilled world model"):
        read_manifest(bundle)


def test_plain_manifest_is_written_without_the_new_keys(tmp_path):
    bundle = tiny_simulator().save(tmp_path / "bundle")
    data = json.loads((bundle / "manifest.json").read_text())
    assert "default_sampler" not in data and "distilled_sampler" not in data


def test_gym_make_takes_the_sampler(distilled_bundle, monkeypatch, tmp_path):
    bundle, _ = distilled_bundle
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "coffee-pull").symlink_to(bundle, target_is_directory=True)
    monkeypatch.setenv("DREAMGYM_ENVS", str(envs))
    from dreamgym.registration import register_envs

    register_envs()
    env = gym.make("DreamWorld-CoffeePull-v0", sampler="teacher")
    assert env.unwrapped.simulator.sampler_name == "teacher"
    env.close()
    vec = gym.make_vec("DreamWorld-CoffeePull-v0", num_envs=2, vectorization_mode="vector_entry_point")
    assert vec.unwrapped.simulator.sampler_name == "distilled"
    vec.close()


def test_cli_adds_the_student(tmp_path, capsys):
    from dreamgym.cli import main

    bundle = tiny_simulator().save(tmp_path / "bundle")
    _student_run(tmp_path / "run", bundle)
    assert main(["add-distilled-world-model", "--bundle", str(bundle), "--distill-run", str(tmp_path / "run"),
                 "--teacher-default", "--float32"]) == 0
    manifest = read_manifest(bundle)
    assert manifest.default_sampler == "teacher" and manifest.provenance["distilled_world_model"]["stored_as"] == "float32"


def test_weights_digest_follows_the_values_not_the_file(tmp_path):
    simulator = tiny_simulator()
    folder_a = save_world_model(tmp_path / "a", simulator.world_model)
    folder_b = save_world_model(tmp_path / "b", simulator.world_model.to(memory_format=torch.channels_last))
    from dreamgym.bundle import load_world_model

    a, b = load_world_model(folder_a), load_world_model(folder_b)
    assert weights_digest(a) == weights_digest(b) == weights_digest(simulator.world_model)
    with torch.no_grad():
        next(b.parameters()).add_(1e-3)
    assert weights_digest(b) != weights_digest(a)
