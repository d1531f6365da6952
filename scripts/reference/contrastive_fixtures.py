#!/usr/bin/env python3
"""Reference values for Tests/DiffusionTests/ContrastiveAudioTextTests (Tests/Fixtures/contrastive/).

Foley's ContrastiveAudioText written in PyTorch from its description (CNN14-shaped conv blocks with GroupNorm,
mean+max pooling over time, two-layer SiLU projections, CLIP's symmetric InfoNCE), at a tiny size with random
weights under Foley's parameter names, so the Swift forward pass, loss and gradients can be checked against torch.
Run: python3 scripts/reference/contrastive_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "contrastive")
CONFIG = {"num_mels": 16, "block_out_channels": [8, 16], "norm_num_groups": 4, "time_pooling": 2,
          "text_embed_dim": 12, "projection_hidden_dim": 20, "projection_dim": 10, "initial_temperature": 0.07}


class Block(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, cout)

    def forward(self, x):
        x = F.silu(self.norm1(self.conv1(x)))
        return F.avg_pool2d(F.silu(self.norm2(self.conv2(x))), 2)


class Projection(nn.Module):
    def __init__(self, cin, hidden, out):
        super().__init__()
        self.linear1 = nn.Linear(cin, hidden)
        self.linear2 = nn.Linear(hidden, out)

    def forward(self, x):
        return self.linear2(F.silu(self.linear1(x)))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        chans = [1] + c["block_out_channels"]
        self.blocks = nn.ModuleList([Block(chans[i], chans[i + 1], c["norm_num_groups"]) for i in range(len(chans) - 1)])


class ContrastiveAudioText(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.audio_encoder = Encoder(c)
        ch = c["block_out_channels"][-1]
        self.audio_projection = Projection(2 * ch, c["projection_hidden_dim"], c["projection_dim"])
        self.text_projection = Projection(c["text_embed_dim"], c["projection_hidden_dim"], c["projection_dim"])
        self.logit_scale = nn.Parameter(torch.tensor([math.log(1 / c["initial_temperature"])]))

    def audio_embeds(self, mel):
        h = F.avg_pool2d(mel, (self.c["time_pooling"], 1))
        for b in self.audio_encoder.blocks:
            h = b(h)
        h = h.mean(dim=3)
        feats = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return F.normalize(self.audio_projection(feats), dim=-1)

    def text_embeds(self, pooled):
        return F.normalize(self.text_projection(pooled), dim=-1)

    def loss(self, a, t):
        logits = self.logit_scale.clamp(max=math.log(100)).exp() * a @ t.T
        target = torch.arange(a.shape[0])
        return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def main():
    torch.manual_seed(0)
    m = ContrastiveAudioText(CONFIG)
    with torch.no_grad():  # non-trivial norms so the affine parameters are exercised
        for name, p in m.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    mel = torch.randn(3, 1, 40, CONFIG["num_mels"]) * 2 - 4
    pooled = F.normalize(torch.randn(3, CONFIG["text_embed_dim"]), dim=-1)
    a = m.audio_embeds(mel)
    t = m.text_embeds(pooled)
    loss = m.loss(a, t)
    loss.backward()
    tensors = {f"model.{k}": v.detach().contiguous() for k, v in m.state_dict().items()}
    tensors.update({"mel": mel, "pooled": pooled, "audio_embeds": a.detach(), "text_embeds": t.detach(),
                    "loss": loss.detach().reshape(1)})
    for k in ["audio_encoder.blocks.0.conv1.weight", "audio_projection.linear2.weight", "text_projection.linear1.bias",
              "logit_scale"]:
        tensors["grad." + k] = dict(m.named_parameters())[k].grad.contiguous()
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "contrastive.safetensors"))
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2, sort_keys=True)
    print("loss", loss.item(), "wrote", OUT)


if __name__ == "__main__":
    main()
