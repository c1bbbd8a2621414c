"""Writes the TensorBoard fixtures of the importer tests with tensorboardX, and what numpy says of them.

    python3 -m venv V && V/bin/pip install tensorboardX numpy
    V/bin/python workspaces/importers/scripts/make_tb_fixtures.py

Layout (two arms x five seeds, unevenly spaced steps, one truncated file):
    tb/<arm>/seed_<k>/events.out.tfevents.*   charts/episodic_return as summary v1 (simple_value),
                                              losses/value_loss as summary v2 (a rank-0 float tensor)
    tb/broken/run_0/events.out.tfevents.*     cut inside a record: must be reported and not be a run
expected.json holds, per arm and metric, each seed's last value and rliable's IQM of them
(scipy.stats.trim_mean(x, 0.25): drop floor(n/4) from each end, average the rest), computed with numpy.
"""
import glob
import json
import os
import shutil

import numpy as np
import tensorboardX
from tensorboardX import SummaryWriter
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto
from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures")
TB = os.path.join(OUT, "tb")
ARMS = {"ppo": 0.0, "ppo-clip": 40.0}


def iqm(x):
    x = np.sort(np.asarray(x, dtype=np.float64))
    k = int(np.floor(0.25 * len(x)))
    return float(np.mean(x[k : len(x) - k]))


def add_v2_scalar(writer, tag, value, step, walltime, first):
    """A summary v2 scalar as TensorFlow 2 writes it: a rank-0 float tensor, the scalars plugin named
    only with the tag's first value (tensorboardX's add_scalar writes v1 simple_value only)."""
    v = Summary.Value(tag=tag, tensor=TensorProto(dtype=1, tensor_shape=TensorShapeProto(), float_val=[value]))
    if first:
        v.metadata.CopyFrom(SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars")))
    writer._get_file_writer().add_summary(Summary(value=[v]), step, walltime)


def main():
    shutil.rmtree(TB, ignore_errors=True)
    rng = np.random.default_rng(20261202)
    expected = {"tensorboardX": tensorboardX.__version__, "numpy": np.__version__, "arms": {}}
    wall0 = 1.7e9
    for arm, lift in ARMS.items():
        last = {"charts/episodic_return": [], "losses/value_loss": []}
        for seed in range(5):
            w = SummaryWriter(logdir=os.path.join(TB, arm, f"seed_{seed}"), flush_secs=3600)
            step = 0
            n = int(rng.integers(30, 60))
            for i in range(n):
                step += int(rng.integers(1, 400))
                ret = float(np.float32(lift + 10 * np.log1p(step) + rng.normal(0, 5)))
                loss = float(np.float32(1.0 / (1 + i) + rng.normal(0, 0.01)))
                w.add_scalar("charts/episodic_return", ret, step, walltime=wall0 + step / 100)
                if i % 3 == 0 or i == n - 1:
                    add_v2_scalar(w, "losses/value_loss", loss, step, wall0 + step / 100, first=(i == 0))
            w.close()
            last["charts/episodic_return"].append(ret)
            last["losses/value_loss"].append(loss)
        expected["arms"][arm] = {m: {"last": v, "iqm": iqm(v)} for m, v in last.items()}
    bw = SummaryWriter(logdir=os.path.join(TB, "broken", "run_0"), flush_secs=3600)
    for i in range(20):
        bw.add_scalar("charts/episodic_return", float(i), i * 10, walltime=wall0 + i)
    bw.close()
    (f,) = glob.glob(os.path.join(TB, "broken", "run_0", "events.out.tfevents.*"))
    size = os.path.getsize(f)
    with open(f, "r+b") as fh:
        fh.truncate(size - 7)
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1)


if __name__ == "__main__":
    main()
