#!/usr/bin/env python3
"""PESQ parity fixtures: espeak-ng speech, degraded copies, and the `pesq` package's scores.

Writes Tests/Fixtures/pesq/: 16-bit FLAC clips (`<name>.flac`: each reference, and its low-pass
filtered copy) and `pesq.json`, the cases. A case names its reference clip, the stored clip its
degraded signal starts from (`source`) and a list of exact integer operations on the int16 samples
(`ops`, applied in order):

  ["delay", k]           k zeros in front, the last k samples dropped (same length)
  ["gap", i, k]          k zeros inserted before sample i (the delay jumps inside the clip)
  ["clip", c]            samples clamped to [-c, c]
  ["shift", s]           arithmetic right shift by s bits (a 6.02 s dB gain drop)
  ["noise", seed, a]     uniform integers in [-a, a] from SplitMix64(seed) added, clamped to int16

Noise and the other sample-exact edits are stored as operations because noisy audio does not
compress: the folder stays near 250 KB. The expected scores come from pesq.pesq (0.0.4, the ITU-T
reference C code) on exactly the float32 samples the Swift tests build (int16 / 32768).

Needs: espeak-ng, sox (FLAC), numpy, scipy, pesq==0.0.4.
Run from the repository root: python3 scripts/reference/pesq_fixtures.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import pesq
from scipy import signal
from scipy.io import wavfile

OUT = os.path.join("Tests", "Fixtures", "pesq")
PEAK = 0.35  # stored level: quieter clips compress better, and PESQ aligns levels itself

# name -> (espeak voice, words per minute, text)
SENTENCES = {
    "fox": ("en-us", 190, "The quick brown fox jumps over the dog."),
    "canoe": ("en+f3", 200, "Glue the sheet. Call Stella now."),
    "spoons": ("en-gb-x-rp", 185, "Bring six spoons of fresh snow peas."),
    # One long utterance: split_align's correlations then outgrow their place in the shared scratch
    # buffer and overwrite its window, a quirk of the C code the port must reproduce.
    "bridge": ("en-us", 175, "The birch canoe slid on the smooth planks while the boy watched the sun rise "
                             "over the quiet hills near the old stone bridge"),
}

# (sentence, rate, [(name suffix, stored source, [operations with seconds / SNRs to resolve])]); every
# case is scored in nb, and in wb too at 16 kHz.
PLAN = [
    ("fox", 16000, [
        ("", "ref", []), ("noise20", "ref", [("noise", 20)]), ("noise10", "ref", [("noise", 10)]),
        ("noise0", "ref", [("noise", 0)]), ("lowpass", "lowpass", []), ("delay", "ref", [("delay", 0.13)]),
        ("delay_noise25", "ref", [("delay", 0.13), ("noise", 25)]), ("clip", "ref", [("clip", 0.3)]),
        ("gain", "ref", [("shift", 2)]), ("gap", "ref", [("gap", 0.45, 0.06)]),
        ("gap_noise30", "ref", [("gap", 0.45, 0.06), ("noise", 30)])]),
    ("canoe", 16000, [
        ("", "ref", []), ("noise15", "ref", [("noise", 15)]), ("gap_noise20", "ref", [("gap", 0.5, 0.08), ("noise", 20)]),
        ("lowpass", "lowpass", []), ("lowpass_gain", "lowpass", [("shift", 3)])]),
    ("fox", 8000, [
        ("", "ref", []), ("noise20", "ref", [("noise", 20)]), ("noise5", "ref", [("noise", 5)]),
        ("lowpass", "lowpass", []), ("delay", "ref", [("delay", 0.07)]), ("clip", "ref", [("clip", 0.3)]),
        ("gap", "ref", [("gap", 0.45, 0.06)])]),
    ("spoons", 8000, [
        ("", "ref", []), ("noise10", "ref", [("noise", 10)]), ("gain", "ref", [("shift", 1)]),
        ("gap_noise25", "ref", [("gap", 0.4, 0.05), ("noise", 25)]), ("lowpass_clip", "lowpass", [("clip", 0.5)])]),
    ("bridge", 8000, [
        ("", "ref", []), ("gap", "ref", [("gap", 0.5, 0.1)]), ("gap_noise30", "ref", [("gap", 0.3, 0.05), ("noise", 30)]),
        ("delay_noise10", "ref", [("delay", 0.2), ("noise", 10)])]),
]


def speak(voice, wpm, text):
    """espeak-ng speech as float64 at its native 22050 Hz."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", path, text], check=True)
        rate, x = wavfile.read(path)
    assert rate == 22050, rate
    return x.astype(np.float64) / 32768.0


def to_rate(x, rate):
    """Resampled from 22050 Hz (polyphase, scipy) and peak-normalized to PEAK."""
    g = np.gcd(rate, 22050)
    y = signal.resample_poly(x, rate // g, 22050 // g)
    return y * (PEAK / np.max(np.abs(y)))


def low_pass(x):
    """6th-order Butterworth at 35% of Nyquist (2.8 kHz at 16 kHz)."""
    b, a = signal.butter(6, 0.35)
    return signal.lfilter(b, a, x)


def resolve(op, q, rate, seed):
    """An operation with seconds, fractions and SNRs turned into the integers stored in the JSON."""
    if op[0] == "delay":
        return ["delay", int(round(op[1] * rate))]
    if op[0] == "gap":
        return ["gap", int(op[1] * len(q)), int(round(op[2] * rate))]
    if op[0] == "clip":
        return ["clip", int(op[1] * np.max(np.abs(q)))]
    if op[0] == "shift":
        return ["shift", op[1]]
    if op[0] == "noise":  # uniform noise on [-a, a] has power a(a+1)/3
        power = np.mean(q.astype(np.float64) ** 2)
        return ["noise", seed, max(1, int(round(np.sqrt(3 * power / 10 ** (op[1] / 10)))))]
    raise ValueError(op)


def apply(op, q):
    """One integer operation on int64 samples (mirrored in Tests/MetricsTests/PESQTests.swift)."""
    if op[0] == "delay":
        return np.concatenate([np.zeros(op[1], dtype=np.int64), q[:len(q) - op[1]]])
    if op[0] == "gap":
        return np.concatenate([q[:op[1]], np.zeros(op[2], dtype=np.int64), q[op[1]:]])
    if op[0] == "clip":
        return np.clip(q, -op[1], op[1])
    if op[0] == "shift":
        return q >> op[1]
    if op[0] == "noise":
        return np.clip(q + splitmix64_noise(op[1], op[2], len(q)), -32768, 32767)
    raise ValueError(op)


def splitmix64_noise(seed, amplitude, n):
    """Uniform integers in [-amplitude, amplitude] from SplitMix64 (the Swift tests use the same)."""
    mask = (1 << 64) - 1
    state, out = seed & mask, np.empty(n, dtype=np.int64)
    for i in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out[i] = z % (2 * amplitude + 1) - amplitude
    return out


def store(name, x, rate):
    """Writes int16 FLAC (via sox) and returns the int16 samples stored."""
    q = np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)
    with tempfile.TemporaryDirectory() as d:
        wav = os.path.join(d, "x.wav")
        wavfile.write(wav, rate, q)
        subprocess.run(["sox", wav, "-C", "8", os.path.join(OUT, name + ".flac")], check=True)
    return q


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".flac"):
            os.remove(os.path.join(OUT, f))
    cases, seed = [], 1
    for sentence, rate, plan in PLAN:
        speech = to_rate(speak(*SENTENCES[sentence]), rate)
        ref_name = f"{sentence}_{rate // 1000}k"
        stored = {"ref": (ref_name, store(ref_name, speech, rate))}
        if any(source == "lowpass" for _, source, _ in plan):
            stored["lowpass"] = (ref_name + "_lowpass", store(ref_name + "_lowpass", low_pass(speech), rate))
        ref = stored["ref"][1].astype(np.float32) / np.float32(32768)
        for suffix, source, ops in plan:
            source_name, q = stored[source]
            deg, resolved = q.astype(np.int64), []
            for op in ops:
                resolved.append(resolve(op, deg, rate, seed))
                seed += op[0] == "noise"
                deg = apply(resolved[-1], deg)
            d = deg.astype(np.float32) / np.float32(32768)
            name = f"{ref_name}_{suffix}" if suffix else ref_name
            for mode in ["nb", "wb"] if rate == 16000 else ["nb"]:
                score = float(pesq.pesq(rate, ref, d, mode))
                cases.append({"name": name, "reference": ref_name, "source": source_name, "ops": resolved,
                              "rate": rate, "mode": mode, "score": score})
                print(f"{name:24s} {mode} {score:.6f}")
    with open(os.path.join(OUT, "pesq.json"), "w") as f:
        json.dump({"generator": "scripts/reference/pesq_fixtures.py", "pesq_version": "0.0.4",
                   "numpy_version": np.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(cases)} cases, {total // 1024} KiB in {OUT}")


if __name__ == "__main__":
    main()
