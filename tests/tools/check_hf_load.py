#!/usr/bin/env python3
"""Check that Hugging Face transformers loads edgemt's exported directories and agrees with edgemt.

Usage: check_hf_load.py DUMP_DIR MODEL_DIR [MODEL_DIR ...]

For each MODEL_DIR (a backbone with an MLM head -> AlbertForMaskedLM; a directory with classifier.*
-> AlbertForSequenceClassification), DUMP_DIR/<basename of MODEL_DIR>/*.safetensors are `edgemt dump`
outputs made on the CPU machine (input_ids, token_type_ids, hidden.*, logits / mlm_logits). The
script feeds the same ids to transformers (fp32, CPU) and prints max |HF - edgemt| / max |HF| for
every tensor both have, then "ok" or "MISMATCH" (bound 1e-4). Exit status 1 on any mismatch.
Needs torch, transformers, safetensors (the GPU machine has them).
"""
import glob
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import AlbertForMaskedLM, AlbertForSequenceClassification

BOUND = 1e-4


def rel(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dump_dir, models = sys.argv[1], sys.argv[2:]
    bad = 0
    for model_dir in models:
        name = os.path.basename(os.path.normpath(model_dir))
        has_classifier = "classifier.weight" in load_file(os.path.join(model_dir, "model.safetensors"))
        cls = AlbertForSequenceClassification if has_classifier else AlbertForMaskedLM
        model = cls.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
        print(f"{name}: {cls.__name__} loaded ({sum(p.numel() for p in model.parameters())} parameters)")
        for path in sorted(glob.glob(os.path.join(dump_dir, name, "*.safetensors"))):
            d = load_file(path)
            ids = d["input_ids"].long().unsqueeze(0)
            types = d["token_type_ids"].long().unsqueeze(0)
            with torch.no_grad():
                out = model(input_ids=ids, token_type_ids=types, attention_mask=torch.ones_like(ids),
                            output_hidden_states=True)
            checks = {}
            for i, h in enumerate(out.hidden_states):
                if f"hidden.{i}" in d:
                    checks[f"hidden.{i}"] = rel(d[f"hidden.{i}"], h[0])
            if has_classifier and "logits" in d:
                checks["logits"] = rel(d["logits"], out.logits[0])
            if not has_classifier and "mlm_logits" in d:
                checks["mlm_logits"] = rel(d["mlm_logits"], out.logits[0])
            worst = max(checks.values())
            status = "ok" if worst <= BOUND else "MISMATCH"
            bad += status != "ok"
            print(f"  {os.path.basename(path)}: {len(checks)} tensors, worst rel. diff {worst:.2e} {status}"
                  f" (logits {checks.get('logits', checks.get('mlm_logits', float('nan'))):.2e})")
    print(json.dumps({"mismatches": bad}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
