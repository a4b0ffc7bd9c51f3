#!/usr/bin/env python3
"""Build extra Hugging Face reference fixtures for ALBERT configs beyond shared/fixtures/hf/albert-tiny.

Usage: make_extra_fixtures.py OUTDIR [--inputs DIR]

Follows shared/fixtures/tools/make_hf_fixtures.py (same random init, same perturbation, same
reference.json / reference.safetensors layout), with these differences:
  * the classifier checkpoint lies directly in OUTDIR/<name>/ (config.json + model.safetensors);
    an MLM checkpoint, where the config has one, in OUTDIR/<name>/mlm/;
  * no spiece.model and no tokenizer files are written (tests copy the shared spiece.model in);
  * max_length is 24, so the longer cases are truncated;
  * reference.json has two extra keys: "hidden_state_sources" (which module produced each
    recorded hidden state, found with forward hooks) and "versions".
It also writes OUTDIR/tokenizer_cases.json: hard tokenizer cases in the per-case format of
reference.json ("text", "text_pair"?, "max_length", "input_ids", "token_type_ids", "tokens").

DIR (default: <repo>/.fixture-inputs, else <repo>/../shared/fixtures/tools) must hold
spiece_tiny.model and sentences.json. Needs torch, transformers (5.x), sentencepiece/tokenizers,
safetensors. Everything is computed on the CPU in fp32.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

COMMON = dict(vocab_size=3000, embedding_size=32, hidden_size=64, num_attention_heads=4,
              intermediate_size=128, max_position_embeddings=64, max_len=24)

CONFIGS = {
    "albert-groups": dict(COMMON, num_hidden_layers=6, num_hidden_groups=3, inner_group_num=2,
                          hidden_act="gelu", num_labels=3, seed=2, mlm=False),
    "albert-relu": dict(COMMON, num_hidden_layers=4, num_hidden_groups=2, inner_group_num=1,
                        hidden_act="relu", num_labels=2, seed=3, mlm=False),
    "albert-silu-reg": dict(COMMON, num_hidden_layers=3, num_hidden_groups=1, inner_group_num=3,
                            hidden_act="silu", num_labels=1, problem_type="regression", seed=4,
                            mlm=False),
    "albert-gelu-mlm": dict(COMMON, num_hidden_layers=2, num_hidden_groups=2, inner_group_num=1,
                            hidden_act="gelu_new", num_labels=2, layer_norm_eps=1e-5, seed=5,
                            mlm=True),
}

TOK_DEFAULT_MAX = 64

NOTE = ("hidden.0 is the embedding output projected to hidden size; hidden.l (l >= 1) is the output "
        "of the l-th AlbertLayer call: transformers 5 records every inner-group layer, so there are "
        "1 + num_hidden_layers * inner_group_num hidden states (see hidden_state_sources)")


# ----------------------------------------------------------------------------------------------
# tokenizer cases (pure python given a tokenizer object; testable without torch)

def ntok(tok, text):
    """Number of pieces of text, without special tokens."""
    return len(tok(text, add_special_tokens=False)["input_ids"])


def equalize(tok, a, b):
    """Drop trailing words of the longer text until both have the same number of pieces."""
    wa, wb = a.split(" "), b.split(" ")
    for _ in range(200):
        na, nb = ntok(tok, " ".join(wa)), ntok(tok, " ".join(wb))
        if na == nb:
            return " ".join(wa), " ".join(wb)
        if na > nb:
            wa = wa[:-1]
        else:
            wb = wb[:-1]
        if not wa or not wb:
            break
    raise RuntimeError("could not equalize %r / %r" % (a, b))


def tokenizer_case_specs(tok):
    """(text, text_pair or None, max_length) for the hard tokenizer cases."""
    M = TOK_DEFAULT_MAX
    singles = [
        # consecutive unknown characters
        "——", "“”", "a——b “x” c", "I love it 😀😀!", "👍🏽 ok 🇯🇵", "東京", "東京 tower in 日本",
        # fullwidth / compatibility forms (NFKD)
        "ＡＢＣ１２３", "１２３，４５６", "½ ① x² Ⅻ", "𝐀𝐁𝐂 bold", "Å angstrom and µ micro", "ｶﾀｶﾅ",
        "ǅ and Ǆ", "ﬁne ﬁsh", "ﬃ", "hello… world",
        # spaces
        "a\u00a0b", "a\u3000b", "a\u200bb", "a\u200db", "a\u2028b", "a\u00adb", "\ufeffbom at start",
        "tab\there\nnew line\r\ncarriage\rreturn", "a  b   c", "  leading", "trailing  ", " ", "\t\n",
        # accents and case
        "e\u0301", "cafe\u0301 au lait", "\u0301 starts with a combining mark", "ÀÉÎÕÜ precomposed",
        "İstanbul", "ı dotless", "Straße", "STRASSE ẞ", "ΣΑΣ", "HELLO World",
        "naïve café", "‘single’ quotes",
        # special-token lookalikes (added tokens are matched before normalisation)
        "[MASK]", "the [MASK] is here", "[mask] lower", "[CLS] inside", "[SEP]", "<pad>", "<unk>",
        "▁ literal metaspace",
        # pieces added as extra special tokens in the shared tokenizer: ( ) - . – £ €
        "a(b)c", "(hello)", "x–y", "£5 and €6", "€€€ £", "e-mail", "-5 - 3 – 2 — 1", "3.14", "e.g.",
        "u.s.a.", "...",
        # quotes: `` and '' are replaced by "
        "``quoted''", "''", "--", "\"double\"", "don't", "''quoted''",
        # misc
        "a\u0007b", "supercalifragilisticexpialidocious", "!!!???",
        "http://example.com/a?b=c&d=e", "مرحبا", "नमस्ते", "한국어", "ภาษาไทย",
    ]
    specs = [(s, None, M) for s in singles]
    long300 = ("the quick brown fox jumps over the lazy dog while a naive crowd watches; " * 5)[:300]
    assert len(long300) == 300
    specs.append((long300, None, 16))
    specs.append(("hello world again and again", None, 3))
    specs.append(("hello world", None, 2))

    long_a = ("the movie was a charming and often affecting journey that kept going "
              "long after the credits rolled over the quiet town")
    long_b = ("he said the food service business does not fit the company plan for "
              "long term growth in any of the markets it serves today")
    ea, eb = equalize(tok, long_a, long_b)
    specs += [(ea, eb, 15), (ea, eb, 16), (ea, eb, 17)]           # equal lengths, odd/even budgets
    specs += [(long_a, "short one", 16), ("short one", long_b, 16)]  # long first / long second
    specs += [(long_a, long_b, 15), (long_a, long_b, 16)]           # unequal long pair
    specs += [("a b c d e f", long_b, 15)]                          # first shorter than half budget
    fa, fb = "a man is playing a flute.", "a man is playing a guitar."
    exact = ntok(tok, fa) + ntok(tok, fb) + 3
    specs += [(fa, fb, exact), (fa, fb, exact - 1), (fa, fb, exact - 2)]  # exactly fitting, 1 and 2 over
    specs += [("", "hello world", M), ("hello world", "", M), ("", "", M),
              ("", long_b, 16), (long_a, "", 16)]
    specs += [("a(b)", "c-d", M), ("[MASK] here", "and [SEP] there", M), (long_a, long_b, 5)]
    return specs


def make_tokenizer_cases(tok, specs):
    cases, failed = [], []
    for text, pair, ml in specs:
        try:
            enc = tok(text, pair, truncation=True, max_length=ml, return_token_type_ids=True)
        except Exception as e:  # keep going: one odd case must not cost the device run
            failed.append(dict(text=text, text_pair=pair, max_length=ml, error=repr(e)))
            continue
        ids = list(enc["input_ids"])
        case = {"text": text}
        if pair is not None:
            case["text_pair"] = pair
        case.update(max_length=ml, input_ids=ids, token_type_ids=list(enc["token_type_ids"]),
                    tokens=tok.convert_ids_to_tokens(ids))
        cases.append(case)
    return cases, failed


# ----------------------------------------------------------------------------------------------
# models and references (needs torch + transformers)

def find_inputs(arg):
    cands = [arg] if arg else [os.path.join(REPO, ".fixture-inputs"),
                               os.path.join(REPO, "..", "shared", "fixtures", "tools")]
    for d in cands:
        if d and os.path.isfile(os.path.join(d, "spiece_tiny.model")) and \
                os.path.isfile(os.path.join(d, "sentences.json")):
            return os.path.abspath(d)
    sys.exit("inputs (spiece_tiny.model, sentences.json) not found in: %s" % cands)


def build_tokenizer(inputs):
    from transformers import AlbertTokenizer
    tokdir = tempfile.mkdtemp(prefix="albert-tok-")
    try:
        shutil.copy(os.path.join(inputs, "spiece_tiny.model"), os.path.join(tokdir, "spiece.model"))
        json.dump({"do_lower_case": True, "remove_space": True, "keep_accents": False,
                   "tokenizer_class": "AlbertTokenizer"},
                  open(os.path.join(tokdir, "tokenizer_config.json"), "w"))
        tok = AlbertTokenizer.from_pretrained(tokdir)
    finally:
        shutil.rmtree(tokdir, ignore_errors=True)
    print("tokenizer:", type(tok).__name__, "is_fast:", getattr(tok, "is_fast", None))
    return tok


def first_tensor(out):
    if isinstance(out, (tuple, list)):
        out = out[0]
    if hasattr(out, "last_hidden_state"):
        out = out.last_hidden_state
    return out


def trace_hidden_sources(torch, albert, enc):
    """Which module call produced each entry of output_hidden_states (matched by exact equality)."""
    records, hooks = [], []
    counts = {}

    def mk(tag):
        def hook(mod, inp, out):
            t = first_tensor(out)
            if torch.is_tensor(t):
                counts[tag] = counts.get(tag, 0) + 1
                records.append(("%s#%d" % (tag, counts[tag]), t.detach().clone()))
        return hook

    e = albert.encoder
    try:
        hooks.append(albert.embeddings.register_forward_hook(mk("embeddings")))
        hooks.append(e.embedding_hidden_mapping_in.register_forward_hook(mk("embedding_hidden_mapping_in")))
        for gi, g in enumerate(e.albert_layer_groups):
            hooks.append(g.register_forward_hook(mk("group%d" % gi)))
            for li, layer in enumerate(g.albert_layers):
                hooks.append(layer.register_forward_hook(mk("group%d.layer%d" % (gi, li))))
        with torch.no_grad():
            out = albert(**enc, output_hidden_states=True)
    finally:
        for h in hooks:
            h.remove()
    sources = []
    for hs in out.hidden_states:
        m = [tag for tag, t in records if t.shape == hs.shape and torch.equal(t, hs)]
        sources.append(" = ".join(m) if m else "?")
    return sources


def build(name, c, tok, sents, outdir, torch, tf):
    from safetensors.torch import save_file
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(c["seed"])
    extra = {}
    if "layer_norm_eps" in c:
        extra["layer_norm_eps"] = c["layer_norm_eps"]
    if "problem_type" in c:
        extra["problem_type"] = c["problem_type"]
    cfg = tf.AlbertConfig(vocab_size=c["vocab_size"], embedding_size=c["embedding_size"],
        hidden_size=c["hidden_size"], num_attention_heads=c["num_attention_heads"],
        intermediate_size=c["intermediate_size"], num_hidden_layers=c["num_hidden_layers"],
        num_hidden_groups=c["num_hidden_groups"], inner_group_num=c["inner_group_num"],
        hidden_act=c["hidden_act"], max_position_embeddings=c["max_position_embeddings"],
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, classifier_dropout_prob=0.0,
        num_labels=c["num_labels"], initializer_range=0.2, **extra)
    cls = tf.AlbertForSequenceClassification(cfg).eval().to("cpu")
    # perturb LayerNorm params and biases so they are not trivially 1/0 (as the shared script)
    with torch.no_grad():
        for n, p in cls.named_parameters():
            if "LayerNorm" in n or n.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    cls.save_pretrained(d, safe_serialization=True)
    mlm = None
    if c["mlm"]:
        mlm = tf.AlbertForMaskedLM(cfg).eval().to("cpu")
        mlm.albert.load_state_dict(cls.albert.state_dict(), strict=False)
        with torch.no_grad():
            for n, p in mlm.predictions.named_parameters():
                p.add_(0.1 * torch.randn_like(p))
        mlm.save_pretrained(os.path.join(d, "mlm"), safe_serialization=True)
        try:
            sd_c, sd_m = cls.albert.state_dict(), mlm.albert.state_dict()
            diffs = {k: (sd_m[k] - sd_c[k]).abs().max().item() for k in sd_m
                     if k in sd_c and sd_m[k].dtype.is_floating_point}
            print("  %s: mlm vs cls backbone, tensors that differ: %s" % (
                name, {k: "%.3g" % v for k, v in diffs.items() if v > 0} or "none"))
            print("  %s: decoder.weight tied to word_embeddings: %s" % (
                name, mlm.predictions.decoder.weight.data_ptr()
                == mlm.albert.embeddings.word_embeddings.weight.data_ptr()))
            print("  %s: eps embeddings=%g layer=%g mlm-head LayerNorm=%g" % (
                name, mlm.albert.embeddings.LayerNorm.eps,
                mlm.albert.encoder.albert_layer_groups[0].albert_layers[0].full_layer_layer_norm.eps,
                mlm.predictions.LayerNorm.eps))
        except Exception as e:
            print("  %s: mlm diagnostics failed: %r" % (name, e))

    cases = [{"text": s} for s in sents["single"]] + \
            [{"text": a, "text_pair": b} for a, b in sents["pair"]]
    tensors, meta = {}, []
    sources = None
    checks = []
    for i, case in enumerate(cases):
        enc = tok(case["text"], case.get("text_pair"), truncation=True, max_length=c["max_len"],
                  return_tensors="pt", return_token_type_ids=True)
        with torch.no_grad():
            out = cls(**enc, output_hidden_states=True)
            base = cls.albert(**enc, output_hidden_states=True)
            mo = mlm(**enc) if mlm is not None else None
        if sources is None:
            try:
                sources = trace_hidden_sources(torch, cls.albert, enc)
            except Exception as e:
                print("  %s: tracing hidden-state sources failed: %r" % (name, e))
                sources = []
        meta.append(dict(case, max_length=c["max_len"], input_ids=enc["input_ids"][0].tolist(),
                         token_type_ids=enc["token_type_ids"][0].tolist(),
                         tokens=tok.convert_ids_to_tokens(enc["input_ids"][0])))
        for l, h in enumerate(out.hidden_states):
            tensors["case%d.hidden.%d" % (i, l)] = h[0].contiguous()
        tensors["case%d.pooled" % i] = base.pooler_output[0].contiguous()
        tensors["case%d.logits" % i] = out.logits[0].contiguous()
        if mo is not None:
            tensors["case%d.mlm_logits" % i] = mo.logits[0].contiguous()
        checks.append((out.hidden_states[-1] - base.last_hidden_state).abs().max().item())
    print("  %s: max|hidden[-1] - last_hidden_state| over cases = %.3g" % (name, max(checks)))

    enc = tok(sents["single"], padding=True, truncation=True, max_length=c["max_len"],
              return_tensors="pt", return_token_type_ids=True)
    with torch.no_grad():
        out = cls(**enc, output_hidden_states=True)
    tensors["batch.input_ids"] = enc["input_ids"].to(torch.int64).contiguous()
    tensors["batch.attention_mask"] = enc["attention_mask"].to(torch.int64).contiguous()
    tensors["batch.logits"] = out.logits.contiguous()
    tensors["batch.last_hidden"] = out.hidden_states[-1].contiguous()
    # the batch must agree with the per-case runs on the unpadded positions
    bd = 0.0
    for b in range(enc["input_ids"].shape[0]):
        n = int(enc["attention_mask"][b].sum())
        bd = max(bd, (out.hidden_states[-1][b, :n] - tensors["case%d.hidden.%d" % (b, len(out.hidden_states) - 1)][:n]).abs().max().item(),
                 (out.logits[b] - tensors["case%d.logits" % b]).abs().max().item())
    print("  %s: batch vs per-case max|diff| = %.3g" % (name, bd))
    for k in list(tensors):
        if tensors[k].dtype.is_floating_point:
            assert tensors[k].dtype == torch.float32, k
            assert torch.isfinite(tensors[k]).all(), k
    save_file(tensors, os.path.join(d, "reference.safetensors"))

    nh = len(out.hidden_states)
    json.dump({"config": name, "cases": meta, "hidden_states": nh,
               "note": NOTE,
               "hidden_state_sources": sources,
               "versions": {"transformers": tf.__version__, "torch": torch.__version__,
                            "attn_implementation": getattr(cls.config, "_attn_implementation", None)}},
              open(os.path.join(d, "reference.json"), "w"), indent=1, ensure_ascii=False)
    # reload the saved checkpoints and check they reproduce the references
    try:
        enc0 = tok(cases[-1]["text"], cases[-1].get("text_pair"), truncation=True,
                   max_length=c["max_len"], return_tensors="pt", return_token_type_ids=True)
        i0 = len(cases) - 1
        re_cls = tf.AlbertForSequenceClassification.from_pretrained(d).eval().to("cpu")
        with torch.no_grad():
            r = re_cls(**enc0, output_hidden_states=True)
        print("  %s: reloaded cls max|logits diff| = %.3g, last hidden diff = %.3g" % (
            name, (r.logits[0] - tensors["case%d.logits" % i0]).abs().max().item(),
            (r.hidden_states[-1][0] - tensors["case%d.hidden.%d" % (i0, len(r.hidden_states) - 1)]).abs().max().item()))
        if mlm is not None:
            re_mlm = tf.AlbertForMaskedLM.from_pretrained(os.path.join(d, "mlm")).eval().to("cpu")
            with torch.no_grad():
                r = re_mlm(**enc0)
            print("  %s: reloaded mlm max|mlm_logits diff| = %.3g" % (
                name, (r.logits[0] - tensors["case%d.mlm_logits" % i0]).abs().max().item()))
    except Exception as e:
        print("  %s: reload check failed: %r" % (name, e))
    print("  %s: hidden_states=%d (num_hidden_layers=%d, inner_group_num=%d)" % (
        name, nh, c["num_hidden_layers"], c["inner_group_num"]))
    for l, s in enumerate(sources):
        print("    hidden.%d <- %s" % (l, s))
    print("  %s: files %s" % (name, sorted(os.path.relpath(os.path.join(r_, f), d)
                                           for r_, _, fs in os.walk(d) for f in fs)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--inputs", default=None, help="folder with spiece_tiny.model and sentences.json")
    args = ap.parse_args()
    inputs = find_inputs(args.inputs)
    import torch
    import transformers as tf
    torch.use_deterministic_algorithms(True, warn_only=True)
    print("transformers", tf.__version__, "torch", torch.__version__, "inputs", inputs)
    sents = json.load(open(os.path.join(inputs, "sentences.json")))
    os.makedirs(args.outdir, exist_ok=True)
    tok = build_tokenizer(inputs)

    specs = tokenizer_case_specs(tok)
    tcases, failed = make_tokenizer_cases(tok, specs)
    json.dump({"spiece": "spiece_tiny.model", "cases": tcases},
              open(os.path.join(args.outdir, "tokenizer_cases.json"), "w"), indent=1, ensure_ascii=False)
    print("tokenizer cases: %d written, %d failed" % (len(tcases), len(failed)))
    for f in failed:
        print("  FAILED", json.dumps(f, ensure_ascii=False))

    errors = 0
    for name, c in CONFIGS.items():
        print("== building", name)
        try:
            build(name, c, tok, sents, args.outdir, torch, tf)
        except Exception:
            import traceback
            traceback.print_exc()
            errors += 1
    for case in tcases:
        print(json.dumps(case["text"], ensure_ascii=False),
              json.dumps(case.get("text_pair"), ensure_ascii=False) if "text_pair" in case else "",
              case["max_length"], " ".join(case["tokens"]))
    print("done, %d config(s) failed" % errors)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
