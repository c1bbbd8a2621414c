"""A test wrapper (needs gymnasium): the env's `at`-th step never returns, as a hung simulator would.

Before it hangs it writes {"pid", "episodes"} to `file`, if given: its process id and how many episodes
ended before the hang (tests wait for the file, then check that every one of those episodes was kept).
"""

import json
import os
import time

import gymnasium as gym


class HangAt(gym.Wrapper):
    def __init__(self, env, at, file=None):
        super().__init__(env)
        self.at = at
        self.file = file
        self.calls = 0
        self.episodes = 0

    def step(self, action):
        self.calls += 1
        if self.calls == self.at:
            if self.file:
                with open(self.file + ".tmp", "w") as f:
                    json.dump({"pid": os.getpid(), "episodes": self.episodes}, f)
                os.rename(self.file + ".tmp", self.file)
            time.sleep(3600)
        out = self.env.step(action)
        if out[2] or out[3]:
            self.episodes += 1
        return out
