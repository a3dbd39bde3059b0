"""A mixture of dreams as one SB3 VecEnv (dreamgym.dream.mixture) and refinement in it."""

import json

import numpy as np
import pytest
import torch
from stable_baselines3.common.vec_env import DummyVecEnv
from test_dream_sb3 import tiny_simulator

from dreamgym.dream.mixture import DreamMixtureVecEnv
from dreamgym.dream.sb3 import SB3VecEnvAdapter
from dreamgym.dream.vector_env import DreamWorldVectorEnv


@pytest.fixture
def simulator():
    return tiny_simulator(size=16)


def _dream(simulator, worlds, fires):
    with torch.no_grad():
        simulator.reward_model.head.bias.fill_(20.0 if fires else -20.0)
    return SB3VecEnvAdapter(DreamWorldVectorEnv(num_envs=worlds, simulator=simulator, max_episode_steps=3))


def test_worlds_of_each_dream_keep_their_place(simulator):
    import copy

    always, never = _dream(copy.deepcopy(simulator), 2, True), _dream(copy.deepcopy(simulator), 3, False)
    mixture = DreamMixtureVecEnv([always, never])
    assert mixture.num_envs == 5 and mixture.observation_space == always.observation_space
    assert mixture.seed(7) == [7, 8, 9, 10, 11]
    observations = mixture.reset()
    assert observations.shape == (5, *always.observation_space.shape)
    seen = []
    actions = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4)
    for venv in (always, never):
        original = venv.step_async
        venv.step_async = lambda a, original=original: (seen.append(a.copy()), original(a))
    observations, rewards, dones, infos = mixture.step(actions)
    np.testing.assert_array_equal(np.concatenate(seen), actions)
    assert rewards.tolist() == [1, 1, 0, 0, 0] and dones.tolist() == [True, True, False, False, False]
    assert len(infos) == 5 and "terminal_observation" in infos[0] and "terminal_observation" not in infos[2]
    assert mixture.get_attr("max_episode_steps", indices=[1, 4]) == [3, 3]
    mixture.set_attr("max_episode_steps", 2)
    assert mixture.get_attr("max_episode_steps") == [2] * 5
    with pytest.raises(ValueError, match=r"indices \[0\] name only some of the 5 worlds"):
        mixture.set_attr("max_episode_steps", 4, indices=[0])
    with pytest.raises(ValueError, match=r"got actions of shape \(4, 4\); expected \(5, \.\.\.\)"):
        mixture.step_async(np.zeros((4, 4), np.float32))
    mixture.close()


def test_dreams_of_other_spaces_are_refused(simulator):
    import gymnasium as gym

    box = DummyVecEnv([lambda: gym.make("CartPole-v1")])
    with pytest.raises(ValueError, match="dream 1 has observation space"):
        DreamMixtureVecEnv([_dream(simulator, 1, True), box])
    with pytest.raises(TypeError, match="needs a non-empty list of SB3 VecEnvs"):
        DreamMixtureVecEnv([])


def test_refinement_shares_its_worlds_between_the_dreams(tmp_path):
    from test_policy import small_refine

    from dreamgym.policy.refine import refine

    bundles = [tiny_simulator(episode_steps=6).save(tmp_path / name) for name in ("a", "b")]
    config = small_refine(tmp_path, bundles[0], "mixed", iterations=1, num_envs=4, mixture_bundles=[bundles[1]])
    refine(config, progress=False)
    saved = json.loads((config.out_dir / "config.json").read_text())
    assert saved["mixture_bundles"] == [str(bundles[1])]
    with pytest.raises(ValueError, match=r"num_envs \(3\) must be a multiple of the number of dreams \(2"):
        small_refine(tmp_path, bundles[0], "odd", num_envs=3, mixture_bundles=[bundles[1]])
