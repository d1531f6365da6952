#!/usr/bin/env python3
"""Generates Tests/Fixtures/tokenizer_cases/: small tokenizers built with Hugging Face `tokenizers`,
each with the ids (and decoded text) the library produces for a set of awkward texts.

Each case isolates one pipeline stage. Normalizer cases use a BPE model with no merges whose
vocabulary is every character the reference normalizer outputs, so the ids spell the normalized
text character by character; pre-tokenizer cases use a WordLevel model whose vocabulary is every
piece the reference produces, so the ids spell the exact split. Anything the Swift port does
differently lands on another id or on [UNK].

Needs: pip install tokenizers==0.23.3 sentencepiece protobuf (no torch).
    python3 scripts/reference/tokenizer_cases.py
"""
import io
import json
import os

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "tokenizer_cases")

TEXTS = [
    "",
    " ",
    "Hello, World!",
    "  multiple   spaces\tand tabs  ",
    "café naïve résumé — unicode ☃ 日本語",
    "don't stop: we're 123 4.56 x²",
    "ﬁne ½ Ⅻ ｆｕｌｌ",
    "\u0001ctrl\u200bzw\u00a0nb\ufeffbom",
    "e\u0301 A\u030a \u00c5",
    "ÅΣσς İ ΑΣ",
    "a\r\nb\u0085c\u2028d\u000be\u000cf",
    "👍🏽 family 👨‍👩‍👧 ok",
    "word_with_underscore and-hyphen (paren) [bracket]",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "▁already▁marked ▁",
    "x\u0000y\ufffdz",
]


def char_model(outputs):
    chars = sorted({c for o in outputs for c in o})
    vocab = {"[UNK]": 0}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    return models.BPE(vocab=vocab, merges=[], unk_token="[UNK]")


def piece_model(pieces):
    vocab = {"[UNK]": 0}
    for p in pieces:
        vocab.setdefault(p, len(vocab))
    return models.WordLevel(vocab=vocab, unk_token="[UNK]")


def record(name, tok, texts=TEXTS, decode=False):
    # The tokenizer stays a JSON string: the Swift tests feed it to the loader byte for byte.
    case = {"name": name, "tokenizer": tok.to_str(), "encode": []}
    for t in texts:
        ids = tok.encode(t).ids
        entry = {"text": t, "ids": ids}
        if decode:
            entry["decoded"] = tok.decode(ids, skip_special_tokens=True)
            entry["decoded_with_special"] = tok.decode(ids, skip_special_tokens=False)
        case["encode"].append(entry)
    return case


def normalizer_case(name, norm):
    outs = [norm.normalize_str(t) for t in TEXTS]
    tok = Tokenizer(char_model(outs))
    tok.normalizer = norm
    return record(name, tok)


def pretokenizer_case(name, pre, norm=None):
    pieces = []
    for t in TEXTS:
        s = norm.normalize_str(t) if norm else t
        pieces += [p for p, _ in pre.pre_tokenize_str(s)]
    tok = Tokenizer(piece_model(pieces))
    tok.pre_tokenizer = pre
    if norm:
        tok.normalizer = norm
    return record(name, tok)


def trained(model, trainer, pre, norm=None, corpus=None):
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre
    if norm:
        tok.normalizer = norm
    tok.train_from_iterator(corpus or (TEXTS * 3 + ["the quick brown fox jumps over the lazy dog"] * 5), trainer)
    return tok


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []

    # Normalizers
    N = normalizers
    for name, norm in [
        ("bert_default", N.BertNormalizer()),
        ("bert_cased", N.BertNormalizer(lowercase=False)),
        ("bert_keep_accents", N.BertNormalizer(strip_accents=False)),
        ("bert_no_clean_no_chinese", N.BertNormalizer(clean_text=False, handle_chinese_chars=False)),
        ("nfc", N.NFC()), ("nfd", N.NFD()), ("nfkc", N.NFKC()), ("nfkd", N.NFKD()),
        ("lowercase", N.Lowercase()),
        ("strip_both", N.Strip()), ("strip_left", N.Strip(left=True, right=False)),
        ("strip_accents_after_nfd", N.Sequence([N.NFD(), N.StripAccents()])),
        ("replace_string", N.Replace("a", "<A>")),
        ("replace_regex", N.Replace(Regex(r"\s+"), " ")),
        ("replace_regex_spaces", N.Replace(Regex(" {2,}"), " ")),
        ("prepend", N.Prepend("▁")),
        ("nmt", N.Nmt()),
        ("sequence_llama", N.Sequence([N.Prepend("▁"), N.Replace(" ", "▁")])),
    ]:
        cases.append(normalizer_case("normalizer_" + name, norm))

    # Pre-tokenizers
    P = pre_tokenizers
    for name, pre in [
        ("bert", P.BertPreTokenizer()),
        ("whitespace", P.Whitespace()),
        ("whitespace_split", P.WhitespaceSplit()),
        ("punctuation_isolated", P.Punctuation()),
        ("punctuation_removed", P.Punctuation("removed")),
        ("punctuation_merged_previous", P.Punctuation("merged_with_previous")),
        ("punctuation_merged_next", P.Punctuation("merged_with_next")),
        ("punctuation_contiguous", P.Punctuation("contiguous")),
        ("split_regex_isolated", P.Split(Regex(r"\s+|\d"), "isolated")),
        ("split_regex_removed_invert", P.Split(Regex(r"\p{L}+|\p{N}"), "removed", invert=True)),
        ("split_string_merged_next", P.Split(" ", "merged_with_next")),
        ("split_string_contiguous", P.Split("a", "contiguous")),
        ("digits_individual", P.Digits(individual_digits=True)),
        ("digits_runs", P.Digits(individual_digits=False)),
        ("metaspace_always", P.Metaspace()),
        ("metaspace_first", P.Metaspace(prepend_scheme="first")),
        ("metaspace_never", P.Metaspace(prepend_scheme="never")),
        ("metaspace_nosplit", P.Metaspace(split=False)),
        ("bytelevel_prefix", P.ByteLevel(add_prefix_space=True)),
        ("bytelevel_noprefix", P.ByteLevel(add_prefix_space=False)),
        ("bytelevel_noregex", P.ByteLevel(add_prefix_space=False, use_regex=False)),
        ("sequence_ws_digits", P.Sequence([P.WhitespaceSplit(), P.Digits(True), P.Punctuation()])),
    ]:
        cases.append(pretokenizer_case("pretokenizer_" + name, pre))

    # Added tokens: raw and normalized, with lstrip/rstrip/single_word, next to a lowercasing normalizer.
    tok = Tokenizer(piece_model([]))
    tok.normalizer = N.Lowercase()
    tok.pre_tokenizer = P.Whitespace()
    pieces = set()
    texts = TEXTS + ["special [MASK] tokens<mask> here", "x <L>  y <R>  z", "word<W> <W> w<W>w", "UP [Norm] up [norm]",
                     "[MASK][MASK]<mask>", "end <L>"]
    for t in texts:
        pieces.update(p for p, _ in P.Whitespace().pre_tokenize_str(t.lower()))
    tok = Tokenizer(piece_model(sorted(pieces)))
    tok.normalizer = N.Lowercase()
    tok.pre_tokenizer = P.Whitespace()
    tok.add_special_tokens(["[MASK]", AddedToken("<mask>", lstrip=True)])
    tok.add_tokens([AddedToken("<L>", lstrip=True), AddedToken("<R>", rstrip=True),
                    AddedToken("<W>", single_word=True), AddedToken("[norm]", normalized=True)])
    tok.post_processor = processors.TemplateProcessing(single="[MASK] $A <mask>", special_tokens=[("[MASK]", tok.token_to_id("[MASK]")), ("<mask>", tok.token_to_id("<mask>"))])
    cases.append(record("added_tokens", tok, texts=texts, decode=True))

    # Models (trained on the texts so every feature is exercised)
    from tokenizers import trainers
    wp = trained(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=12),
                 trainers.WordPieceTrainer(vocab_size=120, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"]),
                 P.BertPreTokenizer(), N.BertNormalizer())
    wp.post_processor = processors.BertProcessing(("[SEP]", wp.token_to_id("[SEP]")), ("[CLS]", wp.token_to_id("[CLS]")))
    wp.decoder = decoders.WordPiece()
    cases.append(record("model_wordpiece", wp, decode=True))

    # BPE with byte fallback and fused unknowns, SentencePiece/Llama style.
    bpe = trained(models.BPE(unk_token="<unk>", fuse_unk=True, byte_fallback=True),
                  trainers.BpeTrainer(vocab_size=90, special_tokens=["<unk>", "<s>", "</s>"],
                                      initial_alphabet=list("abcdefghijklmnopqrstuvwxyz▁")),
                  P.Metaspace(prepend_scheme="first"))
    spec = json.loads(bpe.to_str())
    vocab = spec["model"]["vocab"]
    for b in range(256):
        vocab.setdefault("<0x%02X>" % b, len(vocab))
    # Drop a few byte tokens so some characters still fall back to <unk> (and fuse).
    for b in (0xE2, 0xF0):
        del vocab["<0x%02X>" % b]
    vocab = {t: i for i, t in enumerate(sorted(vocab, key=vocab.get))}
    spec["model"]["vocab"] = vocab
    spec["added_tokens"] = [dict(a, id=vocab[a["content"]]) for a in spec["added_tokens"]]
    spec["post_processor"] = {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                              "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                              "special_tokens": {"<s>": {"id": "<s>", "ids": [vocab["<s>"]], "tokens": ["<s>"]}}}
    spec["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
        {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    cases.append(record("model_bpe_byte_fallback", Tokenizer.from_str(json.dumps(spec)), decode=True))

    # BPE with a continuing-subword prefix (no unk token: unknown characters vanish).
    bpe2 = trained(models.BPE(continuing_subword_prefix="##"),
                   trainers.BpeTrainer(vocab_size=80, continuing_subword_prefix="##"), P.Whitespace())
    bpe2.decoder = decoders.WordPiece()
    cases.append(record("model_bpe_prefix", bpe2, decode=True))

    # Unigram trained on ASCII only, so other characters are unknown: once with byte fallback, once fused to <unk>.
    ascii_corpus = ["the quick brown fox jumps over the lazy dog", "hello world, don't stop: 123 4.56 (paren) [bracket]",
                    "a dog barking in the distance with ambient traffic noise", "thunder storm with heavy rain"] * 5
    uni = trained(models.Unigram(), trainers.UnigramTrainer(vocab_size=400, special_tokens=["<pad>", "<unk>"], unk_token="<unk>",
                                                            byte_fallback=True),
                  P.Metaspace(), corpus=ascii_corpus)
    uni.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    cases.append(record("model_unigram_byte_fallback", uni, decode=True))
    uni2 = trained(models.Unigram(), trainers.UnigramTrainer(vocab_size=80, special_tokens=["<unk>"], unk_token="<unk>"),
                   P.Metaspace(), norm=N.Lowercase(), corpus=ascii_corpus)
    uni2.decoder = decoders.Metaspace()
    cases.append(record("model_unigram", uni2, decode=True))

    # Byte-level BPE (GPT-2/RoBERTa) with the ByteLevel decoder.
    bl = trained(models.BPE(), trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "</s>", "<pad>"],
                                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
                 P.ByteLevel(add_prefix_space=True))
    bl.decoder = decoders.ByteLevel()
    bl.post_processor = processors.RobertaProcessing(("</s>", bl.token_to_id("</s>")), ("<s>", bl.token_to_id("<s>")))
    cases.append(record("model_bytelevel_bpe", bl, decode=True))

    # Padding and truncation as declared in the file.
    batch_cases = []
    batch_texts = ["Hello, World!", "a much longer sentence that will need truncating for sure", "", "short one"]
    for name, pad, trunc in [
        ("right_longest", dict(), None),
        ("left_fixed", dict(direction="left", length=12), None),
        ("multiple_of", dict(pad_to_multiple_of=8), None),
        ("truncate_right", dict(), dict(max_length=6)),
        ("truncate_left_pad_fixed", dict(length=7), dict(max_length=7, direction="left")),
    ]:
        t = Tokenizer.from_str(wp.to_str())
        t.enable_padding(pad_id=wp.token_to_id("[PAD]"), pad_token="[PAD]", **pad)
        if trunc:
            t.enable_truncation(**trunc)
        enc = t.encode_batch(batch_texts)
        batch_cases.append({"name": name, "tokenizer": t.to_str(), "texts": batch_texts,
                            "ids": [e.ids for e in enc], "attention_mask": [e.attention_mask for e in enc]})

    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases, "batch": batch_cases}, f, ensure_ascii=False, indent=None)
    print("wrote", len(cases), "cases and", len(batch_cases), "batch cases")

    precompiled_case()
    random_probes()


def random_probes():
    """Random mixes of ASCII, accents, combining marks, odd spaces, controls, CJK, emoji and special-token
    spellings, encoded and decoded by the fixtures' real tokenizers (MiniLM from the setup download)."""
    import random
    rng = random.Random(7)
    pool = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 3
            + list(" \t\n\r  ,.!?'\"-()[]{}<>/\\@#$%^&*_+=~`|;:") * 2 + list("éèêëàâäçñøåÅæœßÉÀ")
            + ["e\u0301", "A\u030a", "\u00a0", "\u2003", "\u3000", "\u200b", "\u200d", "\ufeff", "\u0085", "\u2028",
               "\x00", "\x01", "\x7f", "\ufffd", "日", "本", "語", "中", "文", "한", "국", "ア", "イ", "ｱ", "Ａ", "１", "½", "²",
               "Ⅻ", "ﬁ", "ﬀ", "™", "℃", "—", "–", "…", "“", "”", "‘", "’", "☃", "👍", "🏽", "👨", "😀", "🇫🇷", "Σ", "σ",
               "ς", "İ", "ı", "Ω", "Ж", "ж", "א", "ب", "ह", "ि", "ก", "่", "▁", "Ġ", "<s>", "</s>", "<mask>", "<pad>", "[CLS]",
               "[SEP]", "[MASK]", "[UNK]", "<|endoftext|>", "<|startoftext|>", "'s", "'ll", "'RE"])
    texts = ["".join(rng.choice(pool) for _ in range(rng.choice([1, 3, 8, 20, 60]))) for _ in range(200)]
    fixtures = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures")
    home = os.environ.get("FOLEY_HOME") or os.path.expanduser("~/.cache/foley")
    out = {"texts": texts}
    for name, path in [("minilm", os.path.join(home, "models", "all-MiniLM-L6-v2", "tokenizer.json")),
                       ("t5_encoder", os.path.join(fixtures, "t5_encoder", "tokenizer.json")),
                       ("clap_text", os.path.join(fixtures, "audioldm_pipeline", "model", "tokenizer", "tokenizer.json")),
                       ("clip_tokenizer", os.path.join(fixtures, "clip_tokenizer", "tokenizer.json"))]:
        tok = Tokenizer.from_file(path)
        tok.no_padding()
        tok.no_truncation()
        ids = [tok.encode(t).ids for t in texts]
        decoded = [tok.decode(i) for i in ids]
        if name == "clip_tokenizer":  # transformers' CLIPTokenizer post-processes the decoded text
            decoded = [d.replace("</w>", " ").strip() for d in decoded]
        out[name] = {"ids": ids, "decoded": decoded}
    with open(os.path.join(OUT, "random_probes.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    print("wrote random probes")


def precompiled_case():
    """A real SentencePiece nmt_nfkc charsmap (as in T5's tokenizer.json), in a tiny Unigram tokenizer."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb
    corpus = ["a dog barking in the distance", "thunder storm with heavy rain on a tin roof", "birds singing in the morning"] * 20
    blob = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_writer=blob, vocab_size=60, model_type="unigram",
                                   normalization_rule_name="nmt_nfkc", minloglevel=2, hard_vocab_limit=False)
    m = pb.ModelProto()
    m.ParseFromString(blob.getvalue())
    norm = normalizers.Sequence([normalizers.Precompiled(m.normalizer_spec.precompiled_charsmap),
                                 normalizers.Replace(Regex(" {2,}"), " ")])
    texts = TEXTS + ["Ⅷ ㍿ ﾃｽﾄ ＡＢＣ", "\u3000ideographic\u3000space", "a\u00adsoft hyphen", "ǅ ǈ ﬀ ﬃ ℃ ™", "\u1100\u1161\u11a8 한국어"]
    outs = [norm.normalize_str(t) for t in texts]
    tok = Tokenizer(char_model(outs))
    tok.normalizer = norm
    case = record("normalizer_precompiled_nmt_nfkc", tok, texts=texts)
    with open(os.path.join(OUT, "precompiled.json"), "w", encoding="utf-8") as f:
        json.dump(case, f, ensure_ascii=False)
    print("wrote precompiled case")


if __name__ == "__main__":
    main()
