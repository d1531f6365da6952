"""Times the shapes of `foley bench` in PyTorch and prints Foley/PyTorch ratios.

Usage: bench_torch.py FOLEY_BENCH_JSON   (rows from `foley bench --json`)
"""
import json
import os
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # torch missing or unusable: say so, print Foley's figures alone
    torch = None
    why = str(e).splitlines()[0] if str(e) else type(e).__name__

rows = json.load(open(sys.argv[1]))
threads = int(os.environ.get("FOLEY_THREADS", os.cpu_count()))


def best(fn, repeats=5):
    fn()
    t = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def torch_time(row):
    name, shape = row["name"], row["shape"]
    g = torch.Generator().manual_seed(0)
    if name == "sgemm":
        n = int(shape.split("x")[0])
        a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
        return best(lambda: a @ b)
    if name == "conv2d 3x3":
        n, c, h, w = map(int, shape.split("x"))
        x, k, bias = torch.randn(n, c, h, w, generator=g), torch.randn(c, c, 3, 3, generator=g), torch.zeros(c)
        return best(lambda: F.conv2d(x, k, bias, padding=1))
    if name == "group_norm":
        x = torch.randn(2, 64, 64, 16, generator=g)
        return best(lambda: F.group_norm(x, 32, torch.ones(64), torch.zeros(64)))
    if name == "attention":
        q = torch.randn(2, 8, 1024, 8, generator=g)
        return best(lambda: F.scaled_dot_product_attention(q, q, q))
    if name == "elementwise":
        e = torch.randn(4 << 20, generator=g)
        return best(lambda: F.silu(e * 1.5 + 0.5))
    if name.startswith("W"):
        return workload(name, shape)
    return None


def stable_audio(name, shape):
    """W7: SAO-1.0's DiT (diffusers' defaults are its config; the shape names the layer count) for a guided forward on
    10 s of latents, and its Oobleck decoder on the same 216 frames."""
    from diffusers import AutoencoderOobleck, StableAudioDiTModel
    from diffusers.models.embeddings import get_1d_rotary_pos_embed
    frames = int(shape.split()[0].split("x")[2])
    with torch.no_grad():
        if "dit" in name:
            layers = int(shape.split()[1][1:].split("/")[0])
            dit = StableAudioDiTModel(num_layers=layers).eval()
            x = torch.randn(2, 64, frames)
            text = torch.randn(2, 130, 768)
            glob = torch.randn(2, 1, 1536)
            t = torch.tensor([0.5])
            # As StableAudioPipeline builds it: half the head dim, latents plus the global token.
            rot = get_1d_rotary_pos_embed(dit.config.attention_head_dim // 2, frames + 1, use_real=True,
                                          repeat_interleave_real=False)
            return best(lambda: dit(x, t, encoder_hidden_states=text, global_hidden_states=glob, rotary_embedding=rot),
                        repeats=1)
        vae = AutoencoderOobleck().eval()
        z = torch.randn(1, 64, frames)
        return best(lambda: vae.decode(z), repeats=1)


def workload(name, shape=""):
    if name.startswith("W7"):
        return stable_audio(name, shape)
    try:
        from diffusers import AutoencoderKL, UNet2DConditionModel
    except Exception:
        return None
    torch.manual_seed(0)
    with torch.no_grad():
        if name.startswith("W1") or name.startswith("W3") or name.startswith("W4"):
            big = name.startswith("W4")
            chans = (128, 256, 384, 640) if big else (64, 128, 256)
            unet = UNet2DConditionModel(
                sample_size=None, in_channels=8, out_channels=8, block_out_channels=chans, layers_per_block=2,
                down_block_types=("CrossAttnDownBlock2D",) * (len(chans) - 1) + ("DownBlock2D",),
                up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * (len(chans) - 1),
                cross_attention_dim=384, attention_head_dim=8, norm_num_groups=32).eval()
            h, w = (128, 16) if big else (64, 16)
            batch = 8 if name.startswith("W3") else 2
            x = torch.randn(batch, 8, h, w)
            cond = torch.randn(batch, 16, 384)
            t = torch.full((batch,), 500.0)
            if name.startswith("W3"):
                unet.train()
                opt = torch.optim.AdamW(unet.parameters(), lr=1e-4)

                def step():
                    with torch.enable_grad():
                        loss = (unet(x, t, encoder_hidden_states=cond).sample ** 2).mean()
                        opt.zero_grad()
                        loss.backward()
                        opt.step()
                return best(step, repeats=2)
            return best(lambda: unet(x, t, encoder_hidden_states=cond), repeats=3)
        if name.startswith("W2"):
            vae = AutoencoderKL(in_channels=1, out_channels=1, latent_channels=8, block_out_channels=(32, 64, 128),
                                down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
                                layers_per_block=2, norm_num_groups=32).eval()
            z = torch.randn(1, 8, 64, 16)
            return best(lambda: vae.decode(z), repeats=3)
        if name.startswith("W5"):
            from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig
            vae = AutoencoderKL(in_channels=1, out_channels=1, latent_channels=8, block_out_channels=(128, 256, 512),
                                down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
                                layers_per_block=2, norm_num_groups=32).eval()
            vocoder = SpeechT5HifiGan(SpeechT5HifiGanConfig(
                model_in_dim=64, sampling_rate=16000, upsample_initial_channel=1024, upsample_rates=[5, 4, 2, 2, 2],
                upsample_kernel_sizes=[16, 16, 8, 4, 4], resblock_kernel_sizes=[3, 7, 11],
                resblock_dilation_sizes=[[1, 3, 5]] * 3, normalize_before=False)).eval()
            z = torch.randn(1, 8, 256, 16)
            return best(lambda: vocoder(vae.decode(z).sample.squeeze(1)), repeats=1)
        if name.startswith("W6"):
            from diffusers import DDPMScheduler
            root = os.environ.get("FOLEY_MODEL", os.path.join(os.path.dirname(__file__), "..", "..", "models", "default"))
            unet = UNet2DConditionModel.from_pretrained(root, subfolder="unet").eval()
            vae = AutoencoderKL.from_pretrained(root, subfolder="vae").eval()
            scheduler = DDPMScheduler.from_pretrained(root, subfolder="scheduler")
            tokens, pooled = torch.randn(2, 16, 384), torch.randn(2, 384)

            def generate():
                scheduler.set_timesteps(50)
                g = torch.Generator().manual_seed(0)
                x = torch.randn(1, 8, 128, 16, generator=g)
                for t in scheduler.timesteps:
                    out = unet(torch.cat([x, x]), t, encoder_hidden_states=tokens, class_labels=pooled).sample
                    u, c = out.chunk(2)
                    x = scheduler.step(u + 3 * (c - u), t, x, generator=g).prev_sample
                vae.decode(x / vae.config.scaling_factor)
            return best(generate, repeats=1)
    return None


if torch is not None:
    torch.set_num_threads(threads)
print(f"threads: {threads}   PyTorch: {torch.__version__ if torch else 'unavailable (' + why + ')'}")
print(f"{'kernel':<13} {'shape':<22} {'foley ms':>9} {'torch ms':>9} {'ratio':>7}")
for r in rows:
    t = torch_time(r) if torch is not None else None
    tt = f"{t * 1000:9.3f}" if t else "        -"
    ratio = f"{r['seconds'] / t:7.2f}" if t else "      -"
    print(f"{r['name']:<13} {r['shape']:<22} {r['seconds'] * 1000:9.3f} {tt} {ratio}")
if torch is not None:
    import resource
    # Linux reports ru_maxrss in KiB.
    print(f"PyTorch peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
