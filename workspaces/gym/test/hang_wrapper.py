"""A test wrapper (needs gymnasium): the env's `at`-th step never returns, as a hung simulator would."""

import time

import gymnasium as gym


class HangAt(gym.Wrapper):
    def __init__(self, env, at):
        super().__init__(env)
        self.at = at
        self.calls = 0

    def step(self, action):
        self.calls += 1
        if self.calls == self.at:
            time.sleep(3600)
        return self.env.step(action)
