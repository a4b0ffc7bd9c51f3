#!/usr/bin/env python3
"""Summarises `edgemt eval --json --trace` runs of the EdgeBERT configurations into the results table
(docs/edgebert-training.md), checks engine-vs-trainer agreement, and writes threshold-sweep curves.

usage:
  edgebert_report.py row  EVAL_JSON TRACE_JSONL PACK_DIR [BACKBONE_DIR]   one table cell group as JSON
  edgebert_report.py agree TRACE_JSONL PREDICT_JSON                         label agreement engine vs trainer
  edgebert_report.py table EVAL_ROOT CONFIG=MODEL_DIR:SUFFIX...             markdown results table
  edgebert_report.py svg  TASK SWEEP_JSON OUT_SVG [ENGINE_POINTS_JSON]     accuracy vs mean exit layer plot
  edgebert_report.py results EVAL_DIR OUT_JSON                              a model's results.json from (a)'s evals
(stdlib only)
"""
import json
import os
import sys


def read_eval(path):
    # `edgemt eval --json` prints one JSON object per evaluated file; progress lines may precede it.
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)
    raise SystemExit(f"{path}: no JSON object")


def trace_stats(path):
    n = flops = full = 0
    labels = []
    for line in open(path):
        t = json.loads(line)
        n += 1
        for pl in t["per_layer"]:
            a = pl["attention"]
            flops += 4 * a["head_dim"] * a["pairs_total"]      # Q·K and weights·V, 2 FLOPs per MAC
            full += 4 * a["head_dim"] * a["full_pairs"]
        labels.append(t.get("label_id", t.get("score")))
    return n, flops / max(n, 1), full / max(n, 1), labels


def files_bytes(d, names=None):
    total = 0
    for root, _, files in os.walk(d):
        for f in files:
            if f.endswith(".safetensors") and (names is None or f in names):
                total += os.path.getsize(os.path.join(root, f))
    return total


def row(eval_json, trace, pack, backbone=None):
    e = read_eval(eval_json)
    n, attn, attn_full, _ = trace_stats(trace)
    metrics = {k: e[k] for k in ("accuracy", "f1", "mcc", "pearson", "spearman") if k in e}
    out = {"task": e.get("task"), "metrics": metrics, "examples": n, "mean_exit_layer": e.get("mean_exit_layer"),
           "layers": e.get("layers"), "exit_threshold": e.get("exit_threshold"),
           "attention_mflops": attn / 1e6, "attention_mflops_full": attn_full / 1e6,
           "pack_bytes": os.path.getsize(os.path.join(pack, "task.safetensors"))}
    if backbone:
        out["backbone_bytes"] = os.path.getsize(os.path.join(backbone, "model.safetensors"))
    return out


def agree(trace, predict):
    _, _, _, eng = trace_stats(trace)
    tr = json.load(open(predict))["predictions"]
    if len(eng) != len(tr):
        raise SystemExit(f"{len(eng)} engine vs {len(tr)} trainer predictions")
    same = sum(1 for a, b in zip(eng, tr) if (abs(a - b) < 1e-3 if isinstance(a, float) else a == b))
    return {"examples": len(eng), "agree": same, "fraction": same / max(len(eng), 1)}


def tensor_bytes(path, prefix=None):
    """Bytes of a safetensors file's tensors (all, or those whose name starts with prefix)."""
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    total = 0
    for name, t in header.items():
        if name == "__metadata__" or (prefix and not name.startswith(prefix)):
            continue
        a, b = t["data_offsets"]
        total += b - a
    return total


HEAD = {"sst2": "accuracy", "mrpc": "f1", "stsb": "pearson", "rte": "accuracy", "cola": "mcc"}


def table(root, specs):
    """specs: CONFIG=MODEL_DIR:SUFFIX[:noramps]; rows per task and config, then the 5-task deployment."""
    lines = ["| task | config | dev metric | mean exit layer | attention MFLOPs / sentence | task pack bytes | deployment bytes (backbone + 5 packs) |",
             "|---|---|---|---|---|---|---|"]
    deploy = {}
    for spec in specs:
        cfg, rest = spec.split("=", 1)
        parts = rest.split(":")
        model, suffix, noramps = parts[0], parts[1] if len(parts) > 1 else "", len(parts) > 2
        total = os.path.getsize(os.path.join(model, "model.safetensors"))
        for t in HEAD:
            f = os.path.join(model, "tasks", t + suffix, "task.safetensors")
            b = os.path.getsize(f) - (tensor_bytes(f, "offramps.") if noramps else 0)
            total += b
        deploy[cfg] = total
    for t in HEAD:
        for spec in specs:
            cfg, rest = spec.split("=", 1)
            parts = rest.split(":")
            model, suffix, noramps = parts[0], parts[1] if len(parts) > 1 else "", len(parts) > 2
            ej = os.path.join(root, cfg, t + ".json")
            if not os.path.exists(ej) or os.path.getsize(ej) == 0:
                lines.append(f"| {t} | {cfg} | (not run) | | | | |")
                continue
            e = read_eval(ej)
            _, attn, _, _ = trace_stats(os.path.join(root, cfg, t + ".trace.jsonl"))
            f = os.path.join(model, "tasks", t + suffix, "task.safetensors")
            b = os.path.getsize(f) - (tensor_bytes(f, "offramps.") if noramps else 0)
            m = HEAD[t]
            lines.append(f"| {t} | {cfg} | {m} {e[m]:.4f} | {e['mean_exit_layer']:.2f} | {attn/1e6:.1f} | {b:,} | {deploy[cfg]:,} |")
    return "\n".join(lines)


def svg(task, sweep_path, out, engine_points=None):
    sweep = json.load(open(sweep_path))
    pts = [(p["mean_exit_layer"], p["metric"]) for p in sweep]
    eng = json.load(open(engine_points)) if engine_points else []
    xs = [x for x, _ in pts] + [p["mean_exit_layer"] for p in eng]
    ys = [y for _, y in pts] + [p["metric"] for p in eng]
    x0, x1 = 0.0, max(12.0, max(xs))
    y0, y1 = min(ys) - 0.02, max(ys) + 0.02
    W, H, M = 480, 320, 50
    sx = lambda x: M + (x - x0) / (x1 - x0) * (W - 2 * M)
    sy = lambda y: H - M - (y - y0) / (y1 - y0) * (H - 2 * M)
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<line x1="{M}" y1="{H-M}" x2="{W-M}" y2="{H-M}" stroke="black"/>',
         f'<line x1="{M}" y1="{M}" x2="{M}" y2="{H-M}" stroke="black"/>',
         f'<text x="{W/2}" y="{H-12}" text-anchor="middle">mean exit layer (of 12)</text>',
         f'<text x="14" y="{H/2}" transform="rotate(-90 14 {H/2})" text-anchor="middle">dev metric</text>',
         f'<text x="{W/2}" y="20" text-anchor="middle" font-size="13">{task}: threshold sweep</text>']
    for k in range(0, 13, 2):
        s.append(f'<text x="{sx(k)}" y="{H-M+14}" text-anchor="middle">{k}</text>')
    for k in range(5):
        y = y0 + (y1 - y0) * k / 4
        s.append(f'<text x="{M-4}" y="{sy(y)+4}" text-anchor="end">{y:.3f}</text>')
    pts.sort()
    s.append('<polyline fill="none" stroke="steelblue" stroke-width="1.5" points="' +
             " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts) + '"/>')
    for p in eng:
        s.append(f'<circle cx="{sx(p["mean_exit_layer"]):.1f}" cy="{sy(p["metric"]):.1f}" r="4" fill="none" stroke="crimson"/>')
    s.append(f'<text x="{W-M}" y="{M}" text-anchor="end" fill="steelblue">trainer (dev sweep)</text>')
    if eng:
        s.append(f'<text x="{W-M}" y="{M+14}" text-anchor="end" fill="crimson">engine (edgemt eval)</text>')
    s.append("</svg>")
    open(out, "w").write("\n".join(s) + "\n")


# `eval --json` fields that are not metrics.
NOT_METRICS = {"examples", "examples_per_s", "exit_threshold", "layers", "max_length", "mean_exit_layer",
               "mean_tokens", "seconds"}


def results(eval_dir, out):
    """results.json (docs/formats.md) from configuration (a)'s `edgemt eval --json` files, <task>.json."""
    tasks = {}
    for name in sorted(os.listdir(eval_dir)):
        if not name.endswith(".json"):
            continue
        j = read_eval(os.path.join(eval_dir, name))
        metrics = {k: round(v, 6) for k, v in j.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in NOT_METRICS}
        tasks[name[:-5]] = {"examples": j["examples"], "data": j["data"], "uncompressed": metrics}
    if not tasks:
        raise SystemExit(f"{eval_dir}: no <task>.json from edgemt eval --json")
    doc = {"about": "Configuration (a) of docs/edgebert-training.md: the same adapters on the unpruned fp16 "
                    "backbone, early exit off, measured by `edgemt eval`. `edgemt demo` shows it beside its own "
                    "figure when it runs the same number of examples.",
           "tasks": tasks}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "row":
        print(json.dumps(row(*a)))
    elif cmd == "agree":
        print(json.dumps(agree(*a)))
    elif cmd == "table":
        print(table(a[0], a[1:]))
    elif cmd == "svg":
        svg(*a)
    elif cmd == "results" and len(a) == 2:
        results(*a)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
