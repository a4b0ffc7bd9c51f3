#!/usr/bin/env python3
"""ONNX Runtime (CPU, Python) peer for machines without Node: the same modes, inputs, session
options and JSON lines as ort_bench.mjs (see its header), so run-four-way.sh can use either
(ORT=python). Needs the onnxruntime and numpy Python packages.

  python3 ort_bench.py --model FILE.onnx [--seq 128] [--iters 20] [--warmup 3] [--threads 1]
  python3 ort_bench.py --model FILE.onnx --check check.json [--threads T] [--tol E]
  python3 ort_bench.py --print-ids N
"""
import argparse
import json
import os
import statistics
import sys
import time


def die(msg):
    sys.stderr.write(f"ort_bench: error: {msg}\n")
    sys.exit(2)


def bench_ids(n):
    """The bench LCG, identical to ort_bench.mjs and `edgemt bench`."""
    state, ids = 42, []
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        ids.append(5 + ((state >> 33) % 29995))
    return ids


def create_session(ort, model, threads):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def make_feeds(np, session, ids, mask, types):
    seq = len(ids)
    arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    feeds = {}
    for inp in session.get_inputs():
        if inp.name not in arrays:
            die(f"model has an unexpected input '{inp.name}'")
        feeds[inp.name] = np.asarray(arrays[inp.name], dtype=np.int64).reshape(1, seq)
    return feeds


def first_output(session, outputs):
    names = [o.name for o in session.get_outputs()]
    idx = names.index("logits") if "logits" in names else 0
    return [float(v) for v in outputs[idx].reshape(-1)]


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage and the error on two lines; keep it to one
        die(f"{message} (see --help)")


def main():
    p = OneLineParser(description="ONNX Runtime peer (Python) for the edgemt benchmarks")
    p.add_argument("--model")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--check")
    p.add_argument("--tol", type=float, default=1e-3)
    p.add_argument("--print-ids", type=int, default=0)
    a = p.parse_args()
    for name, v, lo in (("--seq", a.seq, 1), ("--iters", a.iters, 1), ("--warmup", a.warmup, 0),
                        ("--threads", a.threads, 1)):
        if v < lo:
            die(f"{name} must be >= {lo}, got {v}")
    if a.print_ids:
        print(json.dumps(bench_ids(a.print_ids)))
        return
    if not a.model:
        die("--model FILE.onnx is required")
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        die(f"needs numpy and onnxruntime ({e})")
    session = create_session(ort, a.model, a.threads)
    if a.check:
        with open(a.check) as f:
            ref = json.load(f)
        for k in ("input_ids", "attention_mask", "token_type_ids", "logits"):
            if not isinstance(ref.get(k), list):
                die(f"{a.check}: missing array '{k}'")
        seq = len(ref["input_ids"])
        feeds = make_feeds(np, session, ref["input_ids"], ref["attention_mask"], ref["token_type_ids"])
        got = first_output(session, session.run(None, feeds))
        want = [float(v) for v in np.asarray(ref["logits"], dtype=np.float64).reshape(-1)]
        if len(got) != len(want):
            die(f"logits length {len(got)} != reference {len(want)}")
        # As `edgemt bench --check`: max |got - want| / max |want|.
        max_abs = max(abs(g - w) for g, w in zip(got, want))
        max_rel = max_abs / max(max(abs(w) for w in want), 1e-12)
        ok = max_rel <= a.tol
        print(json.dumps({"runtime": "onnxruntime", "ort_version": ort.__version__, "binding": "python",
                          "model": os.path.basename(a.model), "check": os.path.abspath(a.check), "seq": seq,
                          "threads": a.threads, "logits": got, "ref_logits": want, "max_abs_err": max_abs,
                          "max_rel_err": max_rel, "tol": a.tol, "ok": ok}))
        if not ok:
            sys.stderr.write(f"ort_bench: error: check failed: max_rel_err {max_rel} > {a.tol}\n")
            sys.exit(1)
        return
    feeds = make_feeds(np, session, bench_ids(a.seq), [1] * a.seq, [0] * a.seq)
    for _ in range(a.warmup):
        session.run(None, feeds)
    times = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    r4 = lambda x: round(x, 4)
    print(json.dumps({"runtime": "onnxruntime", "ort_version": ort.__version__, "binding": "python",
                      "model": os.path.basename(a.model), "seq": a.seq, "threads": a.threads, "iters": a.iters,
                      "warmup": a.warmup, "median_ms": r4(statistics.median(times)), "min_ms": r4(times[0]),
                      "max_ms": r4(times[-1])}))


if __name__ == "__main__":
    main()
