#!/usr/bin/env python3
"""Reference values for Tests/MetricsTests (Tests/Fixtures/metrics/).

Writes, from fixed seeds:
  metrics.safetensors + metrics.json: embedding sets and their FAD (scipy.linalg.sqrtm, as the
      frechet-audio-distance package computes it), classifier outputs with KL (softmax and
      per-class Bernoulli) and Inception Score, paired clips with LSD and MCD (numpy).
  vggish.safetensors, cnn14.safetensors (with --models, needs torch): random-weight VGGish
      (torchvggish layout) and PANNs CNN14 with their published state-dict keys, an input and
      the outputs.
Run: python3 scripts/reference/metrics_fixtures.py [--models]
"""
import json
import math
import os
import sys

import numpy as np
import scipy.linalg
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "metrics")


# ---------- FAD ----------

def stats(x):
    x = x.astype(np.float64)
    return x.mean(axis=0), np.cov(x, rowvar=False)


def fad_scipy(a, b, eps=1e-6):
    """frechet_audio_distance.FrechetAudioDistance.calculate_frechet_distance."""
    mu1, s1 = stats(a)
    mu2, s2 = stats(b)
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def fad_eigh(a, b):
    """The symmetric form, exact for singular covariances."""
    mu1, s1 = stats(a)
    mu2, s2 = stats(b)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = r1 @ s2 @ r1
    m = (m + m.T) / 2
    wm = np.linalg.eigvalsh(m)
    tr = np.sqrt(wm[wm > wm.max() * 1e-12]).sum()
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * tr)


# ---------- classifier scores ----------

EPS = 1e-6  # audioldm_eval adds this to the generated probabilities before the log


def kl_softmax(p_ref, p_gen):
    t = np.where(p_ref > 0, p_ref * (np.log(np.where(p_ref > 0, p_ref, 1)) - np.log(p_gen + EPS)), 0)
    return float(t.sum(axis=1).mean())


def kl_bernoulli(p_ref, p_gen):
    def xlogy(x, y):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1)), 0)
    q = np.clip(p_gen, EPS, 1 - EPS)
    t = xlogy(p_ref, p_ref) - xlogy(p_ref, q) + xlogy(1 - p_ref, 1 - p_ref) - xlogy(1 - p_ref, 1 - q)
    return float(t.sum(axis=1).mean())


def inception_score(p, splits):
    """torch-fidelity's isc: per split exp(mean KL(p(y|x) || p(y))); mean and std (ddof 1) over splits."""
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        kl = np.where(part > 0, part * (np.log(np.where(part > 0, part, 1)) - np.log(py)), 0).sum(axis=1)
        scores.append(math.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores, ddof=1)) if splits > 1 else 0.0


# ---------- spectral distances ----------

def stft_power(x, n_fft, hop):
    """torch.stft(center=True, pad_mode='reflect', periodic hann) |X|^2, frames x bins."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    xp = np.pad(x.astype(np.float64), n_fft // 2, mode="reflect")
    frames = 1 + len(x) // hop
    f = np.stack([xp[i * hop:i * hop + n_fft] * w for i in range(frames)])
    return np.abs(np.fft.rfft(f, axis=1)) ** 2


def lsd(x, y, n_fft=2048, hop=512, floor=1e-10):
    n = min(len(x), len(y))
    px = np.maximum(stft_power(x[:n], n_fft, hop), floor)
    py = np.maximum(stft_power(y[:n], n_fft, hop), floor)
    return float(np.mean(np.sqrt(np.mean((np.log10(px) - np.log10(py)) ** 2, axis=1))))


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    fsp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / fsp, math.log(6.4) / 27
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-12) / min_log_hz) / logstep, f / fsp)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    fsp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / fsp, math.log(6.4) / 27
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), fsp * m)


def mel_filters(sr, n_fft, n_mels, fmin, fmax):
    """librosa.filters.mel(htk=False, norm='slaney')."""
    fft = np.arange(n_fft // 2 + 1) * sr / n_fft
    pts = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    w = np.zeros((n_mels, len(fft)))
    for m in range(n_mels):
        lo, c, hi = pts[m], pts[m + 1], pts[m + 2]
        w[m] = np.maximum(0, np.minimum((fft - lo) / (c - lo), (hi - fft) / (hi - c))) * 2 / (hi - lo)
    return w


def mcd(x, y, sr, n_fft=1024, hop=256, n_mels=80, k=13):
    n = min(len(x), len(y))
    fb = mel_filters(sr, n_fft, n_mels, 0, sr / 2)

    def cep(s):
        mel = np.sqrt(stft_power(s[:n], n_fft, hop)) @ fb.T
        lm = np.log(np.maximum(mel, 1e-5))
        return scipy.fft.dct(lm, type=2, norm="ortho", axis=1)[:, 1:k + 1]
    d = cep(x) - cep(y)
    return float(np.mean(10 / math.log(10) * np.sqrt(2 * np.sum(d ** 2, axis=1))))


def main_metrics():
    rng = np.random.default_rng(11)
    d = 16
    mix = rng.normal(size=(d, d)) / 4
    a = (rng.normal(size=(200, d)) @ mix + 0.5).astype(np.float32)
    b = (rng.normal(size=(150, d)) @ (mix + rng.normal(size=(d, d)) / 10) + 0.3).astype(np.float32)
    c = (rng.normal(size=(12, d)) + 0.4).astype(np.float32)  # 12 < 16: singular covariance

    logits_ref = rng.normal(size=(8, 10)) * 2
    logits_gen = logits_ref + rng.normal(size=(8, 10))
    softmax = lambda z: np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))
    p_ref = softmax(logits_ref).astype(np.float32)
    p_gen = softmax(logits_gen).astype(np.float32)
    s_ref = sigmoid(logits_ref).astype(np.float32)
    s_gen = sigmoid(logits_gen).astype(np.float32)
    f64 = lambda t: t.astype(np.float64)

    sr = 16000
    t = np.arange(sr) / sr
    clip_ref = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.normal(size=sr)).astype(np.float32)
    clip_gen = (0.25 * np.sin(2 * np.pi * 445 * t) + 0.08 * rng.normal(size=sr)).astype(np.float32)

    tensors = {"fad_a": a, "fad_b": b, "fad_c": c, "probs_ref": p_ref, "probs_gen": p_gen,
               "sigmoid_ref": s_ref, "sigmoid_gen": s_gen, "clip_ref": clip_ref, "clip_gen": clip_gen}
    values = {
        "fad_ab_scipy": fad_scipy(a, b), "fad_ab_eigh": fad_eigh(a, b),
        "fad_ac_eigh": fad_eigh(a, c), "fad_ac_scipy": fad_scipy(a, c),
        "kl_softmax": kl_softmax(f64(p_ref), f64(p_gen)),
        "kl_sigmoid": kl_bernoulli(f64(s_ref), f64(s_gen)),
        "is_1": inception_score(f64(p_gen), 1)[0],
        "is_2_mean": inception_score(f64(p_gen), 2)[0], "is_2_std": inception_score(f64(p_gen), 2)[1],
        "lsd": lsd(clip_ref, clip_gen), "mcd": mcd(clip_ref, clip_gen, sr), "sample_rate": sr,
    }
    save_file(tensors, os.path.join(OUT, "metrics.safetensors"))
    with open(os.path.join(OUT, "metrics.json"), "w") as f:
        json.dump(values, f, indent=1, sort_keys=True)
    print(json.dumps(values, indent=1, sort_keys=True))


# ---------- backbones (random weights from a formula both sides compute exactly) ----------
#
# VGGish and CNN14 hold 72M and 81M parameters: stored, random weights would be ~600 MB. Instead
# every parameter comes from an integer hash of its index (bit-exact in numpy and Swift), so the
# fixture keeps only the state-dict keys and shapes (from the torch modules below), the inputs
# and the outputs. Tests/MetricsTests/BackboneWeights.swift is the Swift twin of `formula_weights`.

def hash_uniform(count, seed):
    """lowbias32 of (index ^ seed * 0x9E3779B9) -> uniform in [-1, 1) on a 2^-23 grid (exact in float32)."""
    x = np.arange(count, dtype=np.uint64).astype(np.uint32) ^ np.uint32((seed * 0x9E3779B9) & 0xFFFFFFFF)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return ((x >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -23) - np.float32(1)).astype(np.float32)


def formula_weights(state):
    """A value for every float tensor of a state dict, by key (seed = position in sorted keys)."""
    out = {}
    for seed, key in enumerate(sorted(state)):
        t = state[key]
        if not t.is_floating_point():
            out[key] = t.clone()
            continue
        u = hash_uniform(t.numel(), seed).reshape(tuple(t.shape))
        if key.endswith("running_var"):
            v = np.float32(1) + np.float32(0.5) * u
        elif key.endswith("running_mean") or key.endswith("bias"):
            v = np.float32(0.1) * u
        elif t.dim() == 1:  # batch-norm scale
            v = np.float32(1) + np.float32(0.2) * u
        else:  # conv / linear weight: He-uniform variance 2 / fan_in keeps ReLU activations in scale
            fan_in = int(np.prod(t.shape[1:]))
            v = u * np.float32(math.sqrt(6.0 / fan_in))
            if key.startswith("fc_audioset"):  # small logits, so the sigmoid outputs are not saturated
                v = v * np.float32(0.05)
        out[key] = __import__("torch").from_numpy(np.ascontiguousarray(v, dtype=np.float32))
    return out


def vggish_frontend(x, sr=16000):
    """torchvggish vggish_input.waveform_to_examples / mel_features, for a 16 kHz waveform."""
    win, hop, fft = 400, 160, 512
    frames = 1 + (len(x) - win) // hop
    f = np.stack([x[i * hop:i * hop + win] for i in range(frames)]).astype(np.float64)
    window = 0.5 - 0.5 * np.cos(2 * np.pi / win * np.arange(win))  # periodic_hann
    spec = np.abs(np.fft.rfft(f * window, int(fft)))
    hz_to_mel = lambda h: 1127.0 * np.log(1.0 + h / 700.0)
    bins_mel = hz_to_mel(np.linspace(0.0, sr / 2, fft // 2 + 1))
    edges = np.linspace(hz_to_mel(125.0), hz_to_mel(7500.0), 64 + 2)
    w = np.empty((fft // 2 + 1, 64))
    for i in range(64):
        lo, c, hi = edges[i:i + 3]
        w[:, i] = np.maximum(0.0, np.minimum((bins_mel - lo) / (c - lo), (hi - bins_mel) / (hi - c)))
    w[0, :] = 0.0
    log_mel = np.log(spec @ w + 0.01)
    n = log_mel.shape[0] // 96
    return log_mel[:n * 96].reshape(n, 1, 96, 64).astype(np.float32)


def cnn14_frontend(x, sr=32000):
    """PANNs' torchlibrosa Spectrogram(1024, hop 320, hann, centre, reflect) + LogmelFilterBank(64, 50-14000 Hz)."""
    power = stft_power(x, 1024, 320)
    mel = power @ mel_filters(sr, 1024, 64, 50, 14000).T
    return (10 * np.log10(np.maximum(mel, 1e-10)))[None, None].astype(np.float32)


def main_models():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    # torchvggish/vggish.py (harritaylor/torchvggish), without the PCA post-processor.
    class VGG(nn.Module):
        def __init__(self, features):
            super(VGG, self).__init__()
            self.features = features
            self.embeddings = nn.Sequential(
                nn.Linear(512 * 4 * 6, 4096), nn.ReLU(True),
                nn.Linear(4096, 4096), nn.ReLU(True),
                nn.Linear(4096, 128), nn.ReLU(True))

        def forward(self, x):
            x = self.features(x)
            x = torch.transpose(x, 1, 3)
            x = torch.transpose(x, 1, 2)
            x = x.contiguous()
            x = x.view(x.size(0), -1)
            return self.embeddings(x)

    def make_layers():
        layers = []
        in_channels = 1
        for v in [64, "M", 128, "M", 256, 256, "M", 512, 512, "M"]:
            if v == "M":
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                in_channels = v
        return nn.Sequential(*layers)

    # audioset_tagging_cnn/pytorch/models.py (qiuqiangkong): ConvBlock and Cnn14 from the log-mel on
    # (torchlibrosa's extractors are replaced by cnn14_frontend; their keys are not Cnn14's weights).
    class ConvBlock(nn.Module):
        def __init__(self, in_channels, out_channels):
            super(ConvBlock, self).__init__()
            self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
            self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.bn2 = nn.BatchNorm2d(out_channels)

        def forward(self, input, pool_size=(2, 2), pool_type="avg"):
            x = F.relu_(self.bn1(self.conv1(input)))
            x = F.relu_(self.bn2(self.conv2(x)))
            if pool_type == "max":
                x = F.max_pool2d(x, kernel_size=pool_size)
            elif pool_type == "avg":
                x = F.avg_pool2d(x, kernel_size=pool_size)
            elif pool_type == "avg+max":
                x = F.avg_pool2d(x, kernel_size=pool_size) + F.max_pool2d(x, kernel_size=pool_size)
            return x

    class Cnn14(nn.Module):
        def __init__(self, mel_bins=64, classes_num=527):
            super(Cnn14, self).__init__()
            self.bn0 = nn.BatchNorm2d(mel_bins)
            self.conv_block1 = ConvBlock(in_channels=1, out_channels=64)
            self.conv_block2 = ConvBlock(in_channels=64, out_channels=128)
            self.conv_block3 = ConvBlock(in_channels=128, out_channels=256)
            self.conv_block4 = ConvBlock(in_channels=256, out_channels=512)
            self.conv_block5 = ConvBlock(in_channels=512, out_channels=1024)
            self.conv_block6 = ConvBlock(in_channels=1024, out_channels=2048)
            self.fc1 = nn.Linear(2048, 2048, bias=True)
            self.fc_audioset = nn.Linear(2048, classes_num, bias=True)

        def forward(self, x):  # x: (batch, 1, time, mel) log-mel, as after logmel_extractor
            x = x.transpose(1, 3)
            x = self.bn0(x)
            x = x.transpose(1, 3)
            x = self.conv_block1(x, pool_size=(2, 2), pool_type="avg")
            x = F.dropout(x, p=0.2, training=self.training)
            x = self.conv_block2(x, pool_size=(2, 2), pool_type="avg")
            x = F.dropout(x, p=0.2, training=self.training)
            x = self.conv_block3(x, pool_size=(2, 2), pool_type="avg")
            x = F.dropout(x, p=0.2, training=self.training)
            x = self.conv_block4(x, pool_size=(2, 2), pool_type="avg")
            x = F.dropout(x, p=0.2, training=self.training)
            x = self.conv_block5(x, pool_size=(2, 2), pool_type="avg")
            x = F.dropout(x, p=0.2, training=self.training)
            x = self.conv_block6(x, pool_size=(1, 1), pool_type="avg")
            x = F.dropout(x, p=0.2, training=self.training)
            x = torch.mean(x, dim=3)
            (x1, _) = torch.max(x, dim=2)
            x2 = torch.mean(x, dim=2)
            x = x1 + x2
            x = F.dropout(x, p=0.5, training=self.training)
            x = F.relu_(self.fc1(x))
            embedding = F.dropout(x, p=0.5, training=self.training)
            clipwise_output = torch.sigmoid(self.fc_audioset(x))
            return {"clipwise_output": clipwise_output, "embedding": embedding}

    torch.set_num_threads(2)
    rng = np.random.default_rng(7)
    keys = {}
    tensors = {}
    with torch.no_grad():
        vgg = VGG(make_layers()).eval()
        vgg.load_state_dict(formula_weights(vgg.state_dict()))
        wave16 = (0.3 * np.sin(2 * np.pi * 330 * np.arange(30960) / 16000) + 0.1 * rng.normal(size=30960)).astype(np.float32)
        patches = vggish_frontend(wave16.astype(np.float64))
        out = vgg(torch.from_numpy(patches))
        pre_relu = vgg.embeddings[:-1](vgg.features(torch.from_numpy(patches)).permute(0, 2, 3, 1).reshape(2, -1))
        tensors.update(vggish_waveform=wave16, vggish_input=patches, vggish_embedding=out.numpy(),
                       vggish_embedding_pre_relu=pre_relu.numpy())
        keys["vggish"] = {k: list(v.shape) for k, v in vgg.state_dict().items()}

        cnn = Cnn14().eval()
        cnn.load_state_dict(formula_weights(cnn.state_dict()))
        wave32 = (0.3 * np.sin(2 * np.pi * 1000 * np.arange(20160) / 32000) + 0.1 * rng.normal(size=20160)).astype(np.float32)
        logmel = cnn14_frontend(wave32)
        out = cnn(torch.from_numpy(logmel))
        tensors.update(cnn14_waveform=wave32, cnn14_input=logmel, cnn14_clipwise=out["clipwise_output"].numpy(),
                       cnn14_embedding=out["embedding"].numpy())
        keys["cnn14"] = {k: list(v.shape) for k, v in cnn.state_dict().items()}
    save_file(tensors, os.path.join(OUT, "backbones.safetensors"))
    with open(os.path.join(OUT, "backbones.json"), "w") as f:
        json.dump(keys, f, indent=0, sort_keys=True)
    print({k: v.shape for k, v in tensors.items()})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    main_metrics()
    if "--models" in sys.argv:
        main_models()
    for name in os.listdir(OUT):
        os.chmod(os.path.join(OUT, name), 0o644)
