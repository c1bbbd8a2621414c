"""A test wrapper (needs gymnasium): deterministic info entries of every kind the bridge meets, to compare
the bridge's copy-by-copy stepping of a SyncVectorEnv with Gymnasium's own batching (AsyncVectorEnv)."""

import gymnasium as gym
import numpy as np


class Infos(gym.Wrapper):
    def __init__(self, env):
        super().__init__(env)
        self.t = 0
        self.resets = 0

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self.resets += 1
        self.t = 0
        info.update({"resets": self.resets, "fresh": True, "where": {"x": float(obs[0])}})
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.t += 1
        info.update({"t": self.t, "half": self.t / 2, "even": self.t % 2 == 0, "where": {"x": float(obs[0])},
                     "speed": np.float64(obs[1]), "label": "cart", "pair": np.array([1.0, 2.0])})
        if self.t % 3 == 0:
            info["third"] = 1.5
        return obs, reward, terminated, truncated, info
