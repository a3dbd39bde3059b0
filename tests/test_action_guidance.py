"""Action dropout in training and action guidance in sampling (classifier-free guidance on the actions)."""

import dataclasses
import json

import pytest
import torch

from dreamgym.world_model.actions import ActionEncoder, ActionEncoderConfig
from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig, frames_to_model
from dreamgym.world_model.sampler import SamplerConfig, guided_denoiser_output, sample_next_frame

TINY = dict(image_size=16, channels=(16, 16), patch_size=2)


def _context(batch=3, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    frames = torch.randint(0, 256, (batch, 4, 3, size, size), dtype=torch.uint8, generator=g)
    actions = torch.rand(batch, 4, 4, generator=g) * 2 - 1
    return frames, actions


def _model(action_dropout=0.2, seed=0):
    torch.manual_seed(seed)
    return Denoiser(DenoiserConfig(**TINY, action_dropout=action_dropout)).eval()


def test_the_null_action_replaces_only_the_hidden_rows():
    torch.manual_seed(0)
    encoder = ActionEncoder(ActionEncoderConfig(), embedding_dim=32)
    actions = torch.rand(4, 4, 4) * 2 - 1
    other_actions = torch.rand(4, 4, 4) * 2 - 1
    hidden = torch.tensor([False, True, False, True])
    with torch.no_grad():
        masked = encoder(actions, hidden)
        masked_other = encoder(other_actions, hidden)
        plain = encoder(actions)
        null = encoder.mlp(torch.zeros(1, encoder.config.encoded_size))
    torch.testing.assert_close(masked[~hidden], plain[~hidden], rtol=0, atol=0)
    torch.testing.assert_close(masked[hidden], null.expand(2, -1))
    torch.testing.assert_close(masked[hidden], masked_other[hidden], rtol=0, atol=0)  # whatever the actions were


@pytest.mark.parametrize("value", [1.0, -0.1, True, "0.1", float("nan")])
def test_bad_action_dropout_is_explained(value):
    with pytest.raises(ValueError, match=r"action_dropout must be a number in \[0, 1\)"):
        DenoiserConfig(**TINY, action_dropout=value)


def test_action_dropout_needs_a_binned_action_encoding():
    with pytest.raises(ValueError, match="needs a binned action encoding"):
        DenoiserConfig(**TINY, actions=ActionEncoderConfig(encoding="linear"), action_dropout=0.1)


def test_configs_without_action_dropout_are_saved_and_read_as_before():
    saved = DenoiserConfig(**TINY).to_dict()
    assert "action_dropout" not in saved  # a config.json exactly as written before action dropout existed
    assert DenoiserConfig(**saved).action_dropout == 0.0
    assert DenoiserConfig(**TINY, action_dropout=0.2).to_dict()["action_dropout"] == 0.2
    assert "action_guidance" not in SamplerConfig().to_dict() and SamplerConfig(action_guidance=2).to_dict()["action_guidance"] == 2


def test_action_dropout_trains_some_examples_without_their_actions():
    frames, actions = _context(batch=4)
    context, target = frames_to_model(frames), frames_to_model(frames[:, -1])
    other_actions = -actions

    def loss(model, acts, seed):
        return model.loss(context, acts, target, torch.Generator().manual_seed(seed)).item()

    # nearly always dropped: for this seed every row is hidden, so the loss cannot depend on the actions
    always = _model(action_dropout=0.99).train()
    assert loss(always, actions, 0) == loss(always, other_actions, 0)
    always.eval()  # validation: every example keeps its actions
    assert loss(always, actions, 0) != loss(always, other_actions, 0)
    never = _model(action_dropout=0.0)
    assert loss(never, actions, 0) != loss(never, other_actions, 0)
    # without dropout nothing more is drawn: the generator ends where the draws of the noise alone leave it
    generator = torch.Generator().manual_seed(3)
    never.loss(context, actions, target, generator)
    reference = torch.Generator().manual_seed(3)
    torch.rand(4, 1, 1, 1, 1, generator=reference), torch.randn(*context.shape, generator=reference)
    torch.randn(4, generator=reference), torch.randn(*target.shape, generator=reference)
    assert torch.equal(generator.get_state(), reference.get_state())


def test_guidance_extrapolates_from_the_frames_only_prediction_towards_the_actions():
    model = _model()
    frames, actions = _context()
    x = torch.randn(3, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    sigma = torch.tensor(0.7)
    context = frames_to_model(frames)
    with torch.no_grad():
        with_actions = model(x, sigma.expand(3), context, actions)
        without = model(x, sigma.expand(3), context, actions, torch.ones(3, dtype=torch.bool))
        for weight in (0.0, 1.0, 2.5):
            guided = guided_denoiser_output(model, x, sigma, context, actions, weight)
            torch.testing.assert_close(guided, without + weight * (with_actions - without), rtol=1e-5, atol=1e-5)
        # weight 0: the actions do not matter at all
        torch.testing.assert_close(guided_denoiser_output(model, x, sigma, context, -actions, 0.0), without, rtol=1e-5, atol=1e-5)


def test_guided_sampling_is_seeded_and_differs_from_plain_sampling():
    model = _model()
    frames, actions = _context()
    guided = SamplerConfig(action_guidance=3.0)
    a = sample_next_frame(model, frames, actions, guided, torch.Generator().manual_seed(1))
    b = sample_next_frame(model, frames, actions, guided, torch.Generator().manual_seed(1))
    plain = sample_next_frame(model, frames, actions, SamplerConfig(), torch.Generator().manual_seed(1))
    assert a.dtype == torch.uint8 and torch.equal(a, b) and not torch.equal(a, plain)


def test_guidance_is_refused_for_a_model_that_never_saw_the_null_action():
    frames, actions = _context()
    with pytest.raises(ValueError, match=r"action_guidance=2 needs a world model trained with action dropout"):
        sample_next_frame(_model(action_dropout=0.0), frames, actions, SamplerConfig(action_guidance=2.0))
    sample_next_frame(_model(action_dropout=0.0), frames, actions, SamplerConfig(action_guidance=1.0))  # no guidance: fine


@pytest.mark.parametrize("value", [-1.0, 10.5, True, "2"])
def test_bad_guidance_weights_are_explained(value):
    with pytest.raises(ValueError, match="action_guidance must be a number from 0 to 10"):
        SamplerConfig(action_guidance=value)


def _tiny_dataset(folder):
    from test_world_model import _tiny_dataset as make

    make(folder)


def _train(tmp_path, out, steps, model, **overrides):
    from dreamgym.world_model.train import TrainConfig, train_world_model

    values = dict(data=tmp_path / "data", out_dir=out, model=model, steps=steps, batch_size=8, learning_rate=1e-3,
                  warmup_steps=2, checkpoint_every=5, eval_every=1000, log_every=5, holdout_every=4, rollout_steps=3)
    values.update(overrides)
    return train_world_model(TrainConfig(**values), progress=False)


def test_fine_tuning_adds_action_dropout_and_the_bundle_records_its_guidance(tmp_path):
    from dreamgym.bundle import load_bundle, load_world_model
    from dreamgym.export import export_bundle

    _tiny_dataset(tmp_path / "data")
    _train(tmp_path, tmp_path / "source", 2, DenoiserConfig(**TINY))
    with pytest.raises(ValueError, match="needs a world model trained with action dropout"):
        export_bundle(tmp_path / "source", tmp_path / "refused", sampler=SamplerConfig(action_guidance=2.0))
    assert not (tmp_path / "refused" / "manifest.json").exists()

    source = load_world_model(tmp_path / "source" / "world_model")
    tuned_config = dataclasses.replace(source.config, action_dropout=0.3)
    _train(tmp_path, tmp_path / "tuned", 2, tuned_config, init_from=tmp_path / "source" / "world_model")
    assert load_world_model(tmp_path / "tuned" / "world_model").config.action_dropout == 0.3
    export_bundle(tmp_path / "tuned", tmp_path / "bundle", sampler=SamplerConfig(action_guidance=2.0))
    manifest, _, sampler = load_bundle(tmp_path / "bundle")
    assert sampler.action_guidance == 2.0 and manifest.sampler["action_guidance"] == 2.0
    assert manifest.provenance["model"]["action_dropout"] == 0.3


def test_the_command_line_adds_action_dropout_when_fine_tuning(tmp_path):
    from dreamgym import cli
    from dreamgym.bundle import load_world_model

    _tiny_dataset(tmp_path / "data")
    _train(tmp_path, tmp_path / "source", 2, DenoiserConfig(**TINY))
    code = cli.main(["train-world-model", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "tuned"), "--steps", "1",
                     "--batch-size", "8", "--init-from", str(tmp_path / "source" / "world_model"), "--action-dropout", "0.25",
                     "--eval-every", "100", "--no-progress"])
    assert code in (None, 0)
    tuned = load_world_model(tmp_path / "tuned" / "world_model")
    assert tuned.config.action_dropout == 0.25 and tuned.config.channels == (16, 16)
    saved = json.loads((tmp_path / "tuned" / "world_model" / "config.json").read_text())
    assert saved["action_dropout"] == 0.25


def test_a_bundle_can_lend_its_reward_classifier_and_its_provenance(tmp_path):
    from test_export_simulator import SIZE, _episodes

    from dreamgym.dream.simulator import LearnedSimulator
    from dreamgym.export import export_bundle
    from dreamgym.reward.classifier import RewardClassifierConfig
    from dreamgym.reward.train import RewardTrainConfig, train_reward_classifier

    _episodes(tmp_path / "data")
    _train(tmp_path, tmp_path / "wm", 2, DenoiserConfig(image_size=SIZE, channels=(16, 16), action_dropout=0.2),
           holdout_every=5, batch_size=4, rollout_steps=2)
    train_reward_classifier(
        RewardTrainConfig(data=tmp_path / "data", out_dir=tmp_path / "reward",
                          model=RewardClassifierConfig(image_size=SIZE, channels=(8, 8)), steps=3, batch_size=4, holdout_every=5),
        progress=False,
    )
    first = export_bundle(tmp_path / "wm", tmp_path / "first", reward_run=tmp_path / "reward", initial_state_frames=6)
    second = export_bundle(tmp_path / "wm", tmp_path / "second", reward_run=first, initial_state_frames=6,
                           sampler=SamplerConfig(action_guidance=1.5))
    a, b = LearnedSimulator.load(first), LearnedSimulator.load(second)
    assert b.manifest.provenance["reward_model"] == {**a.manifest.provenance["reward_model"], "from_bundle": str(first)}
    assert b.sampler.action_guidance == 1.5 and a.sampler.action_guidance == 1.0
    for p, q in zip(a.reward_model.parameters(), b.reward_model.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    world_model_only = export_bundle(tmp_path / "wm", tmp_path / "world-model-only")
    with pytest.raises(FileNotFoundError, match="is a bundle without a reward classifier"):
        export_bundle(tmp_path / "wm", tmp_path / "third", reward_run=world_model_only)


def test_a_simulator_with_guidance_but_a_model_without_dropout_is_refused():
    from test_dream_sb3 import tiny_simulator

    from dreamgym.dream.simulator import LearnedSimulator

    simulator = tiny_simulator()
    assert simulator.world_model.config.action_dropout == 0
    with pytest.raises(ValueError, match=r"action_guidance=2 needs a world model trained with action dropout"):
        LearnedSimulator(simulator.manifest, simulator.world_model, simulator.reward_model, simulator.initial_states,
                         SamplerConfig(action_guidance=2.0))
