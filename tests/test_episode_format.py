import json

import numpy as np
import pytest

from dreamgym.data.episode import EpisodeFormatError, episode_paths, load_episode, make_episode, save_episode


def test_round_trip_is_lossless(tmp_path, synthetic_episode):
    episode = synthetic_episode(steps=7)
    episode.frames[3, 1, 2, 2] = 201  # arbitrary pixel values survive
    path = save_episode(episode, tmp_path / "a" / "ep.npz")
    loaded = load_episode(path)
    np.testing.assert_array_equal(loaded.frames, episode.frames)
    np.testing.assert_array_equal(loaded.actions, episode.actions)
    np.testing.assert_array_equal(loaded.success, episode.success)
    assert loaded.meta == episode.meta
    assert episode_paths(tmp_path) == [path]


def test_save_leaves_no_temp_files(tmp_path, synthetic_episode):
    save_episode(synthetic_episode(), tmp_path / "ep.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["ep.npz"]


def test_frame_action_count_mismatch_is_explained():
    frames = np.zeros((5, 3, 8, 8), np.uint8)
    with pytest.raises(EpisodeFormatError, match=r"5 frames for 5 actions; expected T\+1 = 6"):
        make_episode(frames, np.zeros((5, 4)), np.zeros(5), np.zeros(6, bool), {"task": "x", "source": "y"})


def test_float_frames_are_refused():
    with pytest.raises(EpisodeFormatError, match="uint8"):
        make_episode(np.zeros((3, 3, 8, 8)), np.zeros((2, 4)), np.zeros(2), np.zeros(3, bool), {"task": "x", "source": "y"})


def test_out_of_range_actions_are_refused():
    with pytest.raises(EpisodeFormatError, match=r"within \[-1, 1\]"):
        make_episode(np.zeros((3, 3, 8, 8), np.uint8), np.full((2, 4), 2.0), np.zeros(2), np.zeros(3, bool), {"task": "x", "source": "y"})


def test_missing_meta_is_named():
    with pytest.raises(EpisodeFormatError, match="lacks \\['source'\\]"):
        make_episode(np.zeros((3, 3, 8, 8), np.uint8), np.zeros((2, 4)), np.zeros(2), np.zeros(3, bool), {"task": "x"})


def test_unknown_format_version_is_refused(tmp_path, synthetic_episode):
    episode = synthetic_episode()
    path = save_episode(episode, tmp_path / "ep.npz")
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    meta = json.loads(str(arrays["meta"]))
    meta["format_version"] = 99
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(EpisodeFormatError, match="format_version 99 is not supported"):
        load_episode(path)


def test_corrupt_file_gives_clear_error(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(EpisodeFormatError, match="not a readable dreamgym episode"):
        load_episode(path)


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        episode_paths(tmp_path / "nope")
