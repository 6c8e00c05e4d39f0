"""Signal power over time per subject: a Reprise command stage (docs/command-stages.md).

Reads the cleaned epochs from REPRISE_INPUTS/epochs (one folder per subject, X.npy of shape
trials x channels x times), averages the squared signal over trials and channels, smooths it,
and writes <subject>-power.npy and <subject>-power.csv into REPRISE_OUTPUTS.
"""
import json
import os
import sys

import numpy as np

from powerlib.smooth import moving_average

params = json.load(open(os.environ["REPRISE_PARAMS"]))
slice_index = int(os.environ["REPRISE_SLICE"])
slices = int(os.environ["REPRISE_SLICES"])
epochs = os.path.join(os.environ["REPRISE_INPUTS"], "epochs")
out = os.environ["REPRISE_OUTPUTS"]

info = json.load(open(os.path.join(epochs, "info.json")))
subjects = sorted(d for d in os.listdir(epochs) if os.path.isdir(os.path.join(epochs, d)))
if not subjects:
    print("no subject folders in " + epochs, file=sys.stderr)
    sys.exit(2)  # invalid input: Reprise does not retry

for subject in subjects[slice_index::slices]:
    X = np.load(os.path.join(epochs, subject, "X.npy"))
    power = moving_average((X.astype(np.float64) ** 2).mean(axis=(0, 1)), params["smooth"])
    np.save(os.path.join(out, subject + "-power.npy"), power)
    times = info["tmin"] + np.arange(power.size) / info["sfreq"]
    np.savetxt(os.path.join(out, subject + "-power.csv"), np.column_stack([times, power]),
               delimiter=",", header="time,power", comments="")
    print(f"{subject}: {X.shape[0]} trials, peak power at {times[power.argmax()]:.3f} s")
