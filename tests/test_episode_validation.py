"""Episode files: every bad input gets an EpisodeFormatError that names the value and what is expected."""

import json
import re

import numpy as np
import pytest

from dreamgym.data.episode import (
    Episode,
    EpisodeFormatError,
    check_task_label,
    episode_paths,
    load_episode,
    load_episodes,
    make_episode,
    save_episode,
)

STEPS, SIZE = 5, 8


def _arrays(**overrides):
    """Valid arguments of make_episode, with ``overrides``."""
    values = {
        "frames": np.zeros((STEPS + 1, 3, SIZE, SIZE), np.uint8),
        "actions": np.zeros((STEPS, 4), np.float32),
        "rewards": np.zeros(STEPS, np.float32),
        "success": np.zeros(STEPS + 1, bool),
        "meta": {"task": "coffee-pull", "source": "expert"},
    }
    values.update(overrides)
    return values


def _with_nan(shape, index):
    array = np.zeros(shape, np.float32)
    array[index] = np.nan
    return array


MADE_BADLY = {
    "float frames": (dict(frames=np.zeros((STEPS + 1, 3, SIZE, SIZE))), r"frames must be uint8 \(0-255\), got float64"),
    "channel-last frames": (dict(frames=np.zeros((STEPS + 1, SIZE, SIZE, 3), np.uint8)), r"frames must be uint8 of shape \(T\+1, 3, H, W\), got uint8 \(6, 8, 8, 3\)"),
    "empty frames": (dict(frames=np.zeros((STEPS + 1, 3, 0, 0), np.uint8)), r"got uint8 \(6, 3, 0, 0\)"),
    "non-square frames": (dict(frames=np.zeros((STEPS + 1, 3, 8, 12), np.uint8)), r"frames are 8x12 \(height x width\); expected square frames"),
    "1-D actions": (dict(actions=np.zeros(STEPS)), r"actions must be float32 of shape \(T, action_dim\) with T >= 1, got float32 \(5,\)"),
    "boolean actions": (dict(actions=np.zeros((STEPS, 4), bool)), r"actions must be numbers, got bool \(5, 4\)"),
    "string actions": (dict(actions=np.full((STEPS, 4), "a")), r"actions must be numbers, got <U1 \(5, 4\)"),
    "ragged actions": (dict(actions=[[0.0] * 4, [0.0] * 3]), r"actions must be a rectangular array of numbers"),
    "too few frames": (dict(frames=np.zeros((STEPS, 3, SIZE, SIZE), np.uint8)), r"5 frames for 5 actions; expected T\+1 = 6 frames"),
    "NaN action": (dict(actions=_with_nan((STEPS, 4), (2, 1))), r"actions must be finite and within \[-1, 1\]; found nan at index \(2, 1\)"),
    "action out of range": (dict(actions=np.full((STEPS, 4), 1.5)), r"actions must be finite and within \[-1, 1\]; found 1.5 at index \(0, 0\)"),
    "rewards of wrong length": (dict(rewards=np.zeros(STEPS + 1)), r"rewards must be float32 of shape \(5,\), got float32 \(6,\)"),
    "infinite reward": (dict(rewards=np.array([0, 0, np.inf, 0, 0])), r"rewards must be finite; found inf at index 2"),
    "success label 2": (dict(success=np.array([0, 0, 2, 1, 1, 1])), r"success labels must be booleans or 0/1, got int64 \(6,\) with values \[2\] outside \{0, 1\}"),
    "success label 0.5": (dict(success=np.full(STEPS + 1, 0.5)), r"with values \[0.5\] outside \{0, 1\}"),
    "success of wrong length": (dict(success=np.zeros(STEPS, bool)), r"success must be bool labels \(0 or 1\) of shape \(6,\), got bool \(5,\)"),
    "missing source": (dict(meta={"task": "x"}), r"meta lacks \['source'\]; required keys are"),
    "empty task": (dict(meta={"task": "", "source": "y"}), r"meta 'task' is ''; expected a non-empty string"),
    "format_version as string": (dict(meta={"task": "x", "source": "y", "format_version": "1"}), r"format_version '1' is not supported \(this dreamgym reads the integer 1\)"),
    "meta with a non-string key": (dict(meta={"task": "x", "source": "y", 3: "z"}), r"meta key 3 is a int; expected string keys"),
    "meta with an array value": (dict(meta={"task": "x", "source": "y", "seed": np.array([1, 2])}), r"meta 'seed' is array\(\[1, 2\]\), which is not JSON-serialisable .*; expected JSON values"),
    "meta with an object value": (dict(meta={"task": "x", "source": "y", "camera": object()}), r"meta 'camera' is <object object at .*>, which is not JSON-serialisable"),
    "width disagrees with frames": (dict(meta={"task": "x", "source": "y", "width": 64}),
                                    r"meta 'width' is 64, but the frames are 8x8; expected width 8 \(or no 'width'\)\."),
    "meta with NaN": (dict(meta={"task": "x", "source": "y", "noise_std": float("nan")}),
                      r"meta 'noise_std' is nan, which is not JSON-serialisable .*; expected JSON values \(str, int, finite float"),
    "meta with infinity": (dict(meta={"task": "x", "source": "y", "seed": [1, float("inf")]}), r"meta 'seed' is \[1, inf\], which is not JSON"),
    "meta a list": (dict(meta=["coffee-pull", "expert"]),
                    r"meta must be a dict \(JSON object\) with at least 'task' and 'source', got list \['coffee-pull', 'expert'\]\."),
}


@pytest.mark.parametrize("overrides, message", MADE_BADLY.values(), ids=MADE_BADLY.keys())
def test_make_episode_refuses(overrides, message):
    with pytest.raises(EpisodeFormatError, match=message):
        make_episode(**_arrays(**overrides))


def test_states_must_be_finite_and_one_per_frame():
    with pytest.raises(EpisodeFormatError, match=r"states must be float64 of shape \(6, S\), got float64 \(5, 39\)"):
        make_episode(**_arrays(), states=np.zeros((STEPS, 39)))
    states = np.zeros((STEPS + 1, 39))
    states[4, 7] = -np.inf
    with pytest.raises(EpisodeFormatError, match=r"states must be finite; found -inf at index \(4, 7\)"):
        make_episode(**_arrays(), states=states)


def test_zero_and_one_labels_become_booleans():
    episode = make_episode(**_arrays(success=[0, 0, 0, 1, 1, 1]))
    assert episode.success.dtype == np.bool_ and episode.success.tolist() == [False] * 3 + [True] * 3


def _saved(tmp_path, name="ep.npz", **arrays):
    """Save a valid episode, then overwrite its arrays with ``arrays`` (as a hand-made file would)."""
    path = save_episode(make_episode(**_arrays()), tmp_path / name)
    with np.load(path) as archive:
        stored = {key: archive[key] for key in archive.files}
    stored.update(arrays)
    np.savez(path, **stored)
    return path


FILES_BADLY = {
    "success label 2": (dict(success=np.array([0, 0, 2, 1, 1, 1])), r"success must be bool labels \(0 or 1\) of shape \(6,\), got int64 \(6,\) with values \[2\] outside \{0, 1\}"),
    "boolean actions": (dict(actions=np.zeros((STEPS, 4), bool)), r"actions must be float32 of shape \(T, action_dim\) with T >= 1, got bool \(5, 4\)"),
    "float64 actions": (dict(actions=np.zeros((STEPS, 4))), r"actions must be float32 .* got float64 \(5, 4\)"),
    "non-square frames": (dict(frames=np.zeros((STEPS + 1, 3, 8, 6), np.uint8)), r"frames are 8x6 \(height x width\); expected square"),
    "NaN action": (dict(actions=_with_nan((STEPS, 4), (0, 3))), r"found nan at index \(0, 3\)"),
    "meta not JSON": (dict(meta=np.array("{task:")), r"'meta' is not a JSON string \(.*\); expected the episode's metadata as a JSON object string\."),
    "meta a list": (dict(meta=np.array("[1, 2]")), r"meta must be a JSON object \(dict\), got list"),
}


@pytest.mark.parametrize("arrays, message", FILES_BADLY.values(), ids=FILES_BADLY.keys())
def test_load_episode_refuses_and_names_the_file(tmp_path, arrays, message):
    path = _saved(tmp_path, **arrays)
    with pytest.raises(EpisodeFormatError, match=re.escape(str(path)) + ".*" + message):
        load_episode(path)


def test_missing_array_is_named(tmp_path):
    path = save_episode(make_episode(**_arrays()), tmp_path / "ep.npz")
    with np.load(path) as archive:
        stored = {key: archive[key] for key in archive.files if key != "rewards"}
    np.savez(path, **stored)
    with pytest.raises(EpisodeFormatError, match=re.escape(f"{path}: missing arrays ['rewards']")):
        load_episode(path)


@pytest.mark.parametrize("keep", [10, 0.5, -30, -1])
def test_truncated_file_names_the_path(tmp_path, keep):
    path = save_episode(make_episode(**_arrays()), tmp_path / "ep.npz")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)] if isinstance(keep, float) else data[:keep])
    with pytest.raises(EpisodeFormatError, match=re.escape(str(path)) + r": not a readable dreamgym episode file: truncated or corrupt"):
        load_episode(path)


def test_flipped_byte_names_the_path(tmp_path):
    path = save_episode(make_episode(**_arrays(frames=np.random.default_rng(0).integers(0, 256, (STEPS + 1, 3, SIZE, SIZE), np.uint8))), tmp_path / "ep.npz")
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(EpisodeFormatError, match=re.escape(str(path)) + ": not a readable"):
        load_episode(path)


def test_missing_file_and_file_as_dataset_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.npz"))):
        load_episode(tmp_path / "nope.npz")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=re.escape(f"Dataset folder {tmp_path / 'file'} is a file; expected a folder")):
        load_episodes(tmp_path / "file")


@pytest.mark.parametrize(
    "other, layout",
    [
        (dict(frames=np.zeros((STEPS + 1, 3, 16, 16), np.uint8)), "16x16 frames, 4-D actions, 5 steps"),
        (dict(frames=np.zeros((STEPS + 3, 3, SIZE, SIZE), np.uint8), actions=np.zeros((STEPS + 2, 4)),
              rewards=np.zeros(STEPS + 2), success=np.zeros(STEPS + 3)), "8x8 frames, 4-D actions, 7 steps"),
        (dict(actions=np.zeros((STEPS, 3))), "8x8 frames, 3-D actions, 5 steps"),
    ],
    ids=["frame size", "length", "action size"],
)
def test_dataset_of_mixed_layouts_is_refused_naming_both_files(tmp_path, other, layout):
    first = save_episode(make_episode(**_arrays()), tmp_path / "a.npz")
    second = save_episode(make_episode(**_arrays(**other)), tmp_path / "b.npz")
    expected = f"{second} has {layout}, but {first} has 8x8 frames, 4-D actions, 5 steps; all episodes of one dataset must share"
    with pytest.raises(EpisodeFormatError, match=re.escape(expected)):
        load_episodes(tmp_path)


def test_filtered_out_episodes_do_not_count_for_the_layout(tmp_path):
    save_episode(make_episode(**_arrays()), tmp_path / "a.npz")
    save_episode(make_episode(**_arrays(frames=np.zeros((STEPS + 1, 3, 16, 16), np.uint8), meta={"task": "soccer", "source": "x"})), tmp_path / "b.npz")
    assert len(load_episodes(tmp_path, tasks=["soccer"])) == 1


def test_validate_catches_in_memory_edits():
    episode = make_episode(**_arrays())
    episode.success = episode.success.astype(np.int64)
    with pytest.raises(EpisodeFormatError, match=r"episode \(coffee-pull/expert\): success must be bool labels"):
        episode.validate()
    broken = Episode(frames=[[0]], actions=None, rewards=None, success=None, meta="x")
    with pytest.raises(EpisodeFormatError, match=r"episode \(\?/\?\): frames must be uint8 of shape \(T\+1, 3, H, W\), got list"):
        broken.validate()


def test_saved_files_are_readable_by_others(tmp_path):
    path = save_episode(make_episode(**_arrays()), tmp_path / "ep.npz")
    assert path.stat().st_mode & 0o777 == 0o644
    assert episode_paths(tmp_path) == [path] and json.loads(str(np.load(path)["meta"]))["task"] == "coffee-pull"


def test_npy_saved_under_npz_name_names_the_path(tmp_path):
    path = tmp_path / "ep.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros(3))
    expected = f"{path}: not a dreamgym episode file: it holds a single NumPy array (a .npy file), not a .npz archive"
    with pytest.raises(EpisodeFormatError, match=re.escape(expected)):
        load_episode(path)


# -- where episodes are written: .npz names, clear OS errors ------------------------------------------------
@pytest.mark.parametrize("name, suggestion", [("ep0", "ep0.npz"), ("ep0.npy", "ep0.npz"), ("ep0.NPZ", "ep0.npz"), (".ep0.npz", "ep0.npz")])
def test_save_episode_needs_a_npz_name(tmp_path, name, suggestion):
    message = (f"Episode path {tmp_path / name} does not name a .npz file; expected a file name ending in '.npz' and not "
               f"starting with '.' (e.g. {tmp_path / suggestion}): load_episodes reads only those.")
    with pytest.raises(ValueError, match=re.escape(message)):
        save_episode(make_episode(**_arrays()), tmp_path / name)
    assert not list(tmp_path.iterdir())


def test_save_episode_path_of_another_type():
    with pytest.raises(TypeError, match=r"An episode path must be a str or os.PathLike, got int 5\."):
        save_episode(make_episode(**_arrays()), 5)


def test_load_episode_path_of_another_type():
    with pytest.raises(TypeError, match=r"An episode path must be a str or os.PathLike, got float 3.5\."):
        load_episode(3.5)


def test_save_episode_of_something_else_than_an_episode(tmp_path):
    with pytest.raises(TypeError, match=r"save_episode needs an Episode \(make one with make_episode\), got dict\."):
        save_episode(_arrays(), tmp_path / "ep.npz")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("task", ["", " ", "../x", "a/b", "a\\b", ".", "..", 5, None])
def test_task_label_must_be_a_folder_name(task):
    with pytest.raises(ValueError, match=re.escape(f"task {task!r} is not a usable task label; expected a task name such as "
                                                   "'coffee-pull' or your own label: non-empty, without '/' or '\\', not '.' or '..'.")):
        check_task_label(task)
    assert check_task_label("my-task") == "my-task"


def test_save_episode_under_a_file_names_it(tmp_path):
    (tmp_path / "taken").write_text("x")
    for path in (tmp_path / "taken" / "ep.npz", tmp_path / "taken" / "deeper" / "ep.npz"):
        with pytest.raises(NotADirectoryError, match=re.escape(
            f"Cannot write {path}: {tmp_path / 'taken'} is a file; expected a folder there (or a path whose folders can be created).")):
            save_episode(make_episode(**_arrays()), path)


def test_save_episode_onto_a_folder_names_it(tmp_path):
    (tmp_path / "ep.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=re.escape(f"Cannot write {tmp_path / 'ep.npz'}: it is an existing folder; expected a file path.")):
        save_episode(make_episode(**_arrays()), tmp_path / "ep.npz")
    assert [path.name for path in tmp_path.iterdir()] == ["ep.npz"]  # no temp file left behind


@pytest.mark.parametrize("failing", ["mkstemp", "replace"])
def test_save_episode_without_permission_names_the_path(tmp_path, monkeypatch, failing):
    """Permission is simulated (the tests may run as root, who may write anywhere)."""
    import dreamgym.files

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dreamgym.files.tempfile if failing == "mkstemp" else dreamgym.files.os, failing, denied)
    with pytest.raises(PermissionError, match=re.escape(
        f"Cannot write {tmp_path / 'ep.npz'}: permission denied (Permission denied); expected a folder you may write to.")):
        save_episode(make_episode(**_arrays()), tmp_path / "ep.npz")
    assert not list(tmp_path.iterdir())


# -- which tasks to load ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("tasks, message", [
    ("coffee-pull", r"tasks='coffee-pull' is a single str; expected a list of task names such as \['coffee-pull'\], or None for all "
                    r"tasks \(pass \['coffee-pull'\]\)\."),
    (["coffee-pull", 7], r"tasks=\['coffee-pull', 7\] is not a collection of strings; expected a list of task names"),
    (7, r"tasks=7 is not a collection of strings; expected a list of task names"),
])
def test_load_episodes_tasks_must_be_a_list_of_names(tmp_path, tasks, message):
    save_episode(make_episode(**_arrays()), tmp_path / "a.npz")
    with pytest.raises(TypeError, match=message):
        load_episodes(tmp_path, tasks=tasks)
    assert len(load_episodes(tmp_path, tasks=("coffee-pull",))) == 1
