#!/usr/bin/env python3
"""Golden value for Tests/AudioTests/GriffinLimTests.testFirstIterationMatchesNumpyTranscription.

A float64 numpy transcription of librosa.griffinlim(init=None, momentum=0.99) on the STFT that
torch.stft(center=True, pad_mode="reflect") computes (periodic hann, n_fft 1024, hop 160), run on
0.4 sin(440 Hz) + 0.2 sin(1500 Hz), 0.5 s at 16 kHz (rounded to float32 first, as the test makes it).
Prints the spectral convergence ||S - |STFT(y)| ||_F / ||S||_F after 1, 8 and 32 iterations; after
one iteration it does not yet depend on float precision (0.8072988), later ones drift with rounding.
Needs only numpy.
"""
import numpy as np

N_FFT, HOP = 1024, 160
WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)


def stft(x):
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    frames = 1 + len(x) // HOP
    return np.fft.rfft(np.stack([padded[f * HOP:f * HOP + N_FFT] * WINDOW for f in range(frames)]), axis=1)


def istft(spec, length):
    frames = spec.shape[0]
    rows = np.fft.irfft(spec, n=N_FFT, axis=1) * WINDOW
    full = N_FFT + HOP * (frames - 1)
    y, env = np.zeros(full), np.zeros(full)
    for f in range(frames):
        y[f * HOP:f * HOP + N_FFT] += rows[f]
        env[f * HOP:f * HOP + N_FFT] += WINDOW ** 2
    start = N_FFT // 2
    y, env = y[start:start + length], env[start:start + length]
    return y / np.where(env > 1e-11, env, 1)


def griffinlim(mag, length, iterations, momentum=0.99):
    angles = np.ones_like(mag, dtype=complex)
    previous = np.zeros_like(angles)
    for _ in range(iterations):
        rebuilt = stft(istft(mag * angles, length))
        angles = rebuilt - momentum / (1 + momentum) * previous
        angles /= np.abs(angles) + 1e-30
        previous = rebuilt
    return istft(mag * angles, length)


t = np.arange(8000) / 16000
x = (0.4 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1500 * t)).astype(np.float32).astype(np.float64)
S = np.abs(stft(x))
for n in (1, 8, 32):
    y = griffinlim(S, len(x), n)
    print(n, np.linalg.norm(S - np.abs(stft(y))) / np.linalg.norm(S))
