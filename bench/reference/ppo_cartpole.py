#!/usr/bin/python3
"""PyTorch CPU reference for the rl-ppo-cartpole benchmark.

An independent re-implementation of the algorithm in CleanRL's ppo.py (Huang et al., 2022) for CartPole-v1,
written for this benchmark (not copied): same network (separate 64x64 tanh actor and critic, orthogonal init
with gains sqrt(2) / 0.01 / 1), same hyperparameters (4 envs x 128 steps, 4 minibatches, 4 epochs, lr 2.5e-4
annealed, Adam eps 1e-5, gamma 0.99, GAE lambda 0.95, clip 0.2 with clipped value loss, ent 0.01, vf 0.5,
grad-norm 0.5, advantage normalisation per minibatch), same per-step structure (one batched forward pass of
all env copies under no_grad, Categorical sampling, CPU tensors copied to and from numpy every step).

Differences from CleanRL, all forced by this machine or made to match one Creditlab worker:
- gymnasium is not installed here, so CartPole-v1 is written below in numpy: the Gymnasium dynamics
  (explicit Euler, tau 0.02, same constants, termination at |x| > 2.4 or |theta| > 12 deg, truncation at
  500 steps) stepped for all copies at once on arrays, with same-step auto-reset like the pre-1.0
  SyncVectorEnv CleanRL was written against. It is vectorised, so it is if anything cheaper than gym's
  per-env Python loop: the reference is not handicapped.
- torch.set_num_threads(1): a Creditlab worker uses one core, so the reference gets one too.
- No TensorBoard writer (not installed); the logged scalars are still computed with .item() as CleanRL does.

Prints one JSON line: {"steps", "seconds", "sps", "mean_return_last20", "torch", "threads"}.
Usage: /usr/bin/python3 bench/reference/ppo_cartpole.py [--steps 50000] [--seed 0] [--gym [--extra-path SITE]]
With --gym (the gym-bridge-cartpole benchmark) the env is Gymnasium's CartPole-v1 in this process instead.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class VecCartPole:
    """N CartPole-v1 copies as arrays; step() auto-resets finished copies and reports their episodes."""

    GRAVITY, M_CART, M_POLE, HALF_LEN, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    THETA_LIM, X_LIM, MAX_STEPS = 12 * 2 * np.pi / 360, 2.4, 500

    def __init__(self, n, seed):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, size=(n, 4))
        self.t = np.zeros(n, dtype=np.int64)
        self.ep_ret = np.zeros(n)

    def obs(self):
        return self.state.astype(np.float32)

    def step(self, action):
        x, x_dot, th, th_dot = self.state.T
        total = self.M_CART + self.M_POLE
        pml = self.M_POLE * self.HALF_LEN
        force = np.where(action == 1, self.FORCE, -self.FORCE)
        cos, sin = np.cos(th), np.sin(th)
        tmp = (force + pml * th_dot**2 * sin) / total
        th_acc = (self.GRAVITY * sin - cos * tmp) / (self.HALF_LEN * (4.0 / 3.0 - self.M_POLE * cos**2 / total))
        x_acc = tmp - pml * th_acc * cos / total
        self.state = np.stack(
            [x + self.TAU * x_dot, x_dot + self.TAU * x_acc, th + self.TAU * th_dot, th_dot + self.TAU * th_acc], axis=1
        )
        self.t += 1
        reward = np.ones(self.n, dtype=np.float32)
        self.ep_ret += reward
        x, th = self.state[:, 0], self.state[:, 2]
        terminated = (np.abs(x) > self.X_LIM) | (np.abs(th) > self.THETA_LIM)
        truncated = self.t >= self.MAX_STEPS
        done = terminated | truncated
        finished = self.ep_ret[done].tolist()
        if done.any():
            k = int(done.sum())
            self.state[done] = self.rng.uniform(-0.05, 0.05, size=(k, 4))
            self.t[done] = 0
            self.ep_ret[done] = 0.0
        return self.obs(), reward, done, finished


def dense(fan_in, fan_out, gain):
    layer = nn.Linear(fan_in, fan_out)
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


def mlp(obs_dim, out_dim, out_gain):
    g = float(np.sqrt(2))
    return nn.Sequential(dense(obs_dim, 64, g), nn.Tanh(), dense(64, 64, g), nn.Tanh(), dense(64, out_dim, out_gain))


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.pi = mlp(obs_dim, n_actions, 0.01)
        self.v = mlp(obs_dim, 1, 1.0)

    def act(self, x, action=None):
        dist = Categorical(logits=self.pi(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.v(x).squeeze(-1)


class GymCartPole:
    """Gymnasium's own CartPole-v1 (--gym, for gym-bridge-cartpole): a SyncVectorEnv in SAME_STEP autoreset
    mode, in this process, behind the same obs()/step() as VecCartPole."""

    def __init__(self, n, seed):
        import gymnasium as gym

        self.env = gym.make_vec("CartPole-v1", num_envs=n, vectorization_mode="sync",
                                vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP})
        self._obs, _ = self.env.reset(seed=[seed * 1000 + i for i in range(n)])
        self.ret = np.zeros(n)

    def obs(self):
        return self._obs.astype(np.float32)

    def step(self, action):
        self._obs, reward, term, trunc, _ = self.env.step(action)
        done = term | trunc
        self.ret += reward
        finished = [float(x) for x in self.ret[done]]
        self.ret[done] = 0.0
        return self.obs(), reward.astype(np.float32), done, finished


def train(total_steps, seed, gym_env=False):
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)
    n_envs, n_steps, n_mb, epochs = 4, 128, 4, 4
    lr0, gamma, lam, clip, ent_coef, vf_coef, max_norm = 2.5e-4, 0.99, 0.95, 0.2, 0.01, 0.5, 0.5
    batch = n_envs * n_steps
    mb_size = batch // n_mb
    iterations = total_steps // batch

    env = GymCartPole(n_envs, seed) if gym_env else VecCartPole(n_envs, seed)
    agent = ActorCritic(4, 2)
    opt = torch.optim.Adam(agent.parameters(), lr=lr0, eps=1e-5)
    obs_buf = torch.zeros((n_steps, n_envs, 4))
    act_buf = torch.zeros((n_steps, n_envs))
    logp_buf = torch.zeros((n_steps, n_envs))
    rew_buf = torch.zeros((n_steps, n_envs))
    done_buf = torch.zeros((n_steps, n_envs))
    val_buf = torch.zeros((n_steps, n_envs))
    next_obs = torch.tensor(env.obs())
    next_done = torch.zeros(n_envs)
    returns_seen = []
    step = 0
    start = time.perf_counter()

    for it in range(iterations):
        opt.param_groups[0]["lr"] = (1.0 - it / iterations) * lr0
        for t in range(n_steps):
            step += n_envs
            obs_buf[t] = next_obs
            done_buf[t] = next_done
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs)
            val_buf[t] = value
            act_buf[t] = action
            logp_buf[t] = logp
            o, r, d, finished = env.step(action.numpy())
            returns_seen.extend(finished)
            rew_buf[t] = torch.from_numpy(r)
            next_obs = torch.from_numpy(o)
            next_done = torch.from_numpy(d.astype(np.float32))

        with torch.no_grad():
            next_value = agent.v(next_obs).squeeze(-1)
            adv = torch.zeros_like(rew_buf)
            gae = torch.zeros(n_envs)
            for t in reversed(range(n_steps)):
                not_done = 1.0 - (next_done if t == n_steps - 1 else done_buf[t + 1])
                v_next = next_value if t == n_steps - 1 else val_buf[t + 1]
                delta = rew_buf[t] + gamma * v_next * not_done - val_buf[t]
                gae = delta + gamma * lam * not_done * gae
                adv[t] = gae
            ret = adv + val_buf

        b_obs, b_act, b_logp = obs_buf.reshape(-1, 4), act_buf.reshape(-1).long(), logp_buf.reshape(-1)
        b_adv, b_ret, b_val = adv.reshape(-1), ret.reshape(-1), val_buf.reshape(-1)
        idx = np.arange(batch)
        clipfracs = []
        for _ in range(epochs):
            np.random.shuffle(idx)
            for s in range(0, batch, mb_size):
                mb = idx[s : s + mb_size]
                _, new_logp, entropy, new_v = agent.act(b_obs[mb], b_act[mb])
                log_ratio = new_logp - b_logp[mb]
                ratio = log_ratio.exp()
                with torch.no_grad():
                    old_kl = (-log_ratio).mean()
                    kl = ((ratio - 1) - log_ratio).mean()
                    clipfracs.append(((ratio - 1.0).abs() > clip).float().mean().item())
                a = b_adv[mb]
                a = (a - a.mean()) / (a.std() + 1e-8)
                pg = torch.max(-a * ratio, -a * ratio.clamp(1 - clip, 1 + clip)).mean()
                v_unclipped = (new_v - b_ret[mb]) ** 2
                v_clipped = (b_val[mb] + (new_v - b_val[mb]).clamp(-clip, clip) - b_ret[mb]) ** 2
                v_loss = 0.5 * torch.max(v_unclipped, v_clipped).mean()
                ent = entropy.mean()
                loss = pg - ent_coef * ent + vf_coef * v_loss
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), max_norm)
                opt.step()
        # What CleanRL logs each iteration (it reads these back to Python floats).
        y_pred, y_true = b_val.numpy(), b_ret.numpy()
        var_y = np.var(y_true)
        _ = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y
        _ = (v_loss.item(), pg.item(), ent.item(), old_kl.item(), kl.item(), float(np.mean(clipfracs)))

    seconds = time.perf_counter() - start
    last = returns_seen[-20:]
    return {
        "steps": step,
        "seconds": seconds,
        "sps": step / seconds,
        "mean_return_last20": float(np.mean(last)) if last else None,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=50000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gym", action="store_true", help="Gymnasium's CartPole-v1 instead of the numpy port")
    p.add_argument("--extra-path", default=None, help="appended to sys.path (a venv's site-packages holding gymnasium)")
    a = p.parse_args()
    if a.extra_path:
        import sys

        sys.path.append(a.extra_path)
    print(json.dumps(train(a.steps, a.seed, a.gym)))
