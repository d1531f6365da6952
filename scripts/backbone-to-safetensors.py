#!/usr/bin/env python3
"""Converts a published PyTorch backbone checkpoint to the safetensors file `foley eval --weights` loads.

  python3 scripts/backbone-to-safetensors.py vggish-10086976.pth vggish.safetensors    # torchvggish
  python3 scripts/backbone-to-safetensors.py Cnn14_mAP=0.431.pth cnn14.safetensors     # PANNs

Keys are kept as they are (PANNs' checkpoint nests its state dict under "model"; a DataParallel
"module." prefix is fine too: Foley strips it). Needs torch and safetensors (pip install both).
"""
import sys

import torch
from safetensors.torch import save_file

if len(sys.argv) != 3:
    sys.exit(__doc__)
state = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
    state = state["model"]
tensors = {k: v.contiguous() for k, v in state.items() if isinstance(v, torch.Tensor)}
save_file(tensors, sys.argv[2])
print(f"wrote {len(tensors)} tensors to {sys.argv[2]}")
