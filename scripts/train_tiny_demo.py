#!/usr/bin/env python3
"""Trains the interim demo model models/albert-tiny-sst2 from scratch on GLUE SST-2.

A 4-layer (one shared group), 256-wide ALBERT with a 4000-piece SentencePiece vocabulary, trained as
AlbertForSequenceClassification on SST-2 train only; SST-2 dev is used to pick the best epoch and
to report accuracy (GLUE's test split has no labels). Needs a CUDA GPU, torch, transformers (>= 5),
sentencepiece and safetensors. Driven by scripts/make-tiny-demo-model.sh (step "train").

Token ids: the canonical ALBERT ("slow" AlbertTokenizer) recipe, computed with the sentencepiece
library on spiece.model: collapse whitespace, `` and '' -> ", NFKD and drop combining marks, lower
case, SentencePiece encode, split "<digit>," pieces, then [CLS] ... [SEP]. This is what the C++
engine implements. The transformers tokenizer built from the same spiece.model is loaded too and
its agreement with these ids is measured and logged.

Writes OUT/model/{config.json, model.safetensors, dev_predictions.json} and OUT/train_log.txt.
"""
import argparse
import copy
import csv
import json
import math
import os
import random
import shutil
import sys
import time
import traceback
import unicodedata

import numpy as np
import sentencepiece as spm
import torch

import transformers
from transformers import AlbertConfig, AlbertForSequenceClassification

SPIECE_UNDERLINE = "\u2581"
ID2LABEL = {0: "negative", 1: "positive"}
LABEL2ID = {"negative": 0, "positive": 1}
SIZE_LIMIT = 3 * 1000 * 1000  # whole model directory, bytes

LOG = None


def log(*a):
    msg = " ".join(str(x) for x in a)
    print(msg, flush=True)
    if LOG is not None:
        LOG.write(msg + "\n")
        LOG.flush()


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        si, li = header.index("sentence"), header.index("label")
        rows = [(r[si], int(r[li])) for r in reader]
    return rows


class RefTokenizer:
    """The slow transformers AlbertTokenizer's algorithm (do_lower_case, remove_space, no accents)."""

    def __init__(self, model_file):
        self.sp = spm.SentencePieceProcessor()
        self.sp.Load(model_file)
        self.cls_id = self.sp.PieceToId("[CLS]")
        self.sep_id = self.sp.PieceToId("[SEP]")
        self.pad_id = self.sp.PieceToId("<pad>")
        assert (self.pad_id, self.sp.PieceToId("<unk>"), self.cls_id, self.sep_id,
                self.sp.PieceToId("[MASK]")) == (0, 1, 2, 3, 4), "special ids"

    @staticmethod
    def preprocess(text):
        out = " ".join(text.strip().split())
        out = out.replace("``", '"').replace("''", '"')
        out = unicodedata.normalize("NFKD", out)
        out = "".join(c for c in out if not unicodedata.combining(c))
        return out.lower()

    def pieces(self, text):
        pieces = self.sp.EncodeAsPieces(self.preprocess(text))
        new = []
        for p in pieces:
            if len(p) > 1 and p[-1] == "," and p[-2].isdigit():
                cur = self.sp.EncodeAsPieces(p[:-1].replace(SPIECE_UNDERLINE, ""))
                if p[0] != SPIECE_UNDERLINE and cur[0][0] == SPIECE_UNDERLINE:
                    if len(cur[0]) == 1:
                        cur = cur[1:]
                    else:
                        cur[0] = cur[0][1:]
                cur.append(p[-1])
                new.extend(cur)
            else:
                new.append(p)
        return new

    def encode(self, text, max_length):
        ids = [self.sp.PieceToId(p) for p in self.pieces(text)]
        return [self.cls_id] + ids[: max_length - 2] + [self.sep_id]


def check_hf_tokenizer(spm_file, ref, texts, max_length):
    """Loads transformers' AlbertTokenizer from spiece.model and measures agreement with `ref`."""
    report = {}
    tmpdir = "/tmp/tiny_demo_tok"
    os.makedirs(tmpdir, exist_ok=True)
    shutil.copy(spm_file, os.path.join(tmpdir, "spiece.model"))
    with open(os.path.join(tmpdir, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "keep_accents": False, "remove_space": True,
                   "tokenizer_class": "AlbertTokenizer"}, f)
    candidates = []
    try:
        from transformers import AlbertTokenizer
        t = AlbertTokenizer(vocab_file=spm_file, do_lower_case=True, keep_accents=False)
        candidates.append(("AlbertTokenizer(vocab_file=...)", t))
    except Exception as e:  # noqa: BLE001
        report["AlbertTokenizer(vocab_file=...)"] = f"failed: {type(e).__name__}: {e}"
    try:
        from transformers import AutoTokenizer
        t = AutoTokenizer.from_pretrained(tmpdir)
        candidates.append(("AutoTokenizer.from_pretrained(dir)", t))
    except Exception as e:  # noqa: BLE001
        report["AutoTokenizer.from_pretrained(dir)"] = f"failed: {type(e).__name__}: {e}"
    for name, t in candidates:
        try:
            n = len(t)
            same = 0
            examples = []
            for s in texts:
                a = t(s, truncation=True, max_length=max_length)["input_ids"]
                b = ref.encode(s, max_length)
                if list(a) == b:
                    same += 1
                elif len(examples) < 3:
                    examples.append({"text": s, "hf": list(a)[:20], "ref": b[:20]})
            report[name] = {"class": type(t).__name__, "len": n, "agree": same, "of": len(texts),
                            "examples": examples}
        except Exception as e:  # noqa: BLE001
            report[name] = f"failed while encoding: {type(e).__name__}: {e}"
    return report


def pad_batch(seqs, device):
    n = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), n), dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids.to(device), mask.to(device)


@torch.no_grad()
def predict(model, seqs, device, batch=256):
    model.eval()
    out = []
    for i in range(0, len(seqs), batch):
        ids, mask = pad_batch(seqs[i : i + batch], device)
        out.append(model(input_ids=ids, attention_mask=mask).logits.float().cpu())
    return torch.cat(out)


def accuracy(logits, labels):
    return float((logits.argmax(-1) == torch.tensor(labels)).float().mean())


def make_config(args):
    return AlbertConfig(
        vocab_size=4000,
        embedding_size=64,
        hidden_size=256,
        num_hidden_layers=4,
        num_hidden_groups=1,
        num_attention_heads=4,
        intermediate_size=512,
        inner_group_num=1,
        hidden_act="gelu_new",
        hidden_dropout_prob=args.dropout,
        attention_probs_dropout_prob=args.dropout,
        classifier_dropout_prob=0.1,
        max_position_embeddings=128,
        type_vocab_size=2,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=3,
        num_labels=2,
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
    )


def train_one(args, lr, train_ids, train_y, dev_ids, dev_y, device, deadline):
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    config = make_config(args)
    model = AlbertForSequenceClassification(config).to(device)
    nparams = sum(p.numel() for p in model.parameters())
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if (p.ndim < 2 or "LayerNorm" in n or n.endswith(".bias")) else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.98), eps=1e-6)
    steps_per_epoch = math.ceil(len(train_ids) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warmup = int(0.06 * total)

    def lr_lambda(step):
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    g = torch.Generator().manual_seed(args.seed)
    y_all = torch.tensor(train_y)
    best = {"acc": -1.0, "epoch": 0, "state": None}
    history = []
    t0 = time.time()
    step = 0
    stopped_early = False
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(len(train_ids), generator=g).tolist()
        tot_loss, nb = 0.0, 0
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch_size : (b + 1) * args.batch_size]
            ids, mask = pad_batch([train_ids[i] for i in idx], device)
            y = y_all[idx].to(device)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                out = model(input_ids=ids, attention_mask=mask)
            loss = torch.nn.functional.cross_entropy(out.logits.float(), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            tot_loss += loss.item()
            nb += 1
            if not math.isfinite(loss.item()):
                log(f"  non-finite loss at step {step}; stopping this run")
                stopped_early = True
                break
            if time.time() > deadline:
                stopped_early = True
                break
        dev_logits = predict(model, dev_ids, device)  # fp32, no autocast
        acc = accuracy(dev_logits, dev_y)
        history.append({"epoch": epoch, "steps": step, "train_loss": tot_loss / max(1, nb),
                        "dev_acc": acc, "elapsed_s": round(time.time() - t0, 1)})
        log(f"  lr={lr:g} epoch {epoch}: steps {step} train_loss {tot_loss / max(1, nb):.4f} "
            f"dev_acc {acc:.4f} ({time.time() - t0:.1f}s)")
        if acc > best["acc"]:
            best = {"acc": acc, "epoch": epoch,
                    "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
        if stopped_early:
            log(f"  stopped early (time budget or divergence) after epoch {epoch}")
            break
    return {"lr": lr, "params": nparams, "history": history, "best": best,
            "train_s": round(time.time() - t0, 1), "stopped_early": stopped_early,
            "config": config}


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder with SST-2 train.tsv and dev.tsv")
    ap.add_argument("--spm", required=True, help="spiece.model")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--alt-lr", type=float, default=5e-4,
                    help="second run with this lr if time allows (0: none); best dev acc kept")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--time-budget", type=float, default=240.0, help="seconds for all training")
    args = ap.parse_args()

    os.makedirs(os.path.join(args.out, "model"), exist_ok=True)
    LOG = open(os.path.join(args.out, "train_log.txt"), "w")
    t_start = time.time()
    log("argv:", " ".join(sys.argv))
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, "
        f"sentencepiece {spm.__version__}, python {sys.version.split()[0]}")
    assert torch.cuda.is_available(), "needs a CUDA GPU"
    device = torch.device("cuda")
    log("device:", torch.cuda.get_device_name(0))

    train = read_tsv(os.path.join(args.data, "train.tsv"))
    dev = read_tsv(os.path.join(args.data, "dev.tsv"))
    log(f"SST-2: train {len(train)} sentences, dev {len(dev)} sentences")
    ref = RefTokenizer(args.spm)
    t = time.time()
    train_ids = [ref.encode(s, args.max_length) for s, _ in train]
    dev_ids = [ref.encode(s, args.max_length) for s, _ in dev]
    train_y = [y for _, y in train]
    dev_y = [y for _, y in dev]
    lens = np.array([len(x) for x in train_ids])
    n_unk = sum(x.count(1) for x in train_ids + dev_ids)
    log(f"tokenized in {time.time() - t:.1f}s: train len mean {lens.mean():.1f} max {lens.max()} "
        f"truncated {(lens >= args.max_length).sum()}; <unk> pieces in train+dev: {n_unk}")

    t = time.time()
    tok_report = check_hf_tokenizer(args.spm, ref, [s for s, _ in dev] + [s for s, _ in train],
                                    args.max_length)
    log(f"transformers tokenizer check ({time.time() - t:.1f}s):",
        json.dumps(tok_report, ensure_ascii=False))

    deadline = time.time() + args.time_budget
    runs = [train_one(args, args.lr, train_ids, train_y, dev_ids, dev_y, device, deadline)]
    first_s = runs[0]["train_s"]
    if args.alt_lr > 0 and time.time() + first_s * 1.1 < deadline:
        runs.append(train_one(args, args.alt_lr, train_ids, train_y, dev_ids, dev_y, device,
                              deadline))
    elif args.alt_lr > 0:
        log(f"skipping the lr={args.alt_lr:g} run: not enough time left")
    for r in runs:
        log(f"run lr={r['lr']:g}: best dev acc {r['best']['acc']:.4f} at epoch {r['best']['epoch']}"
            f", {r['train_s']}s, params {r['params']}")
    chosen = max(runs, key=lambda r: r["best"]["acc"])
    log(f"chosen: lr={chosen['lr']:g} epoch {chosen['best']['epoch']} "
        f"dev acc (fp32 weights, GPU) {chosen['best']['acc']:.4f}")

    # Save: fp32 first; fp16 storage if the directory would exceed the limit.
    model = AlbertForSequenceClassification(chosen["config"])
    model.load_state_dict(chosen["best"]["state"])
    model.eval()
    mdir = os.path.join(args.out, "model")
    spm_size = os.path.getsize(args.spm)

    def save(m, d):
        if os.path.isdir(d):
            shutil.rmtree(d)
        try:
            try:
                m.save_pretrained(d, safe_serialization=True)
            except TypeError:
                m.save_pretrained(d)
        except Exception:  # noqa: BLE001  (fallback: same tensor names, written directly)
            log("save_pretrained failed, writing safetensors directly:\n" + traceback.format_exc())
            from safetensors.torch import save_file
            os.makedirs(d, exist_ok=True)
            m.config.save_pretrained(d)
            save_file({k: v.detach().cpu().contiguous() for k, v in m.state_dict().items()},
                      os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
        return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))

    size32 = save(model, "/tmp/tiny_demo_fp32")
    log(f"fp32 save: {size32} bytes (+ spiece.model {spm_size})")
    shutil.copy("/tmp/tiny_demo_fp32/model.safetensors",
                os.path.join(args.out, "fp32_model.safetensors"))  # kept for the record
    if size32 + spm_size + 20000 <= SIZE_LIMIT:
        shutil.copytree("/tmp/tiny_demo_fp32", mdir, dirs_exist_ok=True)
        storage = "F32"
    else:
        save(copy.deepcopy(model).half(), mdir)
        storage = "F16"
    log(f"saved {storage}: " + ", ".join(f"{f} {os.path.getsize(os.path.join(mdir, f))}"
                                         for f in sorted(os.listdir(mdir))))

    # Reload exactly what ships, in fp32, on the CPU: dev accuracy and reference logits.
    from safetensors import safe_open
    with safe_open(os.path.join(mdir, "model.safetensors"), framework="pt") as f:
        names = sorted(f.keys())
        dtypes = sorted({str(f.get_tensor(k).dtype) for k in names})
    log(f"safetensors: {len(names)} tensors, dtypes {dtypes}: {names}")
    try:
        shipped = AlbertForSequenceClassification.from_pretrained(mdir).float().eval()
    except Exception:  # noqa: BLE001
        log("from_pretrained failed, loading the safetensors file directly:\n"
            + traceback.format_exc())
        from safetensors.torch import load_file
        shipped = copy.deepcopy(model)
        shipped.load_state_dict({k: v.float() for k, v in
                                 load_file(os.path.join(mdir, "model.safetensors")).items()})
        shipped.eval()
    with open(os.path.join(mdir, "config.json")) as f:
        log("config.json:", f.read().replace("\n", " "))
    cpu = torch.device("cpu")
    torch.set_num_threads(min(8, os.cpu_count() or 1))
    dev_logits_fp32w = predict(model.to(cpu), dev_ids, cpu)
    dev_logits = predict(shipped, dev_ids, cpu)
    acc_fp32w = accuracy(dev_logits_fp32w, dev_y)
    acc_shipped = accuracy(dev_logits, dev_y)
    agree = float((dev_logits.argmax(-1) == dev_logits_fp32w.argmax(-1)).float().mean())
    maxdiff = float((dev_logits - dev_logits_fp32w).abs().max())
    log(f"dev acc, CPU fp32 compute: fp32 weights {acc_fp32w:.4f}; shipped {storage} weights "
        f"{acc_shipped:.4f}; prediction agreement {agree:.4f}; max |logit diff| {maxdiff:.4g}")

    preds = []
    for i in range(20):
        lg = dev_logits[i].tolist()
        preds.append({
            "text": dev[i][0],
            "gold_label": ID2LABEL[dev_y[i]],
            "input_ids": dev_ids[i],
            "label": ID2LABEL[int(dev_logits[i].argmax())],
            "logits": [float(x) for x in lg],
            "logits_fp32_weights": [float(x) for x in dev_logits_fp32w[i].tolist()],
        })
    meta = {
        "description": "First 20 SST-2 dev sentences run through transformers "
                       f"{transformers.__version__} AlbertForSequenceClassification on the shipped "
                       f"weights ({storage} storage) upcast to fp32, computed in fp32 on the CPU. "
                       "input_ids: canonical ALBERT tokenization of text with spiece.model "
                       "(max_length %d). logits_fp32_weights: the same with the fp32 weights before "
                       "storage rounding." % args.max_length,
        "dev_accuracy_shipped_weights": acc_shipped,
        "examples": preds,
    }
    with open(os.path.join(mdir, "dev_predictions.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)

    summary = {
        "runs": [{"lr": r["lr"], "history": r["history"], "best_epoch": r["best"]["epoch"],
                  "best_dev_acc_gpu_fp32": r["best"]["acc"], "train_s": r["train_s"],
                  "stopped_early": r["stopped_early"]} for r in runs],
        "chosen_lr": chosen["lr"], "chosen_epoch": chosen["best"]["epoch"],
        "params": chosen["params"], "storage": storage,
        "dev_acc_cpu_fp32_weights": acc_fp32w, "dev_acc_cpu_shipped": acc_shipped,
        "fp16_vs_fp32_pred_agreement": agree, "fp16_vs_fp32_max_logit_diff": maxdiff,
        "tokenizer_check": tok_report, "total_s": round(time.time() - t_start, 1),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentencepiece": spm.__version__},
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
    log(f"done in {time.time() - t_start:.1f}s")


if __name__ == "__main__":
    main()
