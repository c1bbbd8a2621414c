"""Creditlab's Gymnasium bridge: one process per run, holding one Gymnasium vector env.

The TypeScript side (workspaces/gym/src/bridge.ts) sends one request per vector step on fd 0 and reads
one binary frame back on fd 1 (two FIFOs the host reads and writes from the trainer's own thread, or plain
pipes; see src/channel.ts). Depends on numpy and, for `gymnasium:` ids, gymnasium >= 1.1 (its
SAME_STEP autoreset mode is the behaviour Creditlab's trainers expect: a step that ends an episode
returns the reset observation for the next action and the true last observation in `final_obs`).

Frames: a little-endian u32 byte length, then the payload; payload[0] names the kind.
  host -> bridge  b"I" JSON init | b"R" JSON reset {"seeds": [..] | null} | b"A" 7 pad bytes, f64[N*W] actions
                  | b"Q" quit
  bridge -> host  b"H" JSON hello | b"O" observation frame | b"E" JSON {"message", "traceback"}
An "O" frame (all little-endian):
  u32 N, u32 D, f64[N*D] obs (what the next action is chosen on), f64[N] reward, u8[N] terminated,
  u8[N] truncated, u32 F, F x (u32 env, f64[D] final obs), u32 K, K x (u16 len, utf-8) info names
  seen for the first time (their ids continue the previous ones), u32 M, M x (u32 name id,
  u8 flags: bit 0 reset info / bit 1 boolean, u8[N] present, f64[N] value).
Only scalar numeric and boolean info entries travel; nested dicts become dotted names ("episode.r").

Observations: Box, MultiDiscrete and MultiBinary are sent as flat float64 rows; Discrete as its index
(minus `start`). Dict and Tuple observations are flattened depth-first (Dict in the space's key order,
Tuple in index order): Box entries row-major, Discrete one-hot, MultiDiscrete one-hot per entry,
MultiBinary as 0/1; other parts (Text, Graph, Sequence, ...) are dropped with a warning.
Actions: Discrete and Box as they are (Box clipped to its bounds); MultiDiscrete and MultiBinary as one
Discrete over their joint values (row-major, first entry most significant), decoded here.

The bridge exits on a quit request, when fd 0 ends, when the lifeline fd (CREDITLAB_LIFELINE_FD) closes,
or when its parent process changes (the host died), even while an env is stuck inside `step`. Over
FIFOs fd 0 never ends (the host opens them read-write), so the lifeline is what reports the host's end.
"""

import difflib
import importlib
import json
import os
import struct
import sys
import threading
import time
import traceback

import numpy as np

PROTOCOL = 1
MAX_JOINT_ACTIONS = 4096
NO_INFO = struct.pack("<II", 0, 0)  # an "O" frame's info part with no new names and no columns


def _exit_when_orphaned(ppid):
    while True:
        if os.getppid() != ppid:
            os._exit(3)
        time.sleep(0.5)


def _exit_when_lifeline_closes(fd):
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass
    os._exit(3)


class BridgeError(Exception):
    """An error whose message is meant for the user as it is (no traceback needed)."""


# ---------------------------------------------------------------------------------------------------
# Spaces


def _kind(space):
    return type(space).__name__


def _finite_list(a):
    out = []
    for x in np.asarray(a, dtype=np.float64).ravel().tolist():
        out.append(x if np.isfinite(x) else ("inf" if x > 0 else "-inf"))
    return out


def _leaves(space, path, out, dropped):
    """Numeric leaves of a (possibly nested) space in the documented order: (path, space)."""
    k = _kind(space)
    if k == "Dict":
        for key, sub in space.spaces.items():
            _leaves(sub, path + [str(key)], out, dropped)
    elif k == "Tuple":
        for i, sub in enumerate(space.spaces):
            _leaves(sub, path + [str(i)], out, dropped)
    elif k in ("Box", "Discrete", "MultiDiscrete", "MultiBinary"):
        out.append((".".join(path) or "obs", space))
    else:
        dropped.append("%s (%s)" % (".".join(path) or "obs", k))


def _leaf_width(space):
    k = _kind(space)
    if k == "Box":
        return int(np.prod(space.shape))
    if k == "Discrete":
        return int(space.n)
    if k == "MultiDiscrete":
        return int(np.sum(space.nvec))
    return int(np.prod(space.shape))  # MultiBinary


def _leaf_bounds(space):
    k = _kind(space)
    if k == "Box":
        return np.asarray(space.low, np.float64).ravel(), np.asarray(space.high, np.float64).ravel()
    w = _leaf_width(space)
    return np.zeros(w), np.ones(w)


def _leaf_write(space, value, row, at):
    k = _kind(space)
    w = _leaf_width(space)
    if k == "Box":
        row[at:at + w] = np.asarray(value, np.float64).ravel()
    elif k == "Discrete":
        row[at:at + w] = 0.0
        row[at + int(value) - int(space.start)] = 1.0
    elif k == "MultiDiscrete":
        row[at:at + w] = 0.0
        off = at
        for v, n, s in zip(np.asarray(value).ravel(), np.asarray(space.nvec).ravel(), np.asarray(space.start).ravel()):
            row[off + int(v) - int(s)] = 1.0
            off += int(n)
    else:
        row[at:at + w] = np.asarray(value, np.float64).ravel()
    return at + w


def _leaf_value(value, path):
    for key in path.split(".") if path != "obs" else []:
        value = value[key] if isinstance(value, dict) else value[int(key)]
    return value


class ObsCodec:
    """Turns a batch of observations of one (single-env) space into float64 rows of width D."""

    def __init__(self, space):
        k = _kind(space)
        self.warnings = []
        self.leaves = None
        if k == "Discrete":
            self.desc = {"type": "discrete", "n": int(space.n)}
            self.start = int(space.start)
            self.width = 1
        elif k in ("Box", "MultiDiscrete", "MultiBinary"):
            if k == "Box":
                low, high = np.asarray(space.low, np.float64), np.asarray(space.high, np.float64)
            elif k == "MultiDiscrete":
                low = np.asarray(space.start, np.float64)
                high = low + np.asarray(space.nvec, np.float64) - 1
            else:
                low, high = np.zeros(space.shape), np.ones(space.shape)
            self.width = int(np.prod(space.shape))
            self.desc = {"type": "box", "shape": [self.width], "low": _finite_list(low), "high": _finite_list(high)}
        elif k in ("Dict", "Tuple"):
            leaves, dropped = [], []
            _leaves(space, [], leaves, dropped)
            if not leaves:
                raise BridgeError("the observation space %s has no numeric part" % space)
            if dropped:
                self.warnings.append("observation parts dropped (not numeric): " + ", ".join(dropped))
            self.leaves = leaves
            self.width = sum(_leaf_width(s) for _, s in leaves)
            lows, highs = zip(*[_leaf_bounds(s) for _, s in leaves])
            self.desc = {"type": "box", "shape": [self.width], "low": _finite_list(np.concatenate(lows)),
                         "high": _finite_list(np.concatenate(highs)),
                         "layout": [{"path": p, "space": _kind(s), "width": _leaf_width(s)} for p, s in leaves]}
        else:
            raise BridgeError("observation space %s is not supported (Box, Discrete, MultiDiscrete, MultiBinary, Dict, Tuple)" % k)
        self.kind = k

    def batch(self, obs, n):
        """A (n, D) float64 array from the vector env's batched observation."""
        if self.kind == "Discrete":
            return (np.asarray(obs, np.float64) - self.start).reshape(n, 1)
        if self.leaves is None:
            return np.asarray(obs, np.float64).reshape(n, self.width)
        rows = np.empty((n, self.width))
        for i in range(n):
            self.one(_index_batched(obs, i), rows[i])
        return rows

    def single(self, obs):
        """One env's observation (e.g. a final observation) as a float64 row."""
        if self.kind == "Discrete":
            return np.asarray([float(obs) - self.start])
        if self.leaves is None:
            return np.asarray(obs, np.float64).ravel()
        row = np.empty(self.width)
        self.one(obs, row)
        return row

    def one(self, obs, row):
        at = 0
        for path, space in self.leaves:
            at = _leaf_write(space, _leaf_value(obs, path), row, at)


def _index_batched(obs, i):
    if isinstance(obs, dict):
        return {k: _index_batched(v, i) for k, v in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_index_batched(v, i) for v in obs)
    return obs[i]


class ActionCodec:
    """Decodes the host's float64 action rows into what the vector env's step takes."""

    def __init__(self, space):
        k = _kind(space)
        self.kind = k
        if k == "Discrete":
            self.start = int(space.start)
            self.desc = {"type": "discrete", "n": int(space.n)}
            self.width = 1
        elif k == "Box":
            self.shape = tuple(space.shape)
            self.low = np.asarray(space.low)
            self.high = np.asarray(space.high)
            self.dtype = space.dtype
            self.width = int(np.prod(self.shape))
            self.desc = {"type": "box", "shape": [self.width], "low": _finite_list(self.low), "high": _finite_list(self.high)}
        elif k in ("MultiDiscrete", "MultiBinary"):
            if k == "MultiDiscrete":
                self.nvec = np.asarray(space.nvec).ravel()
                self.start = np.asarray(space.start).ravel()
            else:
                self.nvec = np.full(int(np.prod(space.shape)), 2)
                self.start = np.zeros(len(self.nvec), dtype=np.int64)
            self.shape = tuple(space.shape)
            total = int(np.prod(self.nvec))
            if total > MAX_JOINT_ACTIONS:
                raise BridgeError("%s action space %s has %d joint actions; at most %d are supported" % (k, space, total, MAX_JOINT_ACTIONS))
            self.width = 1
            self.desc = {"type": "discrete", "n": total, "joint": [int(x) for x in self.nvec]}
        else:
            raise BridgeError("action space %s is not supported (Discrete, Box, MultiDiscrete, MultiBinary)" % k)

    def decode(self, flat, n):
        if self.kind == "Discrete":
            return flat.astype(np.int64) + self.start
        if self.kind == "Box":
            a = flat.reshape((n,) + self.shape)
            return np.clip(a, self.low, self.high).astype(self.dtype)
        idx = flat.astype(np.int64)
        out = np.empty((n, len(self.nvec)), dtype=np.int64)
        for j in range(len(self.nvec) - 1, -1, -1):
            out[:, j] = idx % self.nvec[j] + self.start[j]
            idx = idx // self.nvec[j]
        return out.reshape((n,) + self.shape).astype(np.int8 if self.kind == "MultiBinary" else np.int64)


# ---------------------------------------------------------------------------------------------------
# Info


def _flatten_info(d, prefix, n, out, skipped):
    for key, value in d.items():
        if not isinstance(key, str) or key.startswith("_") or (not prefix and key in ("final_obs", "final_info")):
            continue
        name = prefix + key
        if isinstance(value, dict):
            _flatten_info(value, name + ".", n, out, skipped)
            continue
        arr = np.asarray(value)
        if arr.shape != (n,) or arr.dtype.kind not in "biuf":
            skipped.add(name)
            continue
        mask = d.get("_" + key)
        present = np.ones(n, bool) if mask is None else np.asarray(mask, bool)
        out[name] = (arr.astype(np.float64), present, arr.dtype.kind == "b")


def _env_info(d, prefix, out, skipped):
    """One env's info dict: its scalar numbers and booleans by dotted name -> (value, is_bool)."""
    for key, value in d.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        name = prefix + key
        if isinstance(value, dict):
            _env_info(value, name + ".", out, skipped)
        elif isinstance(value, (bool, np.bool_)):
            out[name] = (float(value), True)
        elif isinstance(value, (int, float, np.integer, np.floating)):
            out[name] = (float(value), False)
        elif isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "biuf":
            out[name] = (float(value), value.dtype.kind == "b")
        else:
            skipped.add(name)


def _env_columns(n, per_env, is_reset, skipped):
    """Columns (name, values, present, is_bool, is_reset) from a list of per-env info dicts (None: absent)."""
    cols = {}
    for i, info in enumerate(per_env):
        if not info:
            continue
        values = {}
        _env_info(info, "", values, skipped)
        for name, (v, b) in values.items():
            col = cols.get(name)
            if col is None:
                col = cols[name] = [np.zeros(n), np.zeros(n, bool), True]
            col[0][i] = v
            col[1][i] = True
            col[2] = col[2] and b
    return [(name, v, p, b, is_reset) for name, (v, p, b) in cols.items()]


class InfoCodec:
    def __init__(self, warn):
        self.ids = {}
        self.skipped_warned = set()
        self.warn = warn

    def encode(self, n, columns):
        """columns: list of (name, values, present, is_bool, is_reset)."""
        new = [name for name, *_ in columns if name not in self.ids]
        parts = [struct.pack("<I", len(new))]
        for name in new:
            self.ids[name] = len(self.ids)
            b = name.encode("utf-8")
            parts.append(struct.pack("<H", len(b)) + b)
        parts.append(struct.pack("<I", len(columns)))
        for name, values, present, is_bool, is_reset in columns:
            parts.append(struct.pack("<IB", self.ids[name], (1 if is_reset else 0) | (2 if is_bool else 0)))
            parts.append(np.ascontiguousarray(present, np.uint8).tobytes())
            parts.append(np.ascontiguousarray(values, "<f8").tobytes())
        return b"".join(parts)

    def note_skipped(self, skipped):
        fresh = sorted(skipped - self.skipped_warned)
        if fresh:
            self.skipped_warned.update(fresh)
            self.warn("info entries not sent (not one number per env): " + ", ".join(fresh))


# ---------------------------------------------------------------------------------------------------
# The vector env


def _import_attr(dotted):
    module, _, name = dotted.replace(":", ".").rpartition(".")
    if not module:
        raise BridgeError('wrapper "%s" must be "module.Class"' % dotted)
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise BridgeError('cannot import wrapper "%s": %s' % (dotted, e))


def _json_safe(x):
    try:
        return json.loads(json.dumps(x, default=str))
    except (TypeError, ValueError):
        return str(x)


def _suggest(gym, env_id):
    ids = list(gym.registry.keys())
    close = difflib.get_close_matches(env_id, ids, n=5, cutoff=0.6)
    if not close:
        low = env_id.lower()
        close = [i for i in ids if low.split("-")[0] in i.lower()][:5]
    return ("; close registered ids: " + ", ".join(close)) if close else ""


def make_gymnasium_vec(init, warnings):
    try:
        import gymnasium as gym
    except ImportError as e:
        raise BridgeError(
            "gymnasium is not installed for %s (%s); run `creditlab env setup-python`, or install gymnasium>=1.1 "
            "there, or point env.python / CREDITLAB_PYTHON at an interpreter that has it" % (sys.executable, e))
    version = tuple(int(p) for p in gym.__version__.split(".")[:2] if p.isdigit())
    if version < (1, 1):
        raise BridgeError("gymnasium %s at %s is too old: the bridge needs >= 1.1 (same-step autoreset)" % (gym.__version__, sys.executable))
    env_id = init["id"]
    try:
        spec = gym.spec(env_id)
    except gym.error.Error as e:
        raise BridgeError('unknown Gymnasium id "%s" (%s)%s' % (env_id, e, _suggest(gym, env_id)))
    wrappers = []
    for w in init.get("wrappers") or []:
        cls = _import_attr(w["name"])
        kwargs = w.get("kwargs") or {}
        wrappers.append(lambda env, cls=cls, kwargs=kwargs: cls(env, **kwargs))
    vec = gym.make_vec(
        env_id,
        num_envs=init["num"],
        vectorization_mode=init.get("vector") or "sync",
        # copy=False: observations are encoded before the next step overwrites the vector env's buffer.
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP, "copy": False},
        wrappers=wrappers or None,
        **(init.get("params") or {}),
    )
    meta = {
        "gymnasium": gym.__version__,
        "spec": _json_safe({
            "id": spec.id, "entry_point": spec.entry_point if isinstance(spec.entry_point, str) else repr(spec.entry_point),
            "version": spec.version, "max_episode_steps": spec.max_episode_steps, "reward_threshold": spec.reward_threshold,
            "kwargs": spec.kwargs,
        }),
        "maxEpisodeSteps": spec.max_episode_steps,
    }
    if type(vec) is gym.vector.SyncVectorEnv and vec.autoreset_mode == gym.vector.AutoresetMode.SAME_STEP:
        meta["sync"] = True
    for mod in ("mujoco", "ale_py", "minigrid"):
        m = sys.modules.get(mod)
        if m is not None and getattr(m, "__version__", None):
            meta[mod] = m.__version__
    return vec, meta


def make_factory_vec(init):
    if init.get("path"):
        sys.path.insert(0, init["path"])
    factory = _import_attr(init["factory"])
    return factory(num_envs=init["num"], **(init.get("params") or {})), {}


class Bridge:
    def __init__(self, out):
        self.out = out
        self.vec = None
        self.warnings = []

    def send(self, payload):
        self.write(struct.pack("<I", len(payload)) + payload)

    def write(self, data):
        # One write call per frame: the host reads whole frames, and a frame under the pipe's atomic size
        # arrives in one piece.
        n = os.write(self.out, data)
        if n < len(data):
            view = memoryview(data)[n:]
            while view:
                view = view[os.write(self.out, view):]

    def send_json(self, kind, obj):
        self.send(kind + json.dumps(obj).encode("utf-8"))

    def init(self, init):
        if init.get("factory"):
            vec, meta = make_factory_vec(init)
        else:
            vec, meta = make_gymnasium_vec(init, self.warnings)
        self.vec = vec
        self.n = int(init["num"])
        # Gymnasium's SyncVectorEnv in SAME_STEP mode is stepped copy by copy here (see step_copies); any
        # other vector env (async, a factory's) through its own step.
        self.copies = vec.envs if meta.get("sync") else None
        self.obs_codec = ObsCodec(vec.single_observation_space)
        self.act_codec = ActionCodec(vec.single_action_space)
        self.warnings.extend(self.obs_codec.warnings)
        self.info_codec = InfoCodec(lambda m: print("warning: " + m, file=sys.stderr, flush=True))
        hello = {
            "protocol": PROTOCOL,
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "numpy": np.__version__,
            "observationSpace": self.obs_codec.desc,
            "actionSpace": self.act_codec.desc,
            "warnings": self.take_warnings(),
            "pid": os.getpid(),
            "stepping": "copies" if self.copies is not None else "vector",
        }
        hello.update({k: v for k, v in meta.items() if k != "sync"})
        self.send_json(b"H", hello)

    def take_warnings(self):
        w, self.warnings = self.warnings, []
        return w

    def frame(self, obs, reward, terminated, truncated, final_rows, columns):
        n, d = self.n, self.obs_codec.width
        parts = [b"", b"O", struct.pack("<II", n, d), np.ascontiguousarray(obs, "<f8").tobytes(),
                 np.ascontiguousarray(reward, "<f8").tobytes(), np.ascontiguousarray(terminated, np.uint8).tobytes(),
                 np.ascontiguousarray(truncated, np.uint8).tobytes(), struct.pack("<I", len(final_rows))]
        for i, row in final_rows:
            parts.append(struct.pack("<I", i))
            parts.append(np.ascontiguousarray(row, "<f8").tobytes())
        parts.append(self.info_codec.encode(n, columns) if columns else NO_INFO)
        # The length prefix goes in the same buffer, so the frame leaves in one write call.
        parts[0] = struct.pack("<I", sum(len(p) for p in parts))
        self.write(b"".join(parts))

    def reset(self, req):
        seeds = req.get("seeds")
        obs, infos = self.vec.reset(seed=seeds)
        n = self.n
        cols, skipped = {}, set()
        _flatten_info(infos, "", n, cols, skipped)
        self.info_codec.note_skipped(skipped)
        # A reset frame's info is the reset's own: sent as plain (not "reset info of a new episode") columns.
        columns = [(k, v, p, b, False) for k, (v, p, b) in cols.items()]
        self.frame(self.obs_codec.batch(obs, n), np.zeros(n), np.zeros(n, np.uint8), np.zeros(n, np.uint8), [], columns)

    def step(self, payload):
        n = self.n
        flat = np.frombuffer(payload, dtype="<f8", offset=8)  # 7 pad bytes keep the floats aligned on the host
        actions = self.act_codec.decode(flat, n)
        if self.copies is not None:
            return self.step_copies(actions)
        obs, reward, terminated, truncated, infos = self.vec.step(actions)
        terminated = np.asarray(terminated, bool)
        truncated = np.asarray(truncated, bool)
        done = terminated | truncated
        final_rows = []
        step_cols, skipped = {}, set()
        if infos:
            _flatten_info(infos, "", n, step_cols, skipped)
        columns = []
        if done.any():
            final_obs = infos.get("final_obs")
            for i in np.flatnonzero(done):
                final_rows.append((int(i), self.obs_codec.single(final_obs[i])))
            final_cols = {}
            _flatten_info(infos.get("final_info") or {}, "", n, final_cols, skipped)
            # For an env that just ended, the top-level info is its reset's; its step info is in final_info.
            for k, (v, p, b) in step_cols.items():
                columns.append((k, v, p & done, b, True))
            names = set(step_cols) | set(final_cols)
            zeros = np.zeros(n)
            absent = np.zeros(n, bool)
            for k in sorted(names):
                sv, sp, sb = step_cols.get(k, (zeros, absent, False))
                fv, fp, fb = final_cols.get(k, (zeros, absent, sb))
                columns.append((k, np.where(done, fv, sv), np.where(done, fp, sp & ~done), sb or fb, False))
        else:
            columns = [(k, v, p, b, False) for k, (v, p, b) in step_cols.items()]
        if skipped:
            self.info_codec.note_skipped(skipped)
        self.frame(self.obs_codec.batch(obs, n), np.asarray(reward, np.float64), terminated, truncated, final_rows, columns)


    def step_copies(self, actions):
        """SyncVectorEnv.step in SAME_STEP mode, the same calls in the same order (step each copy; one that
        ended is reset at once), without batching each copy's info into masked arrays only to take them
        apart again: that batching costs about as much as the copies' own steps for small envs."""
        n = self.n
        rows = np.empty((n, self.obs_codec.width))
        reward = np.empty(n)
        terminated = np.zeros(n, np.uint8)
        truncated = np.zeros(n, np.uint8)
        final_rows = []
        infos = [None] * n
        reset_infos = [None] * n
        for i, env in enumerate(self.copies):
            obs, r, term, trunc, info = env.step(actions[i])
            reward[i] = r
            terminated[i] = term
            truncated[i] = trunc
            infos[i] = info
            if term or trunc:
                final_rows.append((i, self.obs_codec.single(obs)))
                obs, reset_infos[i] = env.reset()
            rows[i] = self.obs_codec.single(obs)
        columns = []
        if any(infos) or final_rows:
            skipped = set()
            columns = _env_columns(n, reset_infos, True, skipped) + _env_columns(n, infos, False, skipped)
            if skipped:
                self.info_codec.note_skipped(skipped)
        self.frame(rows, reward, terminated, truncated, final_rows, columns)


class Requests:
    """Length-prefixed requests from a file descriptor (a pipe or FIFO), one read call per request."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""

    def next(self):
        """The next request's payload, or None at end of input."""
        while True:
            if len(self.buf) >= 4:
                (length,) = struct.unpack_from("<I", self.buf)
                if len(self.buf) >= 4 + length:
                    payload = self.buf[4:4 + length]
                    self.buf = self.buf[4 + length:]
                    return payload
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.buf = self.buf + chunk if self.buf else chunk


def main():
    ppid = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(ppid,), daemon=True).start()
    lifeline = os.environ.get("CREDITLAB_LIFELINE_FD")
    if lifeline:
        threading.Thread(target=_exit_when_lifeline_closes, args=(int(lifeline),), daemon=True).start()
    # The protocol owns fds 0 and 1; anything an env prints goes to stderr (the run's log) instead.
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = Requests(0)
    bridge = Bridge(out)
    while True:
        payload = requests.next()
        if payload is None:
            return
        kind = payload[:1]
        try:
            if kind == b"A":
                bridge.step(payload)
            elif kind == b"R":
                bridge.reset(json.loads(payload[1:].decode("utf-8")))
            elif kind == b"I":
                bridge.init(json.loads(payload[1:].decode("utf-8")))
            elif kind == b"Q":
                if bridge.vec is not None:
                    bridge.vec.close()
                return
            else:
                raise BridgeError("unknown request %r" % kind)
        except BridgeError as e:
            bridge.send_json(b"E", {"message": str(e), "traceback": None})
        except Exception as e:  # noqa: BLE001 - every env failure goes back to its run
            bridge.send_json(b"E", {"message": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()})


if __name__ == "__main__":
    main()
