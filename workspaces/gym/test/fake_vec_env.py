"""A vector env with Gymnasium's API (SAME_STEP autoreset) and no Gymnasium: the bridge's protocol test.

Copy i observes [seed_i, t] (seed_i: the seed of its last reset, +1 per unseeded reset; t: steps into
the episode). Reward = action + 0.5 * i. Episodes end after `episode_length` steps: terminated for even
copies, truncated for odd ones. info: t (int), even (bool), and at reset: started (1.0).
`fail_at`, `hang_at` and `print_at` make the k-th vector step (1-based) raise, never return, or print;
a hanging step first writes the process id to `hang_file`, if given (tests wait for it).
"""

import os
import time

import numpy as np


class Box:
    def __init__(self, low, high, shape):
        self.shape = shape
        self.low = np.full(shape, low, dtype=np.float64)
        self.high = np.full(shape, high, dtype=np.float64)
        self.dtype = np.float64


class Discrete:
    def __init__(self, n, start=0):
        self.n = n
        self.start = start
        self.shape = ()


class FakeVecEnv:
    def __init__(self, num_envs, episode_length=3, fail_at=0, hang_at=0, print_at=0, box_actions=False, hang_file=None):
        self.num_envs = num_envs
        self.single_observation_space = Box(-np.inf, np.inf, (2,))
        self.single_action_space = Box(-1.0, 1.0, (2,)) if box_actions else Discrete(3, start=1)
        self.box_actions = box_actions
        self.length = episode_length
        self.fail_at, self.hang_at, self.print_at = fail_at, hang_at, print_at
        self.hang_file = hang_file
        self.seeds = [0] * num_envs
        self.t = [0] * num_envs
        self.calls = 0

    def _obs(self, i):
        return np.array([self.seeds[i], self.t[i]], dtype=np.float64)

    def _reset_one(self, i, seed):
        self.seeds[i] = seed if seed is not None else self.seeds[i] + 1
        self.t[i] = 0

    def reset(self, seed=None, options=None):
        for i in range(self.num_envs):
            self._reset_one(i, None if seed is None else seed[i])
        n = self.num_envs
        info = {"started": np.ones(n), "_started": np.ones(n, bool), "t": np.zeros(n, np.int64), "_t": np.ones(n, bool)}
        return np.stack([self._obs(i) for i in range(n)]), info

    def step(self, actions):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("fake env failed on purpose at call %d" % self.calls)
        if self.calls == self.hang_at:
            if self.hang_file:
                with open(self.hang_file + ".tmp", "w") as f:
                    f.write(str(os.getpid()))
                os.rename(self.hang_file + ".tmp", self.hang_file)
            time.sleep(3600)
        if self.calls == self.print_at:
            print("a line an env printed")
        n = self.num_envs
        obs = np.zeros((n, 2))
        if self.box_actions:
            reward = np.asarray(actions, np.float64).sum(axis=1) + 0.5 * np.arange(n)
        else:
            reward = np.asarray(actions, np.float64) + 0.5 * np.arange(n)
        term = np.zeros(n, bool)
        trunc = np.zeros(n, bool)
        step_t = np.zeros(n, np.int64)
        even = np.zeros(n, bool)
        final_obs = np.empty(n, object)
        final_t = np.zeros(n, np.int64)
        final_even = np.zeros(n, bool)
        started = np.zeros(n)
        for i in range(n):
            self.t[i] += 1
            if self.t[i] >= self.length:
                (term if i % 2 == 0 else trunc)[i] = True
                final_obs[i] = self._obs(i)
                final_t[i] = self.t[i]
                final_even[i] = self.t[i] % 2 == 0
                self._reset_one(i, None)
                started[i] = 1.0
            step_t[i] = self.t[i]
            even[i] = self.t[i] % 2 == 0
            obs[i] = self._obs(i)
        done = term | trunc
        info = {"t": step_t, "_t": np.ones(n, bool), "even": even, "_even": np.ones(n, bool)}
        if done.any():
            info["started"] = started
            info["_started"] = done
            info["final_obs"] = final_obs
            info["_final_obs"] = done
            info["final_info"] = {"t": final_t, "_t": done, "even": final_even, "_even": done}
            info["_final_info"] = done
        return obs, reward, term, trunc, info

    def close(self):
        pass


def make(num_envs, **kwargs):
    return FakeVecEnv(num_envs, **kwargs)
