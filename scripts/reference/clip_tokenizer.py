#!/usr/bin/env python3
"""Generates Tests/Fixtures/clip_tokenizer/: a tiny CLIP BPE tokenizer and its reference ids.

The vocabulary has exactly 400 entries so it fits Tests/Fixtures/clip_text (vocab_size 400,
bos 398 = <|startoftext|>, eos 399 = <|endoftext|>): the byte-level symbols for printable
ASCII (plain and with the "</w>" end-of-word suffix), 210 merges learned on a few sound
descriptions, then the two special tokens. Characters outside printable ASCII are unknown
and map to <|endoftext|>, CLIP's unk token.

Reference ids come from transformers' CLIPTokenizer (the tokenizers backend), which is what
diffusers pipelines use. Needs: pip install tokenizers transformers (no torch).
    python3 scripts/reference/clip_tokenizer.py
"""
import collections
import json
import os
import re

from transformers import CLIPTokenizer

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "clip_tokenizer")
MERGES = 210

CORPUS = """
a dog barking in the distance with ambient traffic noise
thunder storm with heavy rain on a tin roof
birds singing in the morning forest, wind in the trees
a cat meowing while people are talking in the kitchen
footsteps on wooden stairs and a door closing slowly
the engine of a car starting and driving away on a wet road
a crowd cheering and clapping at a stadium
ocean waves crashing on the beach and seagulls calling
a piano melody playing softly with a violin in the background
heavy rain and thunder, then a dog barking and a baby crying
an old clock ticking quietly, a kettle whistling, glass breaking on the floor
"""


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def words(text):
    # CLIP's own pre-tokenization (lowercase, then its split regex); every corpus char is ASCII.
    pat = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+")
    return pat.findall(" ".join(text.lower().split()))


def learn_merges(corpus, count):
    b2u = bytes_to_unicode()
    counts = collections.Counter(words(corpus))
    seqs = {w: [b2u[b] for b in w.encode()] for w in counts}
    for s in seqs.values():
        s[-1] += "</w>"
    merges = []
    for _ in range(count):
        pairs = collections.Counter()
        for w, s in seqs.items():
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += counts[w]
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        for w, s in seqs.items():
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


def main():
    os.makedirs(OUT, exist_ok=True)
    b2u = bytes_to_unicode()
    base = [b2u[b] for b in range(33, 127)]
    vocab = base + [c + "</w>" for c in base]
    merges = learn_merges(CORPUS, MERGES)
    assert len(merges) == MERGES, len(merges)
    for a, b in merges:
        assert a + b not in vocab, (a, b)
        vocab.append(a + b)
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    assert len(vocab) == 400 and vocab.index("<|startoftext|>") == 398, len(vocab)

    with open(os.path.join(OUT, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(OUT, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")

    # transformers 5 ignores vocab_file=/merges_file= (silently building an empty vocabulary); vocab=/merges= work.
    tok = CLIPTokenizer(vocab=os.path.join(OUT, "vocab.json"), merges=os.path.join(OUT, "merges.txt"))
    assert len(tok) == 400, len(tok)
    probes = [
        "", "a dog barking in the distance", "Thunder storm with heavy rain",
        "  multiple   spaces\tand tabs  ", "UPPER lower MiXeD 123 4.56",
        "punctuation: commas, (parens) & quotes \"x\" 'y' -- dash!?",
        "unbelievably-hyphenated words and don't can't we're I'll",
        "café naïve résumé — unicode ☃ 日本語", "new\nlines\r\nand\u00a0nbsp",
        "<|startoftext|>special<|endoftext|> tokens inline", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ]
    table = {p: tok(p)["input_ids"] for p in probes}
    with open(os.path.join(OUT, "tokenizer_probes.json"), "w", encoding="utf-8") as f:
        json.dump(table, f, ensure_ascii=False, indent=1, sort_keys=True)
    # The same tokenizer in tokenizer.json form, so the Split(invert)/end-of-word path is tested too.
    tok.save_pretrained(OUT + "/saved")
    os.replace(os.path.join(OUT, "saved", "tokenizer.json"), os.path.join(OUT, "tokenizer.json"))
    for name in os.listdir(os.path.join(OUT, "saved")):
        os.remove(os.path.join(OUT, "saved", name))
    os.rmdir(os.path.join(OUT, "saved"))
    batch = tok(["a dog barking", "thunder and rain on a roof"], padding="max_length", max_length=10, truncation=True)
    with open(os.path.join(OUT, "batch.json"), "w", encoding="utf-8") as f:
        json.dump({"texts": ["a dog barking", "thunder and rain on a roof"], "max_length": 10,
                   "input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"],
                   "decoded": [tok.decode(tok(p)["input_ids"], skip_special_tokens=True) for p in probes]},
                  f, ensure_ascii=False, indent=1)
    print("wrote", OUT, len(vocab), "tokens,", len(merges), "merges")


if __name__ == "__main__":
    main()
