#!/usr/bin/env python3
"""Parity fixtures for the Stable Audio family (issue 27), recorded with diffusers 0.42 on the CPU in float32.

    python3 scripts/reference/stable_audio_fixtures.py schedulers   # Tests/Fixtures/schedulers_stable_audio/
    python3 scripts/reference/stable_audio_fixtures.py oobleck      # Tests/Fixtures/oobleck/
    python3 scripts/reference/stable_audio_fixtures.py dit          # Tests/Fixtures/stable_audio_dit/
    python3 scripts/reference/stable_audio_fixtures.py projection   # Tests/Fixtures/stable_audio_projection/

Samplers run the stand-in network of the existing scheduler fixtures (eps = 0.8 tanh(x) + 0.1 cos(t / 100)) and
record every draw of noise, so Foley replays it (CosineDPMSolver's torchsde Brownian tree is replaced by plain
per-step Gaussian draws: the tree is how the reference makes noise, not part of the algorithm). Modules are tiny
random diffusers modules with every parameter overwritten by dense random values, saved with save_pretrained.
"""
import json
import math
import os
import sys

import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures")


def fake_model(x, t):
    return 0.8 * torch.tanh(x) + 0.1 * math.cos(float(t) / 100)


class Recorder:
    """Hands out seeded Gaussian draws and keeps them for the fixture."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)
        self.draws = []

    def __call__(self, shape):
        z = torch.randn(shape, generator=self.g, dtype=torch.float32)
        self.draws.append(z.clone())
        return z


SCHEDULER_CASES = {
    "flow_euler": ("FlowMatchEulerDiscreteScheduler", {}, {}, 10),
    "flow_euler_shift": ("FlowMatchEulerDiscreteScheduler", {"shift": 3.0}, {}, 10),
    "flow_euler_dynamic": ("FlowMatchEulerDiscreteScheduler",
                           {"use_dynamic_shifting": True, "base_shift": 0.5, "max_shift": 1.15}, {"mu": 0.8}, 10),
    "flow_euler_linear_terminal": ("FlowMatchEulerDiscreteScheduler",
                                   {"use_dynamic_shifting": True, "time_shift_type": "linear", "shift_terminal": 0.1},
                                   {"mu": 1.7}, 9),
    "flow_euler_karras": ("FlowMatchEulerDiscreteScheduler", {"shift": 2.0, "use_karras_sigmas": True}, {}, 8),
    "flow_euler_invert": ("FlowMatchEulerDiscreteScheduler", {"invert_sigmas": True}, {}, 6),
    "flow_euler_stochastic": ("FlowMatchEulerDiscreteScheduler", {"shift": 3.0, "stochastic_sampling": True}, {}, 10),
    "flow_heun": ("FlowMatchHeunDiscreteScheduler", {"shift": 3.0}, {}, 8),
    # Stable Audio Open 1.0's scheduler/scheduler_config.json.
    "cosine_dpm": ("CosineDPMSolverMultistepScheduler",
                   {"sigma_min": 0.3, "sigma_max": 500, "sigma_data": 1.0, "sigma_schedule": "exponential",
                    "num_train_timesteps": 1000, "solver_order": 2, "prediction_type": "v_prediction", "rho": 7.0,
                    "solver_type": "midpoint", "lower_order_final": True, "euler_at_final": False,
                    "final_sigmas_type": "zero"}, {}, 12),
    "cosine_dpm_karras_heun": ("CosineDPMSolverMultistepScheduler",
                               {"sigma_schedule": "karras", "solver_type": "heun", "prediction_type": "epsilon",
                                "sigma_data": 0.5, "sigma_max": 80.0, "lower_order_final": False},
                               {}, 16),
}


def scheduler_case(name, cls_name, config, set_kwargs, steps, shape=(1, 4, 8, 4)):
    import diffusers
    import diffusers.schedulers.scheduling_flow_match_euler_discrete as fme

    if cls_name == "CosineDPMSolverMultistepScheduler":
        cls = cosine_dpm_class()
    else:
        cls = getattr(diffusers, cls_name)
    sched = cls(**config)
    rec = Recorder(1234)
    fme.randn_tensor = lambda shape, generator=None, device=None, dtype=None: rec(shape)
    sched.set_timesteps(steps, **set_kwargs)
    if cls_name == "CosineDPMSolverMultistepScheduler":
        sched.noise_sampler = lambda sigma, sigma_next: rec(shape)
    out = {"timesteps": sched.timesteps.clone().float(), "sigmas": sched.sigmas.clone().float()}
    x = torch.randn(shape, generator=torch.Generator().manual_seed(7))
    out["init"] = x.clone()
    for i, t in enumerate(sched.timesteps):
        inp = sched.scale_model_input(x, t) if hasattr(sched, "scale_model_input") else x
        eps = fake_model(inp, t)
        out[f"model_input_{i}"] = inp.clone()
        out[f"model_output_{i}"] = eps.clone()
        x = sched.step(eps, t, x).prev_sample
        out[f"sample_{i}"] = x.clone()
    for k, z in enumerate(rec.draws):
        out[f"noise_{k}"] = z
    # The forward process at the fourth timestep (scale_noise for the flows).
    x0 = torch.randn(shape, generator=torch.Generator().manual_seed(11))
    n = torch.randn(shape, generator=torch.Generator().manual_seed(12))
    t = sched.timesteps[3:4]
    fresh = cls(**config)
    fresh.set_timesteps(steps, **set_kwargs)
    if hasattr(fresh, "scale_noise"):
        noisy = fresh.scale_noise(x0, t, n)
    else:
        noisy = fresh.add_noise(x0, n, t)
    out.update({"add_noise_x0": x0, "add_noise_noise": n, "add_noise_t": t.float(), "add_noise_out": noisy})
    entry = {"class": cls_name, "config": config, "set_timesteps_kwargs": set_kwargs, "num_inference_steps": steps,
             "noise_draws": len(rec.draws), "shape": list(shape),
             "fake_model": "eps = 0.8*tanh(model_input) + 0.1*cos(t/100), t = float(timestep)"}
    return entry, {k: v.contiguous() for k, v in out.items()}


def cosine_dpm_class():
    """diffusers' class itself; torchsde (needed only by the Brownian tree we replace) is stubbed if absent."""
    import diffusers  # noqa: F401  (probes for torchsde first, so it must see the real state)

    try:
        import torchsde  # noqa: F401
    except ImportError:
        import importlib.machinery
        import types
        stub = types.ModuleType("torchsde")
        stub.__spec__ = importlib.machinery.ModuleSpec("torchsde", None)
        stub.BrownianInterval = None
        sys.modules["torchsde"] = stub
    from diffusers.schedulers.scheduling_cosine_dpmsolver_multistep import CosineDPMSolverMultistepScheduler
    return CosineDPMSolverMultistepScheduler


def schedulers():
    folder = os.path.join(ROOT, "schedulers_stable_audio")
    os.makedirs(folder, exist_ok=True)
    index = {}
    for name, (cls_name, config, kw, steps) in SCHEDULER_CASES.items():
        entry, tensors = scheduler_case(name, cls_name, config, kw, steps)
        index[name] = entry
        save_file(tensors, os.path.join(folder, f"{name}.safetensors"))
        print(name, cls_name, len(tensors), "tensors,", entry["noise_draws"], "draws")
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)


# MARK: modules


def randomize(module, seed, scale=None):
    """Dense random parameters (no zero-initialised layer), scaled to keep activations O(1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            s = scale if scale is not None else (1.0 / math.sqrt(fan_in) if p.dim() > 1 else 0.2)
            v = torch.randn(p.shape, generator=g) * s
            if p.dim() == 1 and ("norm" in name and "weight" in name):
                v = 1.0 + 0.2 * torch.randn(p.shape, generator=g)
            p.copy_(v)


def save_module(module, folder):
    module.save_pretrained(folder, safe_serialization=True)
    # Keep the folder to what a loader reads: config.json + diffusion_pytorch_model.safetensors.
    print(folder, sorted(os.listdir(folder)))


def oobleck():
    from diffusers import AutoencoderOobleck

    torch.manual_seed(0)
    config = dict(encoder_hidden_size=8, downsampling_ratios=[2, 4], channel_multiples=[1, 2], decoder_channels=6,
                  decoder_input_channels=4, audio_channels=2, sampling_rate=44100)
    vae = AutoencoderOobleck(**config).eval()
    randomize(vae, 1)
    with torch.no_grad():
        g = torch.Generator().manual_seed(2)
        for name, p in vae.named_parameters():
            if name.endswith("alpha") or name.endswith("beta"):
                # logscale: exp(alpha) and exp(beta) of order one, both signs of the log.
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            elif name.endswith("weight_g"):
                p.copy_(0.6 * torch.randn(p.shape, generator=g))
    folder = os.path.join(ROOT, "oobleck")
    save_module(vae, os.path.join(folder, "vae"))
    g = torch.Generator().manual_seed(3)
    audio = 0.5 * torch.randn(2, 2, 256, generator=g)
    latent = torch.randn(2, 4, 32, generator=g)
    with torch.no_grad():
        post = vae.encode(audio).latent_dist
        out = {"input": audio, "posterior_mean": post.mean.contiguous(), "posterior_std": post.std.contiguous(),
               "latent": latent, "decoded": vae.decode(latent).sample,
               "reconstruction_from_mean": vae.decode(post.mean).sample}
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(folder, "cases.safetensors"))
    for k, v in out.items():
        print(k, tuple(v.shape), float(v.abs().max()))


DIT_CONFIG = dict(sample_size=16, in_channels=4, num_layers=2, attention_head_dim=8, num_attention_heads=4,
                  num_key_value_attention_heads=2, out_channels=4, cross_attention_dim=12, time_proj_dim=8,
                  global_states_input_dim=20, cross_attention_input_dim=10)


def dit():
    from diffusers import StableAudioDiTModel
    from diffusers.models.embeddings import get_1d_rotary_pos_embed

    torch.manual_seed(0)
    model = StableAudioDiTModel(**DIT_CONFIG).eval()
    randomize(model, 4)
    with torch.no_grad():
        # The Fourier frequencies are drawn N(0, 1) in the reference; keep that scale.
        model.time_proj.weight.copy_(torch.randn(model.time_proj.weight.shape, generator=torch.Generator().manual_seed(5)))
    folder = os.path.join(ROOT, "stable_audio_dit")
    save_module(model, os.path.join(folder, "transformer"))
    g = torch.Generator().manual_seed(6)
    frames = 10
    hidden = torch.randn(2, 4, frames, generator=g)
    encoder = torch.randn(2, 5, 10, generator=g)
    global_states = torch.randn(2, 1, 20, generator=g)
    rotary = get_1d_rotary_pos_embed(DIT_CONFIG["attention_head_dim"] // 2, frames + 1, use_real=True,
                                     repeat_interleave_real=False)
    out = {"hidden_states": hidden, "encoder_hidden_states": encoder, "global_hidden_states": global_states,
           "rotary_cos": rotary[0], "rotary_sin": rotary[1]}
    with torch.no_grad():
        # Per-example timesteps, and one timestep shared by the batch as the pipeline passes it (t.unsqueeze(0)).
        out["timestep"] = torch.tensor([0.25, 0.9])
        out["output"] = model(hidden, out["timestep"], encoder_hidden_states=encoder, global_hidden_states=global_states,
                              rotary_embedding=rotary, return_dict=False)[0]
        out["timestep_shared"] = torch.tensor([0.6])
        out["output_shared"] = model(hidden, out["timestep_shared"], encoder_hidden_states=encoder,
                                     global_hidden_states=global_states, rotary_embedding=rotary, return_dict=False)[0]
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(folder, "cases.safetensors"))
    for k, v in out.items():
        print(k, tuple(v.shape), float(v.abs().max()))


def projection():
    from diffusers.pipelines.stable_audio.modeling_stable_audio import StableAudioProjectionModel

    torch.manual_seed(0)
    model = StableAudioProjectionModel(text_encoder_dim=6, conditioning_dim=10, min_value=0, max_value=8).eval()
    randomize(model, 7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".weights"):
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(8)))
    folder = os.path.join(ROOT, "stable_audio_projection")
    save_module(model, os.path.join(folder, "projection_model"))
    g = torch.Generator().manual_seed(9)
    text = torch.randn(2, 5, 6, generator=g)
    start = torch.tensor([0.0, 1.5])
    end = torch.tensor([3.0, 12.0])  # 12 is clamped to max_value
    with torch.no_grad():
        o = model(text, start, end)
    out = {"text_hidden_states": text, "seconds_start": start, "seconds_end": end,
           "text_projected": o.text_hidden_states, "seconds_start_hidden_states": o.seconds_start_hidden_states,
           "seconds_end_hidden_states": o.seconds_end_hidden_states}
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(folder, "cases.safetensors"))
    for k, v in out.items():
        print(k, tuple(v.shape), float(v.abs().max()))


def pipeline():
    """A whole tiny StableAudioPipeline folder (T5 from Tests/Fixtures/t5_encoder) and one guided generation."""
    import shutil

    cosine = cosine_dpm_class()  # stubs torchsde before the scheduler module is imported
    import diffusers.schedulers.scheduling_cosine_dpmsolver_multistep as cdm
    from diffusers import AutoencoderOobleck, StableAudioDiTModel, StableAudioPipeline
    from diffusers.pipelines.stable_audio.modeling_stable_audio import StableAudioProjectionModel
    from safetensors.torch import load_file
    from transformers import T5Config, T5EncoderModel, T5TokenizerFast

    t5_dir = os.path.join(ROOT, "t5_encoder")
    config = T5Config.from_json_file(os.path.join(t5_dir, "config.json"))
    text_encoder = T5EncoderModel(config).eval()
    missing, unexpected = text_encoder.load_state_dict(load_file(os.path.join(t5_dir, "weights.safetensors")), strict=False)
    assert not [k for k in missing if "embed_tokens" not in k], missing
    tokenizer = T5TokenizerFast(tokenizer_file=os.path.join(t5_dir, "tokenizer.json"), model_max_length=8)

    torch.manual_seed(0)
    cond = 10
    projection = StableAudioProjectionModel(text_encoder_dim=config.d_model, conditioning_dim=cond, min_value=0,
                                            max_value=512).eval()
    randomize(projection, 11)
    with torch.no_grad():
        for name, p in projection.named_parameters():
            if name.endswith(".weights"):
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(12)))
    transformer = StableAudioDiTModel(**dict(DIT_CONFIG, sample_size=16, cross_attention_input_dim=cond,
                                             global_states_input_dim=2 * cond)).eval()
    randomize(transformer, 13)
    with torch.no_grad():
        transformer.time_proj.weight.copy_(torch.randn(transformer.time_proj.weight.shape,
                                                       generator=torch.Generator().manual_seed(14)))
    vae = AutoencoderOobleck(encoder_hidden_size=8, downsampling_ratios=[2, 4], channel_multiples=[1, 2],
                             decoder_channels=6, decoder_input_channels=4, audio_channels=2, sampling_rate=44100).eval()
    randomize(vae, 15)
    with torch.no_grad():
        g = torch.Generator().manual_seed(16)
        for name, p in vae.named_parameters():
            if name.endswith("alpha") or name.endswith("beta"):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            elif name.endswith("weight_g"):
                p.copy_(0.6 * torch.randn(p.shape, generator=g))
    scheduler = cosine(**SCHEDULER_CASES["cosine_dpm"][1])
    pipe = StableAudioPipeline(vae=vae, text_encoder=text_encoder, projection_model=projection, tokenizer=tokenizer,
                               transformer=transformer, scheduler=scheduler)
    folder = os.path.join(ROOT, "stable_audio_pipeline")
    model_dir = os.path.join(folder, "model")
    if os.path.exists(model_dir):
        shutil.rmtree(model_dir)
    pipe.save_pretrained(model_dir, safe_serialization=True)

    rec = Recorder(21)

    class ReplayedTree:
        """Stands in for torchsde's Brownian tree: one recorded Gaussian draw per step."""

        def __init__(self, x, **kwargs):
            self.shape = x.shape

        def __call__(self, sigma, sigma_next):
            return rec(self.shape)

    cdm.BrownianTreeNoiseSampler = ReplayedTree
    case = {"prompt": "a dog barks", "negative_prompt": "wind", "num_inference_steps": 6, "guidance_scale": 7.0,
            "audio_start_in_s": 0.0, "audio_end_in_s": None}
    latents = torch.randn(1, 4, 16, generator=torch.Generator().manual_seed(22))
    steps = []
    with torch.no_grad():
        embeds = pipe.encode_prompt(case["prompt"], "cpu", True, case["negative_prompt"])
        out = pipe(prompt=case["prompt"], negative_prompt=case["negative_prompt"],
                   num_inference_steps=case["num_inference_steps"], guidance_scale=case["guidance_scale"],
                   latents=latents.clone(), callback=lambda i, t, x: steps.append(x.clone()), callback_steps=1,
                   output_type="pt")
    tensors = {"latents": latents, "prompt_embeds": embeds, "waveform": out.audios}
    for i, x in enumerate(steps):
        tensors[f"latents_step_{i}"] = x
    for k, z in enumerate(rec.draws):
        tensors[f"noise_{k}"] = z
    case["noise_draws"] = len(rec.draws)
    case["tokenizer_model_max_length"] = 8
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "cases.safetensors"))
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f, indent=1, sort_keys=True)
    for k, v in tensors.items():
        print(k, tuple(v.shape), float(v.abs().max()))


def main():
    what = sys.argv[1:] or ["schedulers"]
    for w in what:
        globals()[w]()


if __name__ == "__main__":
    main()
