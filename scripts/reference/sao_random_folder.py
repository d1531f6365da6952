#!/usr/bin/env python3
"""A StableAudioPipeline folder at Stable Audio Open 1.0's full size with random weights, for measuring Foley's time
and memory on a real-size generation without the gated download (issue 27's W7 note):

    python3 scripts/reference/sao_random_folder.py /tmp/sao-random
    /usr/bin/time -v .build/release/foley generate "rain" --model /tmp/sao-random --steps 3 --seconds 10 --guidance 7

transformer/ (StableAudioDiTModel's defaults: 24 layers, 1536 wide) is stored in float16 as the published folder is;
vae/ (AutoencoderOobleck's defaults), projection_model/ (768 -> 768, seconds 0-512) and text_encoder/ (T5-base's
shape) in float32; the tokenizer and scheduler are the tiny parity fixture's (Tests/Fixtures/stable_audio_pipeline),
whose SentencePiece vocabulary of 300 pieces fits T5-base's 32128 embeddings.
"""
import json
import os
import shutil
import sys

import torch
from diffusers import AutoencoderOobleck, StableAudioDiTModel
from diffusers.pipelines.stable_audio.modeling_stable_audio import StableAudioProjectionModel
from transformers import T5Config, T5EncoderModel

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "stable_audio_pipeline", "model")


def main(out):
    torch.manual_seed(0)
    os.makedirs(out, exist_ok=True)
    StableAudioDiTModel().to(torch.float16).save_pretrained(os.path.join(out, "transformer"))
    AutoencoderOobleck().save_pretrained(os.path.join(out, "vae"))
    StableAudioProjectionModel(text_encoder_dim=768, conditioning_dim=768, min_value=0, max_value=512).save_pretrained(
        os.path.join(out, "projection_model"))
    t5 = T5EncoderModel(T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12,
                                 feed_forward_proj="relu", is_encoder_decoder=False, use_cache=False))
    t5.save_pretrained(os.path.join(out, "text_encoder"))
    for sub in ["tokenizer", "scheduler"]:
        shutil.copytree(os.path.join(FIXTURE, sub), os.path.join(out, sub), dirs_exist_ok=True)
    tok = os.path.join(out, "tokenizer", "tokenizer_config.json")
    cfg = json.load(open(tok))
    cfg["model_max_length"] = 128  # SAO-1.0's tokenizer pads every prompt to 128 tokens
    json.dump(cfg, open(tok, "w"), indent=2)
    shutil.copy(os.path.join(FIXTURE, "model_index.json"), os.path.join(out, "model_index.json"))
    print("wrote", out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sao-random")
