#!/usr/bin/env python3
"""Foley -> diffusers parity of the Stable Audio family's exports (issue 27), with diffusers 0.42 on the CPU.

    python3 scripts/reference/stable_audio_export_fixture.py     # reads and writes Tests/Fixtures/stable_audio_export/

The folders vae/, transformer/ and projection_model/ there were written by Foley's trainer (configs/tiny-oobleck.yaml
and configs/tiny-dit.yaml, 30 steps each, on four synthetic tones): the Oobleck with weight-normalised convolutions
(weight_g / weight_v), as diffusers' AutoencoderOobleck holds them. This script loads each folder with diffusers'
own classes (strictly: a missing or unexpected key is an error) and records their outputs on seeded inputs in
outputs.safetensors, which Foley's test compares with its own outputs of the same folders.
"""
import os

import torch
from diffusers import AutoencoderOobleck, StableAudioDiTModel
from diffusers.models.embeddings import get_1d_rotary_pos_embed
from diffusers.pipelines.stable_audio.modeling_stable_audio import StableAudioProjectionModel
from safetensors.torch import save_file

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "stable_audio_export")


def strict(cls, sub):
    model, info = cls.from_pretrained(os.path.join(HERE, sub), output_loading_info=True, low_cpu_mem_usage=False)
    bad = {k: v for k, v in info.items() if v}
    assert not bad, f"{sub}: {bad}"
    return model.eval()


def main():
    torch.manual_seed(0)
    out = {}
    vae = strict(AutoencoderOobleck, "vae")
    audio = torch.randn(2, 1, 1280) * 0.3
    with torch.no_grad():
        post = vae.encode(audio).latent_dist
        out["audio"] = audio
        out["posterior_mean"] = post.mean
        out["posterior_std"] = post.std
        latents = torch.randn(2, vae.config.decoder_input_channels, 20)
        out["latents"] = latents
        out["decoded"] = vae.decode(latents).sample

    dit = strict(StableAudioDiTModel, "transformer")
    proj = strict(StableAudioProjectionModel, "projection_model")
    c = dit.config
    with torch.no_grad():
        text = torch.randn(2, 5, proj.config.text_encoder_dim)
        start = torch.tensor([0.0, 0.25])
        end = torch.tensor([0.6, 0.6])
        p = proj(text_hidden_states=text, start_seconds=start, end_seconds=end)
        tokens = torch.cat([p.text_hidden_states, p.seconds_start_hidden_states, p.seconds_end_hidden_states], dim=1)
        glob = torch.cat([p.seconds_start_hidden_states, p.seconds_end_hidden_states], dim=2)
        x = torch.randn(2, c.in_channels, 20)
        t = torch.tensor([300.0, 700.0])
        # As StableAudioPipeline calls it: rotary on half the head dim over the latent frames and the global token.
        rotary = get_1d_rotary_pos_embed(c.attention_head_dim // 2, x.shape[2] + glob.shape[1], use_real=True,
                                         repeat_interleave_real=False)
        out.update({"text": text, "seconds_start": start, "seconds_end": end, "tokens": tokens, "global": glob,
                    "dit_input": x, "timesteps": t,
                    "dit_output": dit(x, t, encoder_hidden_states=tokens, global_hidden_states=glob,
                                              rotary_embedding=rotary, return_dict=False)[0]})
    save_file({k: v.contiguous().float() for k, v in out.items()}, os.path.join(HERE, "outputs.safetensors"))
    print({k: tuple(v.shape) for k, v in out.items()})


if __name__ == "__main__":
    main()
