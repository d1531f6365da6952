"""LoRA parity fixtures (Tests/Fixtures/lora/): a diffusers + PEFT adapter on the unet_crossattn fixture UNet.

  python3 scripts/reference/lora_fixtures.py            # diffusers' adapter file and its outputs
  python3 scripts/reference/lora_fixtures.py --foley F  # diffusers' outputs with the adapter file Foley wrote (F)

The first writes `diffusers_adapter.safetensors` (diffusers' save_lora_weights: `unet.`-prefixed PEFT keys, the
LoraConfig in the metadata) and `cases.safetensors`: the UNet's output with the adapter at scale 1 and 0.5 on the
unet_crossattn inputs. The second loads a Foley-written file as `pipe.load_lora_weights` does (lora_state_dict with its
metadata, then load_lora_into_unet), records the output as `foley_written_output`, and copies the file in as
`foley_written.safetensors`: the two directions of the round trip. PyTorch 2.15, diffusers 0.42, peft 0.17+.
"""
import json, os, shutil, sys
import torch
from safetensors.torch import load_file, save_file
from diffusers import UNet2DConditionModel, StableDiffusionPipeline
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "..", "Tests", "Fixtures")
src = os.path.join(fixtures, "unet_crossattn")
out = os.path.join(fixtures, "lora")
os.makedirs(out, exist_ok=True)


def base_unet():
    unet = UNet2DConditionModel(**json.load(open(os.path.join(src, "config.json"))))
    unet.load_state_dict(load_file(os.path.join(src, "weights.safetensors")))
    return unet.eval()


cases = load_file(os.path.join(src, "cases.safetensors"))
inputs = (cases["sample"], cases["timestep"], cases["encoder_hidden_states"])


def run(unet):
    with torch.no_grad():
        return unet(inputs[0], inputs[1], encoder_hidden_states=inputs[2]).sample.contiguous()


def load_like_a_pipeline(unet, path, name):
    """What `pipe.load_lora_weights(path)` does for the UNet (model-level `load_lora_adapter(path)` drops the metadata)."""
    sd, alphas, meta = StableDiffusionPipeline.lora_state_dict(path, return_lora_metadata=True)
    StableDiffusionPipeline.load_lora_into_unet(sd, alphas, unet, adapter_name=name, metadata=meta)


if len(sys.argv) == 3 and sys.argv[1] == "--foley":
    unet = base_unet()
    load_like_a_pipeline(unet, sys.argv[2], "foley")
    c = unet.peft_config["foley"]
    print("diffusers read r", c.r, "alpha", c.lora_alpha, "targets", sorted(c.target_modules))
    saved = load_file(os.path.join(out, "cases.safetensors"))
    saved["foley_written_output"] = run(unet)
    save_file(saved, os.path.join(out, "cases.safetensors"))
    shutil.copyfile(sys.argv[2], os.path.join(out, "foley_written.safetensors"))
    print("foley_written_output", saved["foley_written_output"].abs().max().item())
    sys.exit(0)

torch.manual_seed(0)
unet = base_unet()
base = run(unet)
config = LoraConfig(r=4, lora_alpha=6, target_modules=["to_q", "to_k", "to_v", "to_out.0"], init_lora_weights=True)
unet.add_adapter(config, adapter_name="default")
g = torch.Generator().manual_seed(1)
with torch.no_grad():
    for name, p in unet.named_parameters():
        if "lora_" in name:
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
full = run(unet)
unet.set_adapters(["default"], weights=[0.5])
half = run(unet)
unet.set_adapters(["default"], weights=[1.0])
StableDiffusionPipeline.save_lora_weights(
    out, unet_lora_layers=get_peft_model_state_dict(unet), unet_lora_adapter_metadata=config.to_dict(),
    weight_name="diffusers_adapter.safetensors")
check = base_unet()
load_like_a_pipeline(check, os.path.join(out, "diffusers_adapter.safetensors"), "check")
assert torch.allclose(run(check), full, atol=1e-6), "diffusers does not reload its own adapter file"
save_file({"base_output": base, "output": full, "output_scale_half": half}, os.path.join(out, "cases.safetensors"))
print("base vs adapter max diff", (full - base).abs().max().item(), "half", (half - base).abs().max().item())
