#!/usr/bin/env node
// ONNX Runtime (CPU, Node) peer for the edgemt speed comparison. See ../README.md.
//
// Timing mode:
//   node ort_bench.mjs --model FILE.onnx [--seq 128] [--iters 20] [--warmup 3] [--threads 1]
//   -> one JSON line:
//   {"runtime":"onnxruntime","model":...,"seq":N,"threads":T,"iters":K,"warmup":W,
//    "median_ms":..,"min_ms":..,"max_ms":..}
//
// Check mode (proves the peer runs the same model as edgemt):
//   node ort_bench.mjs --model FILE.onnx --check check.json [--threads 1] [--tol 1e-3]
//   -> one JSON line with "max_rel_err"; exit 1 if it is above --tol.
//
// Inputs in timing mode: batch 1, int64 [1, seq]:
//   input_ids      = the bench LCG below (same definition as `edgemt bench`)
//   attention_mask = all ones
//   token_type_ids = all zeros
//
// Bench LCG (must match the C++ side exactly):
//   state0 = 42 (uint64)
//   for i in 0..seq-1:
//     state = state * 6364136223846793005 + 1442695040888963407   (mod 2^64)
//     ids[i] = 5 + ((state >> 33) % 29995)                          -> in [5, 30000)
// The first 8 ids are printed by `--print-ids 8` for cross-checking.

import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

const VERSION = (() => {
  try {
    const url = new URL('./node_modules/onnxruntime-node/package.json', import.meta.url);
    return JSON.parse(readFileSync(url, 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();

function die(msg) {
  process.stderr.write(`ort_bench: error: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    model: null, seq: 128, iters: 20, warmup: 3, threads: 1,
    check: null, tol: 1e-3, printIds: 0,
  };
  const intOpt = (name, v, min) => {
    if (v === undefined || !/^\d+$/.test(v)) die(`${name} needs a non-negative integer, got '${v}'`);
    const n = Number(v);
    if (n < min) die(`${name} must be >= ${min}, got ${n}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--model': opts.model = next(); break;
      case '--seq': opts.seq = intOpt(a, next(), 1); break;
      case '--iters': opts.iters = intOpt(a, next(), 1); break;
      case '--warmup': opts.warmup = intOpt(a, next(), 0); break;
      case '--threads': opts.threads = intOpt(a, next(), 1); break;
      case '--check': opts.check = next(); break;
      case '--tol': {
        const v = Number(next());
        if (!Number.isFinite(v) || v < 0) die('--tol needs a non-negative number');
        opts.tol = v;
        break;
      }
      case '--print-ids': opts.printIds = intOpt(a, next(), 1); break;
      case '-h': case '--help':
        process.stdout.write(
          'usage: node ort_bench.mjs --model FILE.onnx [--seq N] [--iters K] [--warmup W] ' +
          '[--threads T]\n' +
          '       node ort_bench.mjs --model FILE.onnx --check check.json [--threads T] [--tol E]\n' +
          '       node ort_bench.mjs --print-ids N\n');
        process.exit(0);
        break;
      default: die(`unknown argument '${a}' (see --help)`);
    }
  }
  return opts;
}

// The bench LCG (Knuth MMIX constants); see the header comment.
const MASK64 = (1n << 64n) - 1n;
export function benchIds(n) {
  let state = 42n;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    state = (state * 6364136223846793005n + 1442695040888963407n) & MASK64;
    ids[i] = 5n + ((state >> 33n) % 29995n);
  }
  return ids;
}

function tensorI64(values, seq) {
  return new ort.Tensor('int64', values, [1, seq]);
}

function makeFeeds(session, ids, mask, types) {
  const seq = ids.length;
  const all = {
    input_ids: tensorI64(ids, seq),
    attention_mask: tensorI64(mask, seq),
    token_type_ids: tensorI64(types, seq),
  };
  const feeds = {};
  for (const name of session.inputNames) {
    if (!(name in all)) die(`model has an unexpected input '${name}'`);
    feeds[name] = all[name];
  }
  return feeds;
}

async function createSession(model, threads) {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

function firstOutput(session, result) {
  const name = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  return Array.from(result[name].data, Number);
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

const r4 = (x) => Math.round(x * 1e4) / 1e4;

async function runCheck(opts) {
  const ref = JSON.parse(readFileSync(opts.check, 'utf8'));
  for (const k of ['input_ids', 'attention_mask', 'token_type_ids', 'logits']) {
    if (!Array.isArray(ref[k])) die(`${opts.check}: missing array '${k}'`);
  }
  const seq = ref.input_ids.length;
  if (ref.attention_mask.length !== seq || ref.token_type_ids.length !== seq) {
    die(`${opts.check}: input arrays differ in length`);
  }
  const big = (a) => BigInt64Array.from(a, (v) => BigInt(v));
  const session = await createSession(opts.model, opts.threads);
  const feeds = makeFeeds(session, big(ref.input_ids), big(ref.attention_mask),
    big(ref.token_type_ids));
  const got = firstOutput(session, await session.run(feeds));
  const want = ref.logits.flat(Infinity).map(Number);
  if (got.length !== want.length) {
    die(`logits length ${got.length} != reference ${want.length}`);
  }
  // Same definition as `edgemt bench --check`: max_i |got_i - want_i| / max_i |want_i|
  // (normalised by the largest reference logit, so a logit near 0 cannot blow it up).
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  const maxRel = maxAbs / Math.max(maxRef, 1e-12);
  const ok = maxRel <= opts.tol;
  process.stdout.write(JSON.stringify({
    runtime: 'onnxruntime', ort_version: VERSION, model: basename(opts.model),
    check: resolve(opts.check), seq, threads: opts.threads,
    logits: got, ref_logits: want, max_abs_err: maxAbs, max_rel_err: maxRel,
    tol: opts.tol, ok,
  }) + '\n');
  if (!ok) {
    process.stderr.write(`ort_bench: error: check failed: max_rel_err ${maxRel} > ${opts.tol}\n`);
    process.exit(1);
  }
}

async function runBench(opts) {
  const { seq } = opts;
  const session = await createSession(opts.model, opts.threads);
  const feeds = makeFeeds(session, benchIds(seq), new BigInt64Array(seq).fill(1n),
    new BigInt64Array(seq));
  for (let i = 0; i < opts.warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < opts.iters; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({
    runtime: 'onnxruntime', ort_version: VERSION, model: basename(opts.model), seq,
    threads: opts.threads, iters: opts.iters, warmup: opts.warmup,
    median_ms: r4(median(times)), min_ms: r4(times[0]), max_ms: r4(times[times.length - 1]),
  }) + '\n');
}

const opts = parseArgs(process.argv.slice(2));
if (opts.printIds) {
  process.stdout.write(JSON.stringify(Array.from(benchIds(opts.printIds), Number)) + '\n');
  process.exit(0);
}
if (!opts.model) die('--model FILE.onnx is required');
try {
  if (opts.check) await runCheck(opts);
  else await runBench(opts);
} catch (e) {
  die(e && e.message ? e.message : String(e));
}
