"""What callers hand the imagined envs: actions, reset contexts, seeds and settings (dreamgym.dream.inputs).

Every bad input is refused with the exact error class, and the message names the offending value and
what is expected. The single env talks about its own shapes ((4,), (4, 3, H, W), (3, 4)), never about
the vector env's internal batch of one world.
"""

import re

import gymnasium
import numpy as np
import pytest
import torch
from test_dream_sb3 import tiny_simulator

from dreamgym.dream.env import DreamWorldEnv
from dreamgym.dream.vector_env import DreamWorldVectorEnv
from dreamgym.spaces import ResetNeeded

SIZE = 16
WORLDS = 2


@pytest.fixture(scope="module")
def simulator():
    return tiny_simulator(size=SIZE)


@pytest.fixture
def single(simulator):
    env = DreamWorldEnv(simulator=simulator)
    env.reset(seed=0)
    return env


@pytest.fixture
def vector(simulator):
    env = DreamWorldVectorEnv(num_envs=WORLDS, simulator=simulator)
    env.reset(seed=0)
    return env


def _frames(*batch, dtype=np.uint8):
    return np.zeros((*batch, 4, 3, SIZE, SIZE), dtype)


def _actions(*batch, dtype=np.float32, fill=0.0):
    return np.full((*batch, 3, 4), fill, dtype)


# -- actions ------------------------------------------------------------------------------------------
SINGLE_ACTION = r"expected a float array of shape \(4,\) with values in \[-1, 1\]"
BAD_SINGLE_ACTIONS = {
    "batch of one": (np.zeros((1, 4), np.float32), r"Action has shape \(1, 4\); " + SINGLE_ACTION),
    "too short": (np.zeros(3, np.float32), r"Action has shape \(3,\); " + SINGLE_ACTION),
    "scalar": (0.5, r"Action has shape \(\); " + SINGLE_ACTION),
    "booleans": (np.ones(4, bool), r"Action has dtype bool; " + SINGLE_ACTION),
    "bool tensor": (torch.ones(4, dtype=torch.bool), r"Action has dtype bool; " + SINGLE_ACTION),
    "strings": (["a", "b", "c", "d"], r"Action has dtype <U1; " + SINGLE_ACTION),
    "objects": (np.array([0.0, None, 0.0, 0.0], dtype=object), r"Action has dtype object; " + SINGLE_ACTION),
    "None": (None, r"Action has dtype object; " + SINGLE_ACTION),
    "complex": (np.zeros(4, complex), r"Action has dtype complex128; " + SINGLE_ACTION),
    "ragged": ([[0.0, 1.0], [0.0]], r"Action could not be converted to an array \(.*\); " + SINGLE_ACTION),
    "NaN": (np.array([0, np.nan, 0, 0], np.float32),
            r"Action contains NaN or infinite values \(nan at index \(1,\)\); expected only finite values \(a float array"),
    "inf": (np.array([0, 0, -np.inf, 0]), r"Action contains NaN or infinite values \(-inf at index \(2,\)\)"),
}


@pytest.mark.parametrize("action, message", BAD_SINGLE_ACTIONS.values(), ids=BAD_SINGLE_ACTIONS.keys())
def test_bad_single_env_actions(single, action, message):
    with pytest.raises(ValueError, match=message):
        single.step(action)
    single.step(np.zeros(4, np.float32))  # the refused action did not advance or break the env


BATCH_ACTIONS = r"expected a float array of shape \(2, 4\) \(one action for each of the 2 worlds\) with values in \[-1, 1\]"
BAD_BATCH_ACTIONS = {
    "one action": (np.zeros(4, np.float32), r"The batch of actions has shape \(4,\); " + BATCH_ACTIONS),
    "too many worlds": (np.zeros((3, 4), np.float32), r"The batch of actions has shape \(3, 4\); " + BATCH_ACTIONS),
    "booleans": (np.zeros((2, 4), bool), r"The batch of actions has dtype bool; " + BATCH_ACTIONS),
    "bool tensor": (torch.zeros(2, 4, dtype=torch.bool), r"The batch of actions has dtype bool; " + BATCH_ACTIONS),
    "strings": (np.full((2, 4), "0"), r"The batch of actions has dtype <U1; " + BATCH_ACTIONS),
    "NaN": (np.array([[0, 0, 0, 0], [0, 0, 0, np.nan]], np.float32),
            r"The batch of actions contains NaN or infinite values \(nan at index \(1, 3\)\); expected only finite values"),
    "inf tensor": (torch.tensor([[np.inf, 0, 0, 0], [0, 0, 0, 0]]), r"The batch of actions contains NaN or infinite values \(inf at index \(0, 0\)\)"),
}


@pytest.mark.parametrize("actions, message", BAD_BATCH_ACTIONS.values(), ids=BAD_BATCH_ACTIONS.keys())
def test_bad_vector_env_actions(vector, actions, message):
    with pytest.raises(ValueError, match=message):
        vector.step(actions)


@pytest.mark.parametrize("make", ["single", "vector"])
def test_integer_and_out_of_range_actions_are_accepted_and_clipped(single, vector, make, monkeypatch):
    from dreamgym.dream import vector_env

    given, sample = [], vector_env.sample_next_frame

    def spy(model, frames, actions, *rest):
        given.append(actions[:, -1])  # the action that leads to the new frame
        return sample(model, frames, actions, *rest)

    monkeypatch.setattr(vector_env, "sample_next_frame", spy)
    env = single if make == "single" else vector
    for action, applied in ([1, 0, -1, 0], [1, 0, -1, 0]), ([7.5, -9.0, 0.25, 1e30], [1, -1, 0.25, 1]):
        env.reset(seed=0)
        env.step(np.array(action) if make == "single" else np.array([action] * WORLDS))
        worlds = 1 if make == "single" else WORLDS
        assert torch.equal(given[-1], torch.tensor([applied] * worlds, dtype=torch.float32))


# -- reset contexts -----------------------------------------------------------------------------------
SINGLE_FRAMES = r"expected uint8 frames of shape \(4, 3, 16, 16\): 4 consecutive frames \(no leading batch axis for the single env\)"
SINGLE_ACTIONS = r"expected real numbers \(float or int\) of shape \(3, 4\): the 3 actions between the 4 frames, in \[-1, 1\] \(clipped\)"
OPTIONS = re.escape("expected a dict with both 'frames' and 'actions' (or no options)")
BAD_SINGLE_CONTEXTS = {
    "frames with a leading 1": (dict(frames=_frames(1), actions=_actions()),
                                r"options\['frames'\] has shape \(1, 4, 3, 16, 16\); " + SINGLE_FRAMES),
    "actions with a leading 1": (dict(frames=_frames(), actions=_actions(1)),
                                 r"options\['actions'\] has shape \(1, 3, 4\); " + SINGLE_ACTIONS),
    "three frames": (dict(frames=_frames()[:3], actions=_actions()), r"options\['frames'\] has shape \(3, 3, 16, 16\); " + SINGLE_FRAMES),
    "float frames": (dict(frames=_frames(dtype=np.float32), actions=_actions()), r"options\['frames'\] has dtype float32; " + SINGLE_FRAMES),
    "int64 frames": (dict(frames=_frames(dtype=np.int64), actions=_actions()), r"options\['frames'\] has dtype int64; " + SINGLE_FRAMES),
    "bool frames": (dict(frames=_frames(dtype=bool), actions=_actions()), r"options\['frames'\] has dtype bool; " + SINGLE_FRAMES),
    "frames None": (dict(frames=None, actions=_actions()), r"options\['frames'\] has dtype object; " + SINGLE_FRAMES),
    "boolean actions": (dict(frames=_frames(), actions=_actions(dtype=bool)), r"options\['actions'\] has dtype bool; " + SINGLE_ACTIONS),
    "string actions": (dict(frames=_frames(), actions=np.full((3, 4), "0.1")), r"options\['actions'\] has dtype <U3; " + SINGLE_ACTIONS),
    "NaN actions": (dict(frames=_frames(), actions=_actions(fill=np.nan)),
                    r"options\['actions'\] contains NaN or infinite values \(nan at index \(0, 0\)\); expected only finite values \("
                    + SINGLE_ACTIONS[len("expected "):]),
    "inf actions": (dict(frames=_frames(), actions=_actions(fill=np.inf)), r"options\['actions'\] contains NaN or infinite values \(inf at index \(0, 0\)\)"),
    "two actions": (dict(frames=_frames(), actions=_actions()[:2]), r"options\['actions'\] has shape \(2, 4\); " + SINGLE_ACTIONS),
    "only frames": (dict(frames=_frames()), r"reset\(options=...\) lacks \['actions'\]; " + OPTIONS),
    "only actions": (dict(actions=_actions()), r"reset\(options=...\) lacks \['frames'\]; " + OPTIONS),
    "misspelt key": (dict(frame=_frames(), actions=_actions()), r"reset\(options=...\) has unknown keys \['frame'\]; " + OPTIONS),
}


@pytest.mark.parametrize("options, message", BAD_SINGLE_CONTEXTS.values(), ids=BAD_SINGLE_CONTEXTS.keys())
def test_bad_single_env_contexts(single, options, message):
    with pytest.raises(ValueError, match=message):
        single.reset(options=options)


VECTOR_FRAMES = r"expected uint8 frames of shape \(2, 4, 3, 16, 16\): 4 consecutive frames for each of the 2 worlds\."
VECTOR_ACTIONS = r"expected real numbers \(float or int\) of shape \(2, 3, 4\): the 3 actions between the 4 frames for each of the 2 worlds"
BAD_VECTOR_CONTEXTS = {
    "unbatched frames": (dict(frames=_frames(), actions=_actions(2)), r"options\['frames'\] has shape \(4, 3, 16, 16\); " + VECTOR_FRAMES),
    "one world": (dict(frames=_frames(1), actions=_actions(1)), r"options\['frames'\] has shape \(1, 4, 3, 16, 16\); " + VECTOR_FRAMES),
    "actions of one world": (dict(frames=_frames(2), actions=_actions(1)), r"options\['actions'\] has shape \(1, 3, 4\); " + VECTOR_ACTIONS),
    "float tensor frames": (dict(frames=torch.zeros(2, 4, 3, SIZE, SIZE), actions=_actions(2)),
                            r"options\['frames'\] has dtype float32; " + VECTOR_FRAMES),
    "boolean actions": (dict(frames=_frames(2), actions=_actions(2, dtype=bool)), r"options\['actions'\] has dtype bool; " + VECTOR_ACTIONS),
    "boolean tensor actions": (dict(frames=_frames(2), actions=torch.zeros(2, 3, 4, dtype=torch.bool)),
                               r"options\['actions'\] has dtype bool; " + VECTOR_ACTIONS),
    "NaN actions": (dict(frames=_frames(2), actions=_actions(2, fill=np.nan)), r"options\['actions'\] contains NaN or infinite values \(nan at index \(0, 0, 0\)\)"),
    "not a dict": ([_frames(2), _actions(2)], r"reset\(options=...\) is a list; " + OPTIONS),
    "reset_mask": (dict(reset_mask=np.ones(2, bool)), r"reset\(options=...\) has unknown keys \['reset_mask'\]; " + OPTIONS),
}


@pytest.mark.parametrize("options, message", BAD_VECTOR_CONTEXTS.values(), ids=BAD_VECTOR_CONTEXTS.keys())
def test_bad_vector_env_contexts(vector, options, message):
    with pytest.raises(ValueError, match=message):
        vector.reset(options=options)


def test_single_env_takes_unbatched_contexts_as_documented(single, simulator):
    frames = simulator.initial_states.frames[1, :4]
    actions = simulator.initial_states.actions[1, :3].numpy() * 3  # out of range: clipped, like step actions
    observation, _ = single.reset(options={"frames": frames, "actions": actions})  # a tensor and an array
    np.testing.assert_array_equal(observation, frames[3].numpy())
    assert torch.equal(single._vector._actions[0], torch.from_numpy(actions).clamp(-1, 1))


@pytest.mark.parametrize("options", [None, {}])
def test_no_options_start_from_the_bundle(vector, options):
    vector.reset(seed=1, options=options)


# -- seeds ----------------------------------------------------------------------------------------------
BAD_SEEDS = {
    "negative": (-1, r"reset\(seed=-1\) is refused: Seed must be greater or equal to zero"),
    "float": (1.5, r"reset\(seed=1.5\) is refused: Seed must be a python integer"),
    "string": ("5", r"reset\(seed='5'\) is refused: Seed must be a python integer"),
    "numpy integer": (np.int64(3), r"reset\(seed=np.int64\(3\)\) is refused: Seed must be a python integer"),
    "list": ([1], r"reset\(seed=\[1\]\) is refused: Seed must be a python integer"),
}


@pytest.mark.parametrize("make", ["single", "vector"])
@pytest.mark.parametrize("seed, message", BAD_SEEDS.values(), ids=BAD_SEEDS.keys())
def test_bad_seeds_follow_gymnasium(single, vector, make, seed, message):
    env = single if make == "single" else vector
    with pytest.raises(gymnasium.error.Error, match=message + r".*; expected None or a Python int >= 0\."):
        env.reset(seed=seed)
    env.reset(seed=2**70)  # gymnasium allows any non-negative int


# -- settings -------------------------------------------------------------------------------------------
BAD_SETTINGS = {
    "no worlds": (dict(num_envs=0), r"num_envs must be an integer >= 1, got 0\."),
    "fractional worlds": (dict(num_envs=2.5), r"num_envs must be an integer >= 1, got 2.5\."),
    "boolean worlds": (dict(num_envs=True), r"num_envs must be an integer >= 1, got True\."),
    "zero horizon": (dict(max_episode_steps=0), r"max_episode_steps must be an integer >= 1 or None, got 0\."),
    "negative horizon": (dict(max_episode_steps=-3), r"max_episode_steps must be an integer >= 1 or None, got -3\."),
    "fractional denoising steps": (dict(denoising_steps=1.5), r"denoising_steps must be an integer >= 1 or None, got 1.5\."),
    "no denoising steps": (dict(denoising_steps=0), r"denoising_steps must be an integer >= 1 or None, got 0\."),
}


@pytest.mark.parametrize("settings, message", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_settings(simulator, settings, message):
    with pytest.raises(ValueError, match=message):
        DreamWorldVectorEnv(simulator=simulator, **settings)
    if "num_envs" not in settings:
        with pytest.raises(ValueError, match=message):
            DreamWorldEnv(simulator=simulator, **settings)


# -- constructor arguments: device, task, bundle, simulator, success confirmation -----------------------
BAD_CONSTRUCTION = {
    "unknown device string": (dict(device="gpu"), r"device 'gpu' is not a known device .*; expected a device string such as 'cpu'"),
    "device as an int": (dict(device=5), r"device must be a string, got int 5; expected a device string such as 'cpu'"),
    "task None": (dict(task=None), r"task must be a string, got NoneType None; expected the name of a known Meta-World task"),
    "task an int": (dict(task=7), r"task must be a string, got int 7; expected the name of a known Meta-World task"),
    "task with a path": (dict(task="../envs/coffee-pull"), r"task '\.\./envs/coffee-pull' is not a task name; expected the name of a known Meta-World task"),
    "task dot-dot": (dict(task=".."), r"task '\.\.' is not a task name; expected the name of a known"),
    "unknown task": (dict(task="no-such-task"), r"task 'no-such-task' is not a known task; expected the name of a known Meta-World task"),
    "bundle an int": (dict(bundle=123), r"bundle must be a folder path \(str or os.PathLike\) or None, got int 123\."),
    "simulator a string": (dict(simulator="not a simulator"), r"simulator must be a LearnedSimulator .* or None, got str 'not a simulator'\."),
    "simulator an object": (dict(simulator=object()), r"simulator must be a LearnedSimulator .* or None, got object <object"),
}


@pytest.mark.parametrize("settings, message", BAD_CONSTRUCTION.values(), ids=BAD_CONSTRUCTION.keys())
def test_bad_constructor_arguments(settings, message):
    with pytest.raises(ValueError, match=message):
        DreamWorldVectorEnv(**settings)
    with pytest.raises(ValueError, match=message):
        DreamWorldEnv(**settings)


def test_cuda_without_cuda_is_refused(simulator, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device in ("cuda", "cuda:0", torch.device("cuda")):
        with pytest.raises(ValueError, match=r"device .*cuda.* needs CUDA, but torch.cuda.is_available\(\) is False"):
            DreamWorldVectorEnv(simulator=simulator, device=device)


@pytest.mark.parametrize("settings, message", [
    (dict(horizon=10**9), r"SuccessConfirmation.horizon must be at most 64, got 1000000000\."),
    (dict(horizon=65), r"SuccessConfirmation.horizon must be at most 64, got 65\."),
    (dict(rerolls=17), r"SuccessConfirmation.rerolls must be at most 16, got 17\."),
])
def test_success_confirmation_is_bounded(simulator, settings, message):
    with pytest.raises(ValueError, match=message):
        DreamWorldVectorEnv(simulator=simulator, success_confirmation=settings)
    DreamWorldVectorEnv(simulator=simulator, success_confirmation=dict(horizon=64, rerolls=16))


@pytest.mark.parametrize("make", ["single", "vector"])
def test_huge_finite_actions_are_clipped_not_called_infinite(single, vector, make, monkeypatch):
    from dreamgym.dream import vector_env

    given, sample = [], vector_env.sample_next_frame

    def spy(model, frames, actions, *rest):
        given.append(actions[:, -1])
        return sample(model, frames, actions, *rest)

    monkeypatch.setattr(vector_env, "sample_next_frame", spy)
    env = single if make == "single" else vector
    action = np.array([1e40, -1e300, 0.5, 0.0])
    env.step(action if make == "single" else np.array([action] * WORLDS))
    worlds = 1 if make == "single" else WORLDS
    assert torch.equal(given[-1], torch.tensor([[1, -1, 0.5, 0]] * worlds, dtype=torch.float32))
    contexts = dict(frames=_frames(), actions=_actions(dtype=np.float64, fill=1e39)) if make == "single" else dict(
        frames=_frames(WORLDS), actions=_actions(WORLDS, dtype=np.float64, fill=1e39))
    env.reset(options=contexts)
    with pytest.raises(ValueError, match=r"contains NaN or infinite values \(inf at index \(0,( 0)?\)\); expected only finite values"):
        env.step(np.array([np.inf, 0, 0, 0]) if make == "single" else np.array([[np.inf, 0, 0, 0]] * WORLDS))


# -- settings checked also when set after construction (reward_mode, reset_mode, output, max_episode_steps) ----
BAD_MODES = {
    "reward_mode typo": ("reward_mode", "dense", r"reward_mode must be one of \['sparse', 'probability'\], got 'dense'\."),
    "reward_mode None": ("reward_mode", None, r"reward_mode must be one of \['sparse', 'probability'\], got None\."),
    "reset_mode typo": ("reset_mode", "middle", r"reset_mode must be one of \['episode_start', 'random'\], got 'middle'\."),
    "max_episode_steps 0": ("max_episode_steps", 0, r"max_episode_steps must be an integer >= 1, got 0\."),
    "max_episode_steps float": ("max_episode_steps", 2.5, r"max_episode_steps must be an integer >= 1, got 2.5\."),
}


@pytest.mark.parametrize("name, value, message", BAD_MODES.values(), ids=BAD_MODES.keys())
def test_bad_settings_are_refused_when_set_later(single, vector, name, value, message):
    for env in (single, vector):
        before = getattr(env, name)
        with pytest.raises(ValueError, match=message):
            setattr(env, name, value)
        assert getattr(env, name) == before  # the refused value changed nothing
    single.reward_mode = "probability"  # a good value is taken, by the world underneath the single env too
    assert single._vector.reward_mode == "probability"


@pytest.mark.parametrize("settings, message", [
    (dict(reward_mode="dense"), BAD_MODES["reward_mode typo"][2]),
    (dict(reset_mode="middle"), BAD_MODES["reset_mode typo"][2]),
])
@pytest.mark.parametrize("make", [DreamWorldEnv, DreamWorldVectorEnv])
def test_bad_modes_are_refused_at_construction(simulator, make, settings, message):
    with pytest.raises(ValueError, match=message):
        make(simulator=simulator, **settings)


@pytest.mark.parametrize("output, message", [
    ("tensor", r"output must be one of \['numpy', 'torch'\], got 'tensor'\."),
    (None, r"output must be one of \['numpy', 'torch'\], got None\."),
])
def test_bad_output_is_refused(simulator, vector, output, message):
    with pytest.raises(ValueError, match=message):
        DreamWorldVectorEnv(simulator=simulator, output=output)
    with pytest.raises(ValueError, match=message):
        vector.output = output


# -- render modes follow metadata["render_modes"] --------------------------------------------------------------
@pytest.mark.parametrize("render_mode", ["human", "rgb_array_list", "ansi", 1])
@pytest.mark.parametrize("make", [DreamWorldEnv, DreamWorldVectorEnv])
def test_unsupported_render_mode_is_refused_at_construction(simulator, make, render_mode):
    message = f"{make.__name__} does not support render_mode={render_mode!r}; expected one of ['rgb_array'] or None"
    if render_mode == "human":
        message += " (gymnasium.make(..., render_mode='human') shows the 'rgb_array' frames in a window"
    with pytest.raises(ValueError, match=re.escape(message)):
        make(simulator=simulator, render_mode=render_mode)


# -- the order of calls: reset before step, no step after the episode ended, nothing after close() ------------
def test_single_env_refuses_step_before_reset_and_after_the_episode_ended(simulator):
    env = DreamWorldEnv(simulator=simulator)
    with pytest.raises(ResetNeeded, match=re.escape(
        "DreamWorldEnv.step() was called before reset(); expected reset() first (a finished episode does not go on).")):
        env.step(np.zeros(4, np.float32))
    threshold = simulator.reward_model.config.threshold
    simulator.reward_model.config.threshold = 0.999999  # never predicts success: the episode ends by truncation
    try:
        env = DreamWorldEnv(simulator=simulator, max_episode_steps=2)
        env.reset(seed=0)
        truncated = [env.step(np.zeros(4, np.float32))[3] for _ in range(2)]
        assert truncated == [False, True]
        for _ in range(2):  # and again: the refusal does not wear off
            with pytest.raises(ResetNeeded, match=re.escape(
                "DreamWorldEnv.step() was called after the episode was truncated (time limit); expected reset() first")):
                env.step(np.zeros(4, np.float32))
    finally:
        simulator.reward_model.config.threshold = threshold
    env.reset()
    env.step(np.zeros(4, np.float32))


def test_reset_needed_is_gymnasiums_error_and_a_runtime_error():
    assert issubclass(ResetNeeded, gymnasium.error.ResetNeeded) and issubclass(ResetNeeded, RuntimeError)


def test_gymnasium_wrappers_pass_the_refusal_through(simulator):
    env = gymnasium.make("DreamWorld-v0", simulator=simulator)  # PassiveEnvChecker and OrderEnforcing
    with pytest.raises(gymnasium.error.ResetNeeded, match="Cannot call env.step\\(\\) before calling env.reset\\(\\)"):
        env.step(np.zeros(4, np.float32))
    env.reset(seed=0)
    env.unwrapped._pending_reset = "after the episode terminated"  # as after a predicted success
    with pytest.raises(ResetNeeded, match=r"DreamWorldEnv.step\(\) was called after the episode terminated"):
        env.step(np.zeros(4, np.float32))


def test_vector_env_refuses_step_before_reset_and_autoresets_after(simulator):
    env = DreamWorldVectorEnv(num_envs=WORLDS, simulator=simulator, max_episode_steps=1)
    with pytest.raises(ResetNeeded, match=re.escape("DreamWorldVectorEnv.step() was called before reset(); expected reset() first")):
        env.step(np.zeros((WORLDS, 4), np.float32))
    env.reset(seed=0)
    for _ in range(3):  # every step ends every world; each starts again by itself (same-step autoreset)
        _, _, terminated, truncated, _ = env.step(np.zeros((WORLDS, 4), np.float32))
        assert (terminated | truncated).all()


@pytest.mark.parametrize("make", ["single", "vector"])
def test_nothing_works_after_close_but_close(single, vector, make):
    env = single if make == "single" else vector
    name = type(env).__name__
    env.close()
    env.close()  # harmless
    action = np.zeros(4, np.float32) if make == "single" else np.zeros((WORLDS, 4), np.float32)
    for method, call in (("reset", lambda: env.reset(seed=0)), ("step", lambda: env.step(action)), ("render", env.render)):
        with pytest.raises(RuntimeError, match=re.escape(f"{name}.{method}() was called after close(); expected an open env (make a new one).")):
            call()
