#!/usr/bin/env python3
"""Regenerates the Gymnasium reference trajectories in ../test/fixtures/gymnasium/.

Our four classic-control ports (CartPole-v1, MountainCar-v0, Acrobot-v1, Pendulum-v1) are tested step by
step against these recordings. Each file holds five episodes (reset seeds 0..4) run through
`gymnasium.make`, with what reset()/step() returned and the environment's internal state after each step.
Two policies per env: uniform random actions (`<id>.json`) and a simple heuristic with some random actions
(`<id>.coverage.json`) that reaches branches random play never does: walls, goals, angle wrapping, torque
and speed clipping. The fixtures README describes the fields and dtypes.

Usage (in a virtualenv outside the repository):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gymnasium==1.3.0
    /tmp/venv/bin/python workspaces/envs/scripts/gen_gymnasium_fixtures.py [--out DIR] [--check]

--check regenerates in memory and exits 1 if any committed file differs (ignoring nothing: the versions
recorded in the files are part of the comparison, so a different Gymnasium/NumPy is reported as such).
"""
import argparse
import json
import platform
import sys
from pathlib import Path

GYMNASIUM_VERSION = "1.3.0"

try:
    import gymnasium
    import numpy as np
except ImportError as e:  # pragma: no cover - a setup problem, said plainly
    sys.exit(f"needs gymnasium=={GYMNASIUM_VERSION} and numpy: {e}")

if gymnasium.__version__ != GYMNASIUM_VERSION:
    sys.exit(f"gymnasium {gymnasium.__version__} found; these fixtures are pinned to {GYMNASIUM_VERSION}")

SEEDS = range(5)
OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "gymnasium"


def random_policy(env_id):
    """Uniform random actions from a separate generator, so the env's own RNG stays untouched."""
    if env_id == "Pendulum-v1":
        return "uniform random: float32(rng.uniform(-2, 2)) each step", lambda rng, obs: float(np.float32(rng.uniform(-2, 2)))
    n = {"CartPole-v1": 2, "MountainCar-v0": 3, "Acrobot-v1": 3}[env_id]
    return f"uniform random: rng.integers(0, {n}) each step", lambda rng, obs: int(rng.integers(0, n))


def coverage_policy(env_id):
    """Heuristics that push each env into its edge cases; the random share keeps episodes varied."""
    if env_id == "CartPole-v1":
        # Leans with the pole: balances for a long time (time-limit truncation), sometimes drifts off the track.
        def act(rng, obs):
            if rng.random() < 0.1:
                return int(rng.integers(0, 2))
            return 1 if obs[2] + 0.5 * obs[3] > 0 else 0

        return "coverage: with p=0.1 (rng.random()<0.1) rng.integers(0,2), else 1 if obs[2]+0.5*obs[3]>0 else 0", act
    if env_id in ("MountainCar-v0", "Acrobot-v1"):
        # Pump energy: push along the current velocity. MountainCar hits the left wall and the goal;
        # Acrobot swings up to the goal height and wraps its angles.
        k = 1 if env_id == "MountainCar-v0" else 5

        def act(rng, obs):
            if rng.random() < 0.1:
                return int(rng.integers(0, 3))
            return 2 if obs[k] > 0 else 0

        return f"coverage: with p=0.1 rng.integers(0,3), else 2 if obs[{k}]>0 else 0", act
    if env_id == "Pendulum-v1":
        # Torques beyond the env's +-2 limit (it clips them) and enough energy to reach the +-8 speed limit.
        def act(rng, obs):
            if rng.random() < 0.2:
                return float(np.float32(rng.uniform(-3, 3)))
            return 2.5 if obs[2] >= 0 else -2.5

        return "coverage: with p=0.2 float32(rng.uniform(-3,3)), else +2.5 if obs[2]>=0 else -2.5 (values outside [-2,2] are clipped by the env)", act
    raise ValueError(env_id)


def floats(a):
    # float() of a float32 gives its exact value as a double; json writes doubles round-trip exact.
    return [float(x) for x in np.asarray(a).ravel()]


def record(env_id, seed, describe, act):
    env = gymnasium.make(env_id)
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(1000 + seed)
    t = {
        "env": env_id,
        "gymnasium_version": gymnasium.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "reset_seed": seed,
        "action_seed": 1000 + seed,
        "max_episode_steps": env.spec.max_episode_steps,
        "policy": f"{describe}, rng = numpy.random.default_rng(1000 + reset_seed)",
        "initial_observation": floats(obs),
        "initial_state": floats(env.unwrapped.state),
        "actions": [],
        "observations": [],
        "states": [],
        "rewards": [],
        "terminated": [],
        "truncated": [],
    }
    while True:
        a = act(rng, obs)
        # Pendulum's torque goes in as a float64 array: as float32 NumPy would compute the torque term in
        # float32 and the recorded states would drift from a double-precision port.
        step_action = np.array([a], dtype=np.float64) if env_id == "Pendulum-v1" else a
        obs, reward, terminated, truncated, _ = env.step(step_action)
        t["actions"].append(a)
        t["observations"].append(floats(obs))
        t["states"].append(floats(env.unwrapped.state))
        t["rewards"].append(float(reward))
        t["terminated"].append(bool(terminated))
        t["truncated"].append(bool(truncated))
        if terminated or truncated:
            break
    env.close()
    return t


def generate():
    files = {}
    for env_id in ("CartPole-v1", "MountainCar-v0", "Acrobot-v1", "Pendulum-v1"):
        for suffix, policy in (("", random_policy), (".coverage", coverage_policy)):
            describe, act = policy(env_id)
            trajs = [record(env_id, seed, describe, act) for seed in SEEDS]
            files[f"{env_id}{suffix}.json"] = json.dumps(trajs, separators=(",", ":")) + "\n"
    return files


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--check", action="store_true", help="compare with the files in --out instead of writing")
    args = p.parse_args()
    files = generate()
    if args.check:
        stale = [n for n, text in files.items() if not (args.out / n).exists() or (args.out / n).read_text() != text]
        for n in stale:
            print(f"differs: {args.out / n}")
        sys.exit(1 if stale else 0)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text)
        print(f"wrote {args.out / name} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
