"""A test wrapper (needs gymnasium): CartPole's observation as a Dict with a numeric Box, a Discrete and
a Text part, to check the bridge's flattening order and that the Text part is dropped with a warning."""

import gymnasium as gym
import numpy as np


class DictObs(gym.ObservationWrapper):
    def __init__(self, env):
        super().__init__(env)
        self.observation_space = gym.spaces.Dict({
            "pos": gym.spaces.Box(-np.inf, np.inf, (2,), np.float64),
            "side": gym.spaces.Discrete(3, start=-1),
            "label": gym.spaces.Text(8),
        })

    def observation(self, obs):
        return {"pos": np.asarray(obs[:2], np.float64), "side": int(np.sign(obs[0])), "label": "cart"}
