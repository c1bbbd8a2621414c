"""Reference for bench import-tb: TensorBoard's own EventAccumulator reads every run folder under LOGDIR
and pulls every scalar (steps, wall times, values) into Python lists, as tbparse and most scripts do.
Prints one JSON line: seconds, runs, points, tensorboard version."""
import json
import os
import sys
import time

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
import tensorboard


def main(logdir):
    t0 = time.perf_counter()
    runs = points = 0
    for root, _dirs, files in sorted(os.walk(logdir)):
        if not any(f.startswith("events.out.tfevents.") for f in files):
            continue
        acc = EventAccumulator(root, size_guidance={"scalars": 0, "tensors": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            ev = acc.Scalars(tag)
            steps = [e.step for e in ev]
            values = [e.value for e in ev]
            points += len(steps) + 0 * len(values)
        runs += 1
    print(json.dumps({"seconds": time.perf_counter() - t0, "runs": runs, "points": points, "tensorboard": tensorboard.__version__}))


if __name__ == "__main__":
    main(sys.argv[1])
