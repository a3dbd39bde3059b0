"""The reward classifier learns success from frames, picks a threshold and round-trips through safetensors."""

import re

import numpy as np
import pytest
import torch

from dreamgym.bundle import load_reward_model, save_reward_model
from dreamgym.data.episode import make_episode, save_episode
from dreamgym.reward.classifier import RewardClassifier, RewardClassifierConfig
from dreamgym.reward.train import (
    RewardTrainConfig,
    binary_metrics,
    choose_threshold,
    random_shift,
    sequence_ids,
    sequence_metrics,
    train_reward_classifier,
)


def _dataset(folder, episodes=10, steps=12, size=16):
    """Success = the bright square has jumped from the left to the right half of the frame."""
    for index in range(episodes):
        frames, success = [], []
        for t in range(steps + 1):
            x = 2 if t < steps // 2 else size - 6
            frame = np.full((3, size, size), 40, np.uint8)
            frame[:, 6:10, x : x + 4] = 230
            frames.append(frame)
            success.append(x >= size // 2)
        meta = {"task": "toy", "source": "expert", "index": index}
        save_episode(make_episode(np.stack(frames), np.zeros((steps, 4)), np.zeros(steps), success, meta), folder / f"{index}.npz")


def test_metrics_and_threshold_choice():
    probabilities = torch.tensor([0.1, 0.4, 0.6, 0.9])
    labels = torch.tensor([False, False, True, True])
    assert binary_metrics(probabilities, labels, 0.5) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "accuracy": 1.0, "positives": 2}
    assert binary_metrics(probabilities, labels, 0.95)["recall"] == 0.0
    assert 0.4 < choose_threshold(probabilities, labels) <= 0.6


def test_sequence_metrics_count_episode_outcomes():
    # three sequences: a success the classifier finds, a failure it fires on once, a success it misses
    probabilities = torch.tensor([0.1, 0.9, 0.2, 0.7, 0.1, 0.3])
    labels = torch.tensor([False, True, False, False, False, True])
    sequences = sequence_ids([2, 2, 2])
    assert sequences.tolist() == [0, 0, 1, 1, 2, 2]
    metrics = sequence_metrics(probabilities, labels, sequences, 0.5)
    assert metrics == {"sequences": 3, "successes": 2, "false_fires": 1, "missed": 1, "agreement": 1 / 3}
    assert sequence_metrics(probabilities, labels, sequences, 0.25)["missed"] == 0
    with pytest.raises(ValueError, match="1-D of one length"):
        sequence_metrics(probabilities, labels[:-1], sequences, 0.5)


def test_threshold_is_chosen_for_sequences_not_frames():
    # Frame F1 alone prefers a low threshold that also fires once on each of the 5 failed sequences
    # (it finds all weak success frames); the environment ends an episode at its first firing frame,
    # so one stray frame is a false success.
    fail = [0.7] + [0.05] * 9  # one stray frame per failed episode
    success = [0.05] * 4 + [0.6] * 3 + [0.95] * 3  # success frames: 3 weak, 3 confident
    probabilities = torch.tensor(fail * 5 + success * 5)
    labels = torch.tensor([False] * 50 + ([False] * 4 + [True] * 6) * 5)
    sequences = sequence_ids([10] * 10)
    frame_choice = choose_threshold(probabilities, labels)
    sequence_choice = choose_threshold(probabilities, labels, sequences)
    assert frame_choice <= 0.6
    assert 0.7 < sequence_choice <= 0.94
    assert sequence_metrics(probabilities, labels, sequences, sequence_choice)["agreement"] == 1.0
    assert sequence_metrics(probabilities, labels, sequences, frame_choice)["false_fires"] == 5


def test_random_shift_keeps_shape_and_is_seeded():
    frames = torch.randint(0, 256, (5, 3, 16, 16), dtype=torch.uint8)
    a = random_shift(frames, 3, torch.Generator().manual_seed(0))
    b = random_shift(frames, 3, torch.Generator().manual_seed(0))
    assert a.shape == frames.shape and a.dtype == torch.uint8 and torch.equal(a, b)


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="threshold"):
        RewardClassifierConfig(threshold=1.5)
    model = RewardClassifier(RewardClassifierConfig(image_size=16, channels=(8, 8)))
    with pytest.raises(ValueError, match="uint8 frames"):
        model(torch.zeros(2, 3, 16, 16))


def test_classifier_learns_and_round_trips(tmp_path):
    _dataset(tmp_path / "data")
    config = RewardTrainConfig(
        data=tmp_path / "data", out_dir=tmp_path / "run", model=RewardClassifierConfig(image_size=16, channels=(16, 16)),
        steps=150, batch_size=16, holdout_every=5, shift=1,
    )
    summary = train_reward_classifier(config, progress=False)
    held_out = summary["heldout_real_frames"]
    assert held_out["precision"] >= 0.9 and held_out["recall"] >= 0.9, held_out
    model = load_reward_model(tmp_path / "run" / "reward_model")
    assert model.config.threshold == summary["threshold"]
    frames = torch.randint(0, 256, (4, 3, 16, 16), dtype=torch.uint8)
    save_reward_model(tmp_path / "copy", model)
    torch.testing.assert_close(load_reward_model(tmp_path / "copy").success_probability(frames), model.success_probability(frames))


def test_one_class_data_is_refused(tmp_path):
    folder = tmp_path / "data"
    for index in range(10):
        meta = {"task": "toy", "source": "random", "index": index}
        save_episode(make_episode(np.zeros((5, 3, 16, 16), np.uint8), np.zeros((4, 4)), np.zeros(4), np.zeros(5, bool), meta), folder / f"{index}.npz")
    with pytest.raises(ValueError, match="both classes"):
        train_reward_classifier(RewardTrainConfig(data=folder, out_dir=tmp_path / "run", steps=1), progress=False)


def test_classifier_can_learn_from_imagined_frames(tmp_path):
    from dreamgym.bundle import save_world_model
    from dreamgym.world_model.denoiser import Denoiser, DenoiserConfig

    _dataset(tmp_path / "data")
    save_world_model(tmp_path / "wm", Denoiser(DenoiserConfig(image_size=16, channels=(16, 16))))
    config = RewardTrainConfig(
        data=tmp_path / "data", out_dir=tmp_path / "run", model=RewardClassifierConfig(image_size=16, channels=(8, 8)),
        steps=5, batch_size=8, holdout_every=5, world_model=tmp_path / "wm", imagined_horizon=3, imagined_stride=4,
    )
    summary = train_reward_classifier(config, progress=False)
    # 8 training episodes x 2 contexts (t0 = 0, 4) x 3 imagined frames; 2 held-out episodes likewise
    assert summary["train_imagined_frame_count"] == 8 * 2 * 3 and summary["heldout_imagined_frame_count"] == 2 * 2 * 3
    assert summary["heldout_real_frames"]["frames"] == 2 * 13
    assert set(summary["heldout_imagined_frames"]) >= {"precision", "recall", "f1"}  # metrics, not a count


def test_imagined_frames_world_model_that_is_neither_bundle_nor_world_model_folder(tmp_path):
    """A file given as the world model names itself and both things it could have been (was: '<file>/config.json is missing')."""
    _dataset(tmp_path / "data")
    not_a_model = tmp_path / "notes.txt"
    not_a_model.write_text("hi")
    config = RewardTrainConfig(data=tmp_path / "data", out_dir=tmp_path / "run", model=RewardClassifierConfig(image_size=16, channels=(8, 8)),
                               steps=1, batch_size=8, holdout_every=5, world_model=not_a_model)
    with pytest.raises(FileNotFoundError, match=re.escape(f"{not_a_model} is neither a bundle (manifest.json) nor a world-model folder")):
        train_reward_classifier(config, progress=False)
