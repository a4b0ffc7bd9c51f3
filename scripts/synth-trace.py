#!/usr/bin/env python3
"""Gives the sentences of a real trace (edgemt eval --trace, early exit off) synthetic early exits, for
the simulator until trained off-ramps and exit predictors exist (docs/simulator.md "Traces").

Each sentence keeps its tokens, shapes and densities; its exit layer is drawn from 1 + a geometric
distribution with the given mean (truncated at L); layers after it are dropped, a light off-ramp
(classifier [1, C, H] of the task file) is added after every layer run below L, and the head is kept
only for sentences that reach L. With --predict, predicted_exit_layer is the exit or one more (the
latency-bounded policy exits at the prediction at the latest); sentences exiting at or before the
predictor layer (1) get null, as the engine does. Deterministic for a seed.

usage: synth-trace.py IN.jsonl OUT.jsonl [--mean-exit 3.9] [--predict] [--seed 1] [--repeat N]
  --repeat N   write the sentences N times (indices continue), e.g. for a 10,000-sentence speed run
(stdlib only)
"""
import argparse
import json
import random


def re_exit(rec, exit_layer, predicted, threshold):
    L = rec["layers"]
    H = rec["embedding"]["gemms"][0]["shape"][1]
    classes = (rec.get("head") or {"gemms": [{"shape": [1, 2, H]}]})["gemms"][-1]["shape"][1]
    rec["per_layer"] = rec["per_layer"][:exit_layer]
    entropies = []
    for layer in rec["per_layer"]:
        l = layer["layer"]
        if l < L:
            e = 0.05 if l == exit_layer else 0.6
            layer["offramp"] = {"kind": "light", "entropy": e, "exit": l == exit_layer,
                                "gemms": [{"op": "offramp.classifier", "weight": "offramps.%d.classifier.weight" % l,
                                           "file": "task", "shape": [1, classes, H], "density": 1.0}]}
            entropies.append(e)
        else:
            entropies.append(rec["entropies"][-1] if rec.get("entropies") else None)
    rec.update(layers_run=exit_layer, exit_layer=exit_layer, predicted_exit_layer=predicted, early_exit=True,
               policy="latency-bounded" if predicted is not None else "entropy", threshold=threshold,
               entropies=entropies)
    if exit_layer < L:
        rec.pop("head", None)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--mean-exit", type=float, default=3.9, help="mean of the untruncated exit layer (default 3.9)")
    ap.add_argument("--predict", action="store_true", help="add predicted exit layers (for DVFS)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    if a.mean_exit < 1:
        ap.error("--mean-exit must be at least 1")
    rng = random.Random(a.seed)
    records = [json.loads(line) for line in open(a.inp) if line.strip()]
    for r in records:
        if r["exit_layer"] != r["layers"]:
            ap.error("%s: sentence %d exited early already; give a trace with early exit off" % (a.inp, r["index"]))
    p = 1.0 / a.mean_exit
    index = 0
    with open(a.out, "w") as out:
        for _ in range(a.repeat):
            for r in records:
                rec = json.loads(json.dumps(r))
                L = rec["layers"]
                e = 1
                while e < L and rng.random() >= p:
                    e += 1
                predicted = min(L, e + rng.randint(0, 1)) if a.predict and e > 1 else None
                rec = re_exit(rec, e, predicted, 0.3)
                rec["index"] = index
                index += 1
                out.write(json.dumps(rec, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
