"""Fixture for Audio's PitchDetector: librosa.yin's per-frame f0 on tones the Swift test re-synthesizes.

Run: python3 scripts/reference/yin_fixtures.py  (librosa 0.11) -> Tests/Fixtures/yin/yin.json
Frames are uncentered (center=False), so frame f starts at f * hop_length, as PitchDetector.track's frames do.
"""
import json
import os

import librosa
import numpy as np

RATE, FRAME, HOP, FMIN, FMAX, THRESHOLD = 16000, 2048, 512, 50.0, 4000.0, 0.15
cases = []
for hz, harmonics in [(110, 1), (220, 1), (440, 1), (880, 1), (1500, 1), (3000, 1), (150, 5), (600, 3)]:
    t = np.arange(RATE) / RATE
    y = sum(0.5 / k * np.sin(2 * np.pi * hz * k * t) for k in range(1, harmonics + 1)).astype(np.float32)
    f0 = librosa.yin(y, fmin=FMIN, fmax=FMAX, sr=RATE, frame_length=FRAME, hop_length=HOP,
                     trough_threshold=THRESHOLD, center=False)
    cases.append({"hz": hz, "harmonics": harmonics, "f0": [float(v) for v in f0]})
out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "yin", "yin.json")
with open(out, "w") as f:
    json.dump({"librosa": librosa.__version__, "sample_rate": RATE, "frame_length": FRAME, "hop_length": HOP,
               "fmin": FMIN, "fmax": FMAX, "trough_threshold": THRESHOLD, "cases": cases}, f, indent=1)
print("wrote", out)
