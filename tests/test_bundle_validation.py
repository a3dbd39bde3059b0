"""Bundles: manifest schema, checksums, confined component paths, weights and initial states.

Every bad bundle gets a BundleError (or FileNotFoundError) whose message names the offending key,
value or file and what is expected.
"""

import json
import re

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from test_dream_sb3 import tiny_simulator

from dreamgym.bundle import BundleError, load_bundle, load_world_model, read_manifest, record_checksums
from dreamgym.dream.initial_states import InitialStates
from dreamgym.dream.simulator import LearnedSimulator
from dreamgym.world_model.train import world_model_folder

COMPONENT_FILES = [
    "initial_states/episodes.npz",
    "reward_model/config.json",
    "reward_model/model.safetensors",
    "world_model/config.json",
    "world_model/model.safetensors",
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A complete tiny bundle, saved once; tests copy it with :func:`_bundle`."""
    return tiny_simulator().save(tmp_path_factory.mktemp("source") / "bundle")


def _bundle(saved, tmp_path):
    import shutil

    return shutil.copytree(saved, tmp_path / "bundle")


def _manifest(bundle):
    return json.loads((bundle / "manifest.json").read_text())


def _write_manifest(bundle, data):
    (bundle / "manifest.json").write_text(json.dumps(data))


def _without_checksums(bundle):
    data = _manifest(bundle)
    del data["files"]
    _write_manifest(bundle, data)
    return bundle


def _reseal(bundle):
    """Record the checksums of a bundle's files as they are now: a changed file that checksums cannot catch."""
    return record_checksums(_without_checksums(bundle))


# -- manifest schema --------------------------------------------------------------------------------
CAMERA_OK = {"lookat": [0.0, 0.64, 0.12], "distance": 0.75, "azimuth": 145, "elevation": -35}
CAMERA = (r"expected a camera with lookat \(3 finite numbers\), distance \(a finite number > 0\), azimuth and elevation "
          r"\(finite numbers\)")


def _camera(cause):
    """The message for a bad manifest camera whose problem is ``cause`` (a regex)."""
    return r"'camera' is .*; " + CAMERA + r" \(" + cause


SCHEMA = {
    "episode_steps 0": ({"episode_steps": 0}, r"'episode_steps' is 0; expected an integer >= 1"),
    "episode_steps true": ({"episode_steps": True}, r"'episode_steps' is True; expected an integer >= 1"),
    "image_size float": ({"image_size": 64.0}, r"'image_size' is 64.0; expected an integer >= 1"),
    "action_repeat string": ({"action_repeat": "3"}, r"'action_repeat' is '3'; expected an integer >= 1"),
    "context_frames negative": ({"context_frames": -4}, r"'context_frames' is -4; expected an integer >= 1"),
    "tasks empty": ({"tasks": []}, r"'tasks' is \[\]; expected a non-empty list of task names"),
    "tasks a string": ({"tasks": "coffee-pull"}, r"'tasks' is 'coffee-pull'; expected a non-empty list of task names"),
    "camera a list": ({"camera": [1, 2]}, r"'camera' is \[1, 2\]; expected a JSON object"),
    "camera empty": ({"camera": {}}, r"'camera' is \{\}; " + CAMERA + r" \(A camera \{\} lacks \['lookat', 'distance', 'azimuth', 'elevation'\]"),
    "camera unknown key": ({"camera": {**CAMERA_OK, "fov": 45}}, r"'camera' is .*; " + CAMERA + r" \(A camera .* has unknown keys \['fov'\]"),
    "camera lookat of two": ({"camera": {**CAMERA_OK, "lookat": [0, 0.6]}}, _camera(r"CameraConfig lookat is \(0, 0.6\); expected 3 finite numbers")),
    "camera lookat strings": ({"camera": {**CAMERA_OK, "lookat": ["0", "0", "0"]}}, _camera(r"CameraConfig lookat is \('0', '0', '0'\); expected 3 finite numbers")),
    "camera lookat a number": ({"camera": {**CAMERA_OK, "lookat": 0.5}}, _camera(r"CameraConfig lookat is 0.5; expected 3 finite numbers")),
    "camera distance 0": ({"camera": {**CAMERA_OK, "distance": 0}}, _camera(r"CameraConfig distance is 0; expected a finite number > 0 \(metres\)")),
    "camera distance negative": ({"camera": {**CAMERA_OK, "distance": -0.75}}, _camera(r"CameraConfig distance is -0.75; expected a finite number > 0")),
    "camera distance string": ({"camera": {**CAMERA_OK, "distance": "0.75"}}, _camera(r"CameraConfig distance is '0.75'; expected a finite number > 0")),
    "camera distance null": ({"camera": {**CAMERA_OK, "distance": None}}, _camera(r"CameraConfig distance is None; expected a finite number > 0")),
    "camera azimuth boolean": ({"camera": {**CAMERA_OK, "azimuth": True}}, _camera(r"CameraConfig azimuth is True; expected a finite number \(degrees\)")),
    "camera elevation infinite": ({"camera": {**CAMERA_OK, "elevation": float("-inf")}}, _camera(r"CameraConfig elevation is -inf; expected a finite number \(degrees\)")),
    "tasks duplicated": ({"tasks": ["coffee-pull", "coffee-pull"]},
                         r"'tasks' is \['coffee-pull', 'coffee-pull'\], which lists \['coffee-pull'\] more than once; expected distinct task names"),
    "provenance a string": ({"provenance": "x"}, r"'provenance' is 'x'; expected a JSON object"),
    "goal marker without radius": ({"rendering": {"goal_marker": {"site": "mug_goal", "rgba": [0, 1, 0, 1]}}},
                                   r"invalid 'rendering' \(A goal marker .* lacks \['radius'\]; expected exactly the keys \['site', 'radius', 'rgba'\]\)"),
    "goal marker radius null": ({"rendering": {"goal_marker": {"site": "mug_goal", "radius": None, "rgba": [0, 1, 0, 1]}}},
                                r"invalid 'rendering' \(GoalMarker radius is None; expected the disc radius in metres, a number in \(0, 1\)"),
    "sampler out of range": ({"sampler": {"num_steps": 0}}, r"'sampler' is \{'num_steps': 0\}; expected the settings of a SamplerConfig \(num_steps must be between 1 and 10, got 0\)"),
    "sampler fractional steps": ({"sampler": {"num_steps": 2.5}}, r"'sampler' is \{'num_steps': 2.5\}; expected the settings of a SamplerConfig \(num_steps must be an integer between 1 and 10, got 2.5\)"),
    "sampler boolean steps": ({"sampler": {"num_steps": True}}, r"'sampler' is \{'num_steps': True\}; expected the settings of a SamplerConfig \(num_steps must be an integer between 1 and 10, got True\)"),
    "sampler rho zero": ({"sampler": {"rho": 0}}, r"'sampler' is \{'rho': 0\}; expected the settings of a SamplerConfig \(rho must be a finite number > 0, got 0\)"),
    "sampler rho negative": ({"sampler": {"rho": -7}}, r"'sampler' is .*; expected the settings of a SamplerConfig \(rho must be a finite number > 0, got -7\)"),
    "sampler rho string": ({"sampler": {"rho": "x"}}, r"'sampler' is .*; expected the settings of a SamplerConfig \(rho must be a finite number > 0, got 'x'\)"),
    "sampler sigma_max infinite": ({"sampler": {"sigma_max": float("inf")}}, r"'sampler' is .*; expected the settings of a SamplerConfig \(sigma_max must be a finite number > 0, got inf\)"),
    "sampler sigma_min string": ({"sampler": {"sigma_min": "0.002"}}, r"'sampler' is .*; expected the settings of a SamplerConfig \(sigma_min must be a finite number > 0, got '0.002'\)"),
    "sampler sigma_min negative": ({"sampler": {"sigma_min": -1.0}}, r"'sampler' is .*; expected the settings of a SamplerConfig \(sigma_min must be a finite number > 0, got -1.0\)"),
    "sampler order boolean": ({"sampler": {"order": True}}, r"'sampler' is .*; expected the settings of a SamplerConfig \(order must be 1 \(Euler\) or 2 \(Heun\), got True\)"),
    "sampler unknown field": ({"sampler": {"steps": 3}}, r"'sampler' is \{'steps': 3\}; expected the settings of a SamplerConfig \(.*unexpected keyword argument 'steps'\)"),
    "components a string": ({"components": "world_model"}, r"'components' is 'world_model'; expected a JSON object mapping component names to folder names"),
    "no world model": ({"components": {"reward_model": "reward_model"}}, r"'components' is \{'reward_model': 'reward_model'\}; expected an entry 'world_model'"),
    "component outside": ({"components": {"world_model": "../elsewhere"}}, r"components\['world_model'\] is '../elsewhere'; expected a folder inside the bundle \(a relative path without '..'\)"),
    "component absolute": ({"components": {"world_model": "/etc"}}, r"components\['world_model'\] is '/etc'; expected a folder inside the bundle"),
    "component empty": ({"components": {"world_model": ""}}, r"components\['world_model'\] is ''; expected a folder inside the bundle"),
    "component bundle itself": ({"components": {"world_model": "."}}, r"components\['world_model'\] is '.'; expected a folder inside the bundle"),
    "files outside": ({"files": {"../secret": "0" * 64}}, r"'files' lists '../secret'; expected files inside the bundle"),
    "files bad digest": ({"files": {"world_model/config.json": "abc"}}, r"files\['world_model/config.json'\] is 'abc'; expected a sha256 hex digest \(64 lowercase hex digits\)"),
    "files a list": ({"files": ["world_model/config.json"]}, r"'files' is \['world_model/config.json'\]; expected a JSON object mapping component files to sha256"),
    "format_version string": ({"format_version": "1"}, r"format_version '1' is not supported; this dreamgym reads the integers \[1, 2\]"),
    "format_version float": ({"format_version": 2.0}, r"format_version 2.0 is not supported; this dreamgym reads the integers \[1, 2\]"),
    "format_version future": ({"format_version": 3}, r"format_version 3 is not supported"),
    "unknown key": ({"colour": "blue"}, r"unknown keys \['colour'\]"),
}


@pytest.mark.parametrize("change, message", SCHEMA.values(), ids=SCHEMA.keys())
def test_manifest_schema(saved, tmp_path, change, message):
    bundle = _bundle(saved, tmp_path)
    _write_manifest(bundle, {**_manifest(bundle), **change})
    with pytest.raises(BundleError, match=re.escape(str(bundle / "manifest.json")) + ": " + message):
        read_manifest(bundle)


@pytest.mark.parametrize("key", ["episode_steps", "camera", "components", "tasks"])
def test_missing_manifest_key_is_named(saved, tmp_path, key):
    bundle = _bundle(saved, tmp_path)
    data = _manifest(bundle)
    del data[key]
    _write_manifest(bundle, data)
    with pytest.raises(BundleError, match=re.escape(f"manifest.json: missing keys ['{key}']")):
        read_manifest(bundle)


@pytest.mark.parametrize("text, message", [("[1, 2]", "the manifest is a JSON list; expected a JSON object"), ("{", "invalid JSON")])
def test_manifest_that_is_not_an_object(saved, tmp_path, text, message):
    bundle = _bundle(saved, tmp_path)
    (bundle / "manifest.json").write_text(text)
    with pytest.raises(BundleError, match=re.escape(f"{bundle / 'manifest.json'}: {message}")):
        read_manifest(bundle)


# -- checksums ----------------------------------------------------------------------------------------
def test_export_records_a_checksum_of_every_component_file_and_writes_readable_files(saved):
    assert sorted(_manifest(saved)["files"]) == COMPONENT_FILES
    for path in saved.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o644, path
    LearnedSimulator.load(saved)


def _flip_a_byte(path, offset=-100):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("relative", COMPONENT_FILES)
def test_changed_file_is_named(saved, tmp_path, relative):
    bundle = _bundle(saved, tmp_path)
    _flip_a_byte(bundle / relative, offset=-2)  # a finite change inside the data: loadable without checksums
    recorded = _manifest(bundle)["files"][relative]
    with pytest.raises(BundleError, match=re.escape(f"{bundle / relative}: sha256 ") + "[0-9a-f]{64}" + re.escape(f" differs from {recorded} recorded in manifest.json")):
        LearnedSimulator.load(bundle)


def test_missing_and_unlisted_files_are_named(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    (bundle / "reward_model" / "notes.txt").write_text("extra")
    with pytest.raises(BundleError, match=re.escape("component files ['reward_model/notes.txt'] have no sha256 in manifest.json 'files'")):
        load_bundle(bundle)
    (bundle / "reward_model" / "notes.txt").unlink()
    (bundle / "reward_model" / ".model.safetensors.abc.tmp").write_text("temp files of an interrupted write are not part of a bundle")
    load_bundle(bundle)
    data = _manifest(bundle)
    data["files"]["reward_model/old.json"] = "0" * 64
    _write_manifest(bundle, data)
    with pytest.raises(BundleError, match=re.escape(f"{bundle / 'reward_model' / 'old.json'} is missing; manifest.json records its sha256")):
        load_bundle(bundle)


@pytest.mark.parametrize("load", [LearnedSimulator.load, load_bundle, world_model_folder])
def test_manifest_without_checksums_is_refused(saved, tmp_path, load):
    bundle = _without_checksums(_bundle(saved, tmp_path))
    message = (f"{bundle / 'manifest.json'} records no sha256 of the component files (no 'files'), so the bundle cannot "
               "be verified; expected a bundle exported by this dreamgym: export it again with `dreamgym export-bundle`")
    with pytest.raises(BundleError, match=re.escape(message)):
        load(bundle)
    record_checksums(bundle)  # the way to vouch for files one trusts
    load(bundle)


def test_manifest_without_checksums_is_still_schema_checked(saved, tmp_path):
    bundle = _without_checksums(_bundle(saved, tmp_path))
    _write_manifest(bundle, {**_manifest(bundle), "episode_steps": 0})
    with pytest.raises(BundleError, match="'episode_steps' is 0; expected an integer >= 1"):
        record_checksums(bundle)


def test_record_checksums_adds_only_the_files_map(saved, tmp_path):
    bundle = _without_checksums(_bundle(saved, tmp_path))
    before = _manifest(bundle)
    weights = (bundle / "world_model" / "model.safetensors").read_bytes()
    record_checksums(bundle)
    after = _manifest(bundle)
    assert {key: value for key, value in after.items() if key != "files"} == before
    assert after["files"] == _manifest(saved)["files"]
    assert (bundle / "world_model" / "model.safetensors").read_bytes() == weights
    assert (bundle / "manifest.json").stat().st_mode & 0o777 == 0o644
    LearnedSimulator.load(bundle)


def test_record_checksums_never_blesses_a_changed_file(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    _flip_a_byte(bundle / "world_model" / "model.safetensors", offset=-2)
    with pytest.raises(BundleError, match="world_model/model.safetensors: sha256 .* differs"):
        record_checksums(bundle)


# -- component paths confined to the bundle, also through symlinks ------------------------------------------
def _outside(path, tmp_path):
    """Move ``path`` (a file or folder of a bundle) out of the bundle and leave a symlink to it in its place."""
    target = tmp_path / "outside" / path.name
    target.parent.mkdir(exist_ok=True)
    path.rename(target)
    path.symlink_to(target, target_is_directory=target.is_dir())
    return target


@pytest.mark.parametrize("relative", ["world_model", "reward_model/model.safetensors", "initial_states/episodes.npz", "manifest.json"])
def test_symlink_out_of_the_bundle_is_refused(saved, tmp_path, relative):
    """Checksums match (the same bytes), but the file lives outside the bundle: refused before anything is read."""
    bundle = _bundle(saved, tmp_path)
    target = _outside(bundle / relative, tmp_path)
    message = (f"{bundle / relative} resolves to {target.resolve()}, outside the bundle folder {bundle.resolve()}; "
               "expected every component file and folder inside the bundle (a symlink must not lead out of it)")
    with pytest.raises(BundleError, match=re.escape(message)):
        LearnedSimulator.load(bundle)


def test_symlink_out_of_the_bundle_is_never_recorded(saved, tmp_path):
    bundle = _without_checksums(_bundle(saved, tmp_path))
    _outside(bundle / "world_model" / "config.json", tmp_path)
    with pytest.raises(BundleError, match=re.escape(f"{bundle / 'world_model' / 'config.json'} resolves to ")):
        record_checksums(bundle)


def test_bundle_folder_reached_through_a_symlink_loads(saved, tmp_path):
    (tmp_path / "link").symlink_to(_bundle(saved, tmp_path), target_is_directory=True)
    LearnedSimulator.load(tmp_path / "link")


def _truncate(path, keep):
    """Cut a file to its first ``keep`` bytes (an int, negative from the end) or fraction (a float)."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)] if isinstance(keep, float) else data[:keep])


# -- weights (checked with or without checksums) ----------------------------------------------------------
@pytest.mark.parametrize("keep", [4, 60, 0.5, -1])
def test_truncated_weights_name_the_file(saved, tmp_path, keep):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "world_model" / "model.safetensors"
    _truncate(path, keep)
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"{path}: not a readable safetensors file: truncated or corrupt (")):
        load_bundle(bundle)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
@pytest.mark.parametrize("component", ["world_model", "reward_model"])
def test_non_finite_weights_are_refused_even_with_valid_checksums(saved, tmp_path, component, value):
    bundle = _bundle(saved, tmp_path)
    path = bundle / component / "model.safetensors"
    state = load_file(path)
    name = sorted(key for key, tensor in state.items() if tensor.is_floating_point())[0]
    state[name] = torch.full_like(state[name], value)
    save_file(state, path)
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"{path}: tensor {name!r} holds NaN or infinite values; expected finite weights")):
        LearnedSimulator.load(bundle)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8, torch.bool])
@pytest.mark.parametrize("component", ["world_model", "reward_model"])
def test_weights_that_are_not_floating_point_are_refused(saved, tmp_path, component, dtype):
    bundle = _bundle(saved, tmp_path)
    path = bundle / component / "model.safetensors"
    state = load_file(path)
    name = sorted(state)[0]
    state[name] = state[name].to(dtype)
    save_file(state, path)
    _reseal(bundle)
    message = (f"{path}: tensor {name!r} has dtype {str(dtype).removeprefix('torch.')}; expected floating-point weights "
               f"(float32, float16, bfloat16, float64); the file is not a dreamgym model of {bundle / component / 'config.json'}")
    with pytest.raises(BundleError, match=re.escape(message)):
        LearnedSimulator.load(bundle)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_weights_load(saved, tmp_path, dtype):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "world_model" / "model.safetensors"
    save_file({name: tensor.to(dtype) for name, tensor in load_file(path).items()}, path)
    _reseal(bundle)
    _, denoiser, _ = load_bundle(bundle)
    assert next(denoiser.parameters()).dtype == torch.float32


def test_tensor_of_the_wrong_shape_is_named_before_loading(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "world_model" / "model.safetensors"
    state = load_file(path)
    state["unet.conv_in.weight"] = state["unet.conv_in.weight"][:8].clone()
    save_file(state, path)
    expected = tuple(load_file(saved / "world_model" / "model.safetensors")["unet.conv_in.weight"].shape)
    message = (f"{path}: tensor 'unet.conv_in.weight' has shape {(8, *expected[1:])}, but the model of "
               f"{bundle / 'world_model' / 'config.json'} needs {expected}")
    with pytest.raises(BundleError, match=re.escape(message)):
        load_world_model(bundle / "world_model")


def test_missing_and_unexpected_tensors_are_named(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "reward_model" / "model.safetensors"
    state = load_file(path)
    name = sorted(state)[0]
    state["surplus"] = state.pop(name)
    save_file(state, path)
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"does not match {bundle / 'reward_model' / 'config.json'}: missing [{name!r}], unexpected ['surplus']")):
        LearnedSimulator.load(bundle)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"channels": [0]}, r"channels must be one or more widths >= 8"),
        ({"layers_per_block": 0}, r"layers_per_block must be an integer >= 1, got 0"),
        ({"patch_size": 0}, r"patch_size must be an integer >= 1, got 0"),
        ({"actions": "two_hot"}, r"actions must be an ActionEncoderConfig or its dict, got 'two_hot'"),
        ({"depth": 3}, r"DenoiserConfig.__init__\(\) got an unexpected keyword argument 'depth'\)"),
        ({"sigma_data": 0}, r"sigma_data must be a finite number > 0, got 0\)"),
        ({"sigma_data": -0.5}, r"sigma_data must be a finite number > 0, got -0.5\)"),
        ({"sigma_data": "0.5"}, r"sigma_data must be a finite number > 0, got '0.5'\)"),
        ({"actions": {"num_bins": 1}}, r"num_bins must be an integer >= 2, got 1\)"),
        ({"actions": {"num_bins": 2.5}}, r"num_bins must be an integer >= 2, got 2.5\)"),
        ({"actions": {"num_bins": True}}, r"num_bins must be an integer >= 2, got True\)"),
    ],
)
def test_invalid_model_configuration_names_the_file(saved, tmp_path, change, message):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "world_model" / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"{path}: not a valid configuration (") + message):
        load_bundle(bundle)


def test_configuration_that_is_not_an_object(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "reward_model" / "config.json"
    path.write_text("[8, 8]")
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"{path}: not a valid configuration (a JSON list, expected a JSON object)")):
        LearnedSimulator.load(bundle)


# -- initial states -----------------------------------------------------------------------------------
@pytest.mark.parametrize("keep", [10, 0.5, -1])
def test_truncated_initial_states_name_the_file(saved, tmp_path, keep):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "initial_states" / "episodes.npz"
    _truncate(path, keep)
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"{path}: not a readable dreamgym initial-states file: truncated or corrupt")):
        LearnedSimulator.load(bundle)


def _rewrite_initial_states(bundle, **arrays):
    path = bundle / "initial_states" / "episodes.npz"
    with np.load(path) as archive:
        stored = {key: archive[key] for key in archive.files}
    stored.update(arrays)
    stored = {key: value for key, value in stored.items() if value is not None}
    np.savez(path, **stored)
    _reseal(bundle)
    return path


INITIAL_STATES = {
    "no episodes": (dict(frames=np.zeros((0, 8, 3, 64, 64), np.uint8), actions=np.zeros((0, 7, 4), np.float32)),
                    r"initial states are empty: frames \(0, 8, 3, 64, 64\); expected at least one frame of one episode"),
    "NaN action": (dict(actions=np.full((4, 7, 4), np.nan, np.float32)), r"initial-state actions must be finite; found nan at index \(0, 0, 0\)"),
    "float frames": (dict(frames=np.zeros((4, 8, 3, 64, 64), np.float32)), r"initial-state frames must be uint8 \(M, L, 3, H, W\), got torch.float32 \(4, 8, 3, 64, 64\)"),
    "integer actions": (dict(actions=np.zeros((4, 7, 4), np.int64)), r"initial-state actions must be floating-point \(M, L-1, A\), got torch.int64 \(4, 7, 4\)"),
    "actions of wrong length": (dict(actions=np.zeros((4, 8, 4), np.float32)), r"initial-state actions must be \(M, L-1, A\) = \(4, 7, A\), got \(4, 8, 4\)"),
    "string frames": (dict(frames=np.full((4,), "x")), r"can't convert np.ndarray of type numpy.str_.*; expected uint8 frames "
                                                       r"\(M, L, 3, H, W\), floating-point actions \(M, L-1, A\) and, optionally, floating-point states"),
    "missing actions": (dict(actions=None), r"missing arrays \['actions'\]; a dreamgym initial-states file holds \['actions', 'frames'\]"),
    "action outside [-1, 1]": (dict(actions=np.full((4, 7, 4), 7.0, np.float32)),
                               r"initial-state actions must lie in \[-1, 1\] \(the action space\); found 7.0 at index \(0, 0, 0\)"),
}


@pytest.mark.parametrize("arrays, message", INITIAL_STATES.values(), ids=INITIAL_STATES.keys())
def test_invalid_initial_states_name_the_file(saved, tmp_path, arrays, message):
    bundle = _bundle(saved, tmp_path)
    path = _rewrite_initial_states(bundle, **arrays)
    with pytest.raises(BundleError, match=re.escape(f"{path}: ") + message):
        LearnedSimulator.load(bundle)


def test_missing_initial_states_file(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    (bundle / "initial_states" / "episodes.npz").unlink()
    _reseal(bundle)
    with pytest.raises(FileNotFoundError, match=re.escape(f"{bundle / 'initial_states' / 'episodes.npz'}: no such dreamgym initial-states file")):
        LearnedSimulator.load(bundle)


def test_in_memory_initial_states_are_checked():
    with pytest.raises(ValueError, match=r"initial-state actions must be finite; found inf at index \(1, 0, 2\)"):
        actions = torch.zeros(2, 3, 4)
        actions[1, 0, 2] = float("inf")
        InitialStates(torch.zeros(2, 4, 3, 8, 8, dtype=torch.uint8), actions)
    with pytest.raises(ValueError, match=r"initial states are empty: frames \(2, 0, 3, 8, 8\)"):
        InitialStates(torch.zeros(2, 0, 3, 8, 8, dtype=torch.uint8), torch.zeros(2, 0, 4))


def test_bundle_without_initial_states_fails_at_load(saved, tmp_path):
    """Not at the first reset with a torch message: an imagined env cannot start without real contexts."""
    bundle = _bundle(saved, tmp_path)
    data = _manifest(bundle)
    del data["components"]["initial_states"]
    data["files"] = {name: digest for name, digest in data["files"].items() if not name.startswith("initial_states/")}
    _write_manifest(bundle, data)
    with pytest.raises(BundleError, match=re.escape(
        f"{bundle}: the bundle lacks ['initial_states']; an imagined environment needs ['world_model', 'reward_model', 'initial_states']."
    )):
        LearnedSimulator.load(bundle)


def test_initial_states_shorter_than_the_context_fail_at_load(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    _rewrite_initial_states(bundle, frames=np.zeros((4, 3, 3, 64, 64), np.uint8), actions=np.zeros((4, 2, 4), np.float32))
    with pytest.raises(BundleError, match=re.escape("initial states hold 3 frames, fewer than 4")):
        LearnedSimulator.load(bundle)


@pytest.mark.parametrize(
    "threshold, message",
    [
        (0, r"threshold must be a number in \(0, 1\) \(exclusive\), got 0\)"),
        (1.5, r"threshold must be a number in \(0, 1\) \(exclusive\), got 1.5\)"),
        ("0.5", r"threshold must be a number in \(0, 1\) \(exclusive\), got '0.5'\)"),
        (True, r"threshold must be a number in \(0, 1\) \(exclusive\), got True\)"),
    ],
)
def test_invalid_reward_threshold_names_the_file(saved, tmp_path, threshold, message):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "reward_model" / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "threshold": threshold}))
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(f"{path}: not a valid configuration (") + message):
        LearnedSimulator.load(bundle)


@pytest.mark.parametrize("folder", [42, None, ["bundle"]])
@pytest.mark.parametrize("load", [LearnedSimulator.load, load_bundle, read_manifest])
def test_bundle_folder_of_the_wrong_type(load, folder):
    with pytest.raises(TypeError, match=re.escape(f"A bundle folder must be a str or os.PathLike, got {type(folder).__name__} {folder!r}.")):
        load(folder)


@pytest.mark.parametrize("load", [LearnedSimulator.load, load_bundle])
def test_unknown_device_is_refused_before_loading(saved, load):
    with pytest.raises(ValueError, match=r"device 'gpu' is not a known device .*; expected a device string such as 'cpu'"):
        load(saved, device="gpu")


def test_manifest_that_disagrees_with_the_world_model_says_what_is_expected(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    data = _manifest(bundle)
    data["context_frames"] = 2
    _write_manifest(bundle, data)
    with pytest.raises(BundleError, match=re.escape(
        f"{bundle}: world model does not match the manifest: context_frames 4 != manifest 2; expected the world model's "
        "config.json and manifest.json to agree")):
        load_bundle(bundle)


def test_components_of_different_simulators_say_what_is_expected(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    path = bundle / "reward_model" / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "image_size": 32}))
    _reseal(bundle)
    with pytest.raises(BundleError, match=re.escape(
        "Learned simulator components do not match: reward model image_size 32 != 64; expected world model, reward model "
        "and initial states of one simulator")):
        LearnedSimulator.load(bundle)


def test_unknown_manifest_key_lists_the_known_ones(saved, tmp_path):
    bundle = _bundle(saved, tmp_path)
    _write_manifest(bundle, {**_manifest(bundle), "checksum": "none"})
    with pytest.raises(BundleError, match=r"unknown keys \['checksum'\]; expected only the keys \[.*'episode_steps'"):
        read_manifest(bundle)


def test_file_given_as_bundle_folder(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{}")
    with pytest.raises(BundleError, match=re.escape(f"{path} is a file; expected a bundle folder (holding manifest.json).")):
        LearnedSimulator.load(path)
