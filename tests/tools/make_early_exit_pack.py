#!/usr/bin/env python3
"""Makes a model directory for timing early exit: the backbone's files linked from MODEL and a task
pack `ee` whose light off-ramp after layer EXIT_AT is certain (zero weights, biases +30/-30), the ramps
before it uncertain (entropy ln 2), so every sentence exits after that layer (docs/formats.md).

usage: make_early_exit_pack.py MODEL OUT [--exit-at 4]   (stdlib only)
"""
import argparse
import array
import json
import os
import random
import struct


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, shape, values in tensors:
        data = array.array("f", values).tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--exit-at", type=int, default=4)
    a = ap.parse_args()
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    H, L = cfg["hidden_size"], cfg["num_hidden_layers"] * cfg.get("inner_group_num", 1)
    os.makedirs(os.path.join(a.out, "tasks", "ee"), exist_ok=True)
    for f in os.listdir(a.model):
        dst = os.path.join(a.out, f)
        if not os.path.exists(dst):
            os.symlink(os.path.abspath(os.path.join(a.model, f)), dst)
    rnd = random.Random(1)
    def rand(n, scale):
        return [rnd.uniform(-scale, scale) for _ in range(n)]
    t = [("pooler.weight", [H, H], rand(H * H, 0.05)), ("pooler.bias", [H], rand(H, 0.05)),
         ("classifier.weight", [2, H], rand(2 * H, 0.05)), ("classifier.bias", [2], [0.0, 0.0])]
    layers = list(range(1, L))
    for l in layers:
        p = "offramps.%d." % l
        bias = [30.0, -30.0] if l == a.exit_at else [0.0, 0.0]
        t += [(p + "norm.weight", [H], [1.0] * H), (p + "norm.bias", [H], [0.0] * H),
              (p + "classifier.weight", [2, H], [0.0] * (2 * H)), (p + "classifier.bias", [2], bias)]
    write_safetensors(os.path.join(a.out, "tasks", "ee", "task.safetensors"), t)
    task = {"labels": ["negative", "positive"],
            "early_exit": {"offramp": "light", "threshold": 0.3, "layers": layers}}
    json.dump(task, open(os.path.join(a.out, "tasks", "ee", "task.json"), "w"))


if __name__ == "__main__":
    main()
