#!/usr/bin/env node
// Aggregates the raw per-round results of bench/run-vs-ort.sh into
//   bench/results/<tag>-<date>-<shortsha>.json   and   bench/results/latest-<tag>.md
// and prints the markdown table. Not meant to be run by hand; see ../README.md.
//
//   node summarize.mjs --raw RAW.jsonl --out-dir DIR --tag TAG
//        [--edgemt-check FILE] [--ort-check FILE] [--ort-lossy-check FILE]
//
// RAW.jsonl: one line per process run:
//   {"side":"edgemt"|"ort","round":R,"seq":N,"threads":T,"result":{...the runtime's JSON line...}}
// Per (seq, threads, side): median = median of the per-round medians, min = min of the per-round
// mins, max = max of the per-round maxes. speedup = ort_median_ms / edgemt_median_ms (> 1: edgemt
// is faster).
// Everything else (git, machine, env) is read from the environment here or from BENCH_* variables
// set by the script.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

function die(msg) {
  process.stderr.write(`summarize: error: ${msg}\n`);
  process.exit(2);
}

const args = {};
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    if (!a[i].startsWith('--') || i + 1 >= a.length) die(`bad argument '${a[i]}'`);
    args[a[i].slice(2)] = a[i + 1];
  }
}
for (const k of ['raw', 'out-dir', 'tag']) if (!args[k]) die(`--${k} is required`);

const sh = (cmd, argv) => {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const readJson = (f) => (f ? JSON.parse(readFileSync(f, 'utf8').trim().split('\n').pop()) : null);

// ---- raw results -------------------------------------------------------------------------------
const raw = readFileSync(args.raw, 'utf8').split('\n').filter((l) => l.trim() !== '')
  .map((l, i) => {
    let o;
    try {
      o = JSON.parse(l);
    } catch (e) {
      die(`${args.raw}:${i + 1}: not JSON: ${l.slice(0, 200)}`);
    }
    const r = o.result;
    for (const k of ['median_ms', 'min_ms', 'max_ms']) {
      if (!r || typeof r[k] !== 'number' || !Number.isFinite(r[k])) {
        die(`${args.raw}:${i + 1}: ${o.side} result lacks a numeric '${k}': ${l.slice(0, 300)}`);
      }
    }
    if (r.seq !== undefined && r.seq !== o.seq) die(`${args.raw}:${i + 1}: seq mismatch`);
    if (r.threads !== undefined && r.threads !== o.threads) die(`${args.raw}:${i + 1}: threads mismatch`);
    return o;
  });
if (raw.length === 0) die('no results');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;

const keyOf = (o) => `${o.threads}/${o.seq}`;
const groups = new Map();
for (const o of raw) {
  if (!groups.has(keyOf(o))) groups.set(keyOf(o), { seq: o.seq, threads: o.threads, edgemt: [], ort: [] });
  const g = groups.get(keyOf(o));
  if (!(o.side in g)) die(`unknown side '${o.side}'`);
  g[o.side].push(o.result);
}
const agg = (rs) => ({
  median: r3(median(rs.map((r) => r.median_ms))),
  min: r3(Math.min(...rs.map((r) => r.min_ms))),
  max: r3(Math.max(...rs.map((r) => r.max_ms))),
  rounds: rs.length,
});
const rows = [...groups.values()]
  .sort((a, b) => a.threads - b.threads || a.seq - b.seq)
  .map((g) => {
    if (!g.edgemt.length || !g.ort.length) die(`seq ${g.seq} threads ${g.threads}: a side has no result`);
    const e = agg(g.edgemt);
    const o = agg(g.ort);
    return {
      seq: g.seq, threads: g.threads,
      edgemt_median_ms: e.median, edgemt_min_ms: e.min, edgemt_max_ms: e.max,
      ort_median_ms: o.median, ort_min_ms: o.min, ort_max_ms: o.max,
      speedup: Math.round((o.median / e.median) * 1000) / 1000,
      rounds: Math.min(e.rounds, o.rounds),
      edgemt_round_medians_ms: g.edgemt.map((r) => r.median_ms),
      ort_round_medians_ms: g.ort.map((r) => r.median_ms),
    };
  });

// ---- metadata ----------------------------------------------------------------------------------
const now = new Date();
const iso = now.toISOString().replace(/\.\d+Z$/, 'Z');
const stamp = iso.replace(/[-:]/g, '');                          // 20250101T120000Z
const gitSha = sh('git', ['rev-parse', 'HEAD']);
const dirty = gitSha ? (sh('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '' : null;
const shortSha = gitSha ? gitSha.slice(0, 10) : 'nogit';

const lscpu = sh('lscpu', []) ?? '';
const lsField = (name) => {
  const m = lscpu.match(new RegExp(`^${name}:\\s*(.+)$`, 'm'));
  return m ? m[1].trim() : null;
};
let cpuFlags = [];
try {
  const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.+)$/m);
  if (m) cpuFlags = m[1].split(/\s+/).filter((f) => /^(avx|fma|f16c|amx|vnni)/.test(f));
} catch { /* not Linux */ }

const firstRes = (side) => raw.find((o) => o.side === side)?.result ?? {};
const edgemtCheck = readJson(args['edgemt-check']);
const ortCheck = readJson(args['ort-check']);
const ortLossyCheck = readJson(args['ort-lossy-check']);
const env = process.env;

const result = {
  kind: args.tag,
  git_sha: gitSha,
  git_dirty: dirty,
  date: iso,
  machine: {
    model_name: lsField('Model name'),
    cpus: Number(lsField('CPU\\(s\\)')) || os.cpus().length,
    cores_per_socket: Number(lsField('Core\\(s\\) per socket')) || null,
    threads_per_core: Number(lsField('Thread\\(s\\) per core')) || null,
    sockets: Number(lsField('Socket\\(s\\)')) || null,
    simd_flags: cpuFlags,
    mem_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    hostname: os.hostname(),
    loadavg_at_start: (env.BENCH_LOADAVG_START || '').split(' ').filter(Boolean).map(Number),
    loadavg_at_end: os.loadavg().map((x) => Math.round(x * 100) / 100),
  },
  env: {
    note: 'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset inside the benchmark command only; ' +
      'edgemt and ORT run interleaved, one process per round (own warm-up + iterations), ' +
      'the first runner alternating between rounds',
    OPENBLAS_CORETYPE_was: env.BENCH_ORIG_OPENBLAS_CORETYPE || null,
    OPENBLAS_L2_SIZE_was: env.BENCH_ORIG_OPENBLAS_L2_SIZE || null,
    OMP_NUM_THREADS: env.OMP_NUM_THREADS ?? null,
    node: process.version,
    onnxruntime_node: env.BENCH_ORT_VERSION || firstRes('ort').ort_version || null,
  },
  perf_dir: env.BENCH_PERF_DIR || null,
  edgemt: {
    binary: env.BENCH_EDGEMT || null,
    model: firstRes('edgemt').model ?? env.BENCH_PERF_DIR ?? null,
    check_max_rel_err: edgemtCheck?.check_max_rel_err ?? null,
  },
  ort: {
    model: env.BENCH_ORT_MODEL_FILE || firstRes('ort').model || null,
    variant: env.BENCH_ORT_VARIANT || 'fp32',
    session: { graphOptimizationLevel: 'all', interOpNumThreads: 1, executionMode: 'sequential',
      intraOpNumThreads: 'threads' },
    fp32_check_max_rel_err: ortCheck?.max_rel_err ?? null,
    ...(ortLossyCheck ? { check_max_rel_err: ortLossyCheck.max_rel_err,
      check_max_abs_err: ortLossyCheck.max_abs_err } : {}),
  },
  method: {
    batch: 1,
    rounds: Number(env.BENCH_ROUNDS) || null,
    iters: Number(env.BENCH_ITERS) || null,
    warmup: Number(env.BENCH_WARMUP) || 0,
    input_ids: 'bench LCG (bench/README.md), all-ones mask, zero token types',
    aggregate: 'median of per-round medians; min/max over all rounds',
    speedup: 'ort_median_ms / edgemt_median_ms',
  },
  rows,
};

mkdirSync(args['out-dir'], { recursive: true });
const jsonPath = join(args['out-dir'], `${args.tag}-${stamp}-${shortSha}.json`);
writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');

// ---- markdown ----------------------------------------------------------------------------------
const fmt = (x) => (x >= 100 ? x.toFixed(1) : x.toFixed(2));
const cell = (m, lo, hi) => `${fmt(m)} (${fmt(lo)}–${fmt(hi)})`;
const errTxt = (x) => (x === null || x === undefined ? 'n/a' : x.toExponential(2));
const md = [];
md.push(`# edgemt fp32 vs ONNX Runtime ${result.env.onnxruntime_node ?? ''} ` +
  `(${result.ort.variant}, ${result.ort.model})`);
md.push('');
md.push(`- git: \`${gitSha ?? 'none'}\`${dirty ? ' (dirty tree)' : ''}, ${iso}`);
md.push(`- machine: ${result.machine.model_name ?? '?'}, ${result.machine.cpus} CPUs ` +
  `(${result.machine.simd_flags.join(' ')}); load avg at start ` +
  `${result.machine.loadavg_at_start.join(' ') || '?'}, at end ${result.machine.loadavg_at_end.join(' ')}`);
md.push(`- batch 1, bench LCG input ids; ${result.method.rounds} interleaved rounds × ` +
  `(${result.method.warmup} warm-up + ${result.method.iters} timed) runs per side; ` +
  'median of per-round medians, min–max over all runs');
md.push(`- checks vs HF logits (max rel err): edgemt ${errTxt(result.edgemt.check_max_rel_err)}, ` +
  `ORT fp32 ${errTxt(result.ort.fp32_check_max_rel_err)}` +
  (ortLossyCheck ? `, ORT ${result.ort.variant} ${errTxt(result.ort.check_max_rel_err)} ` +
    `(abs ${errTxt(result.ort.check_max_abs_err)})` : ''));
md.push('- OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for the run' +
  ` (were: ${result.env.OPENBLAS_CORETYPE_was ?? 'unset'} / ${result.env.OPENBLAS_L2_SIZE_was ?? 'unset'})`);
md.push(`- raw: \`${jsonPath.split('/').pop()}\` (same folder)`);
md.push('');
md.push('| seq | threads | edgemt ms median (min–max) | ORT ms median (min–max) | speedup (ORT/edgemt) |');
md.push('|----:|--------:|---------------------------:|------------------------:|---------------------:|');
for (const r of rows) {
  md.push(`| ${r.seq} | ${r.threads} | ${cell(r.edgemt_median_ms, r.edgemt_min_ms, r.edgemt_max_ms)} | ` +
    `${cell(r.ort_median_ms, r.ort_min_ms, r.ort_max_ms)} | ${r.speedup.toFixed(2)}× |`);
}
md.push('');
const mdText = md.join('\n');
writeFileSync(join(args['out-dir'], `latest-${args.tag}.md`), mdText);
process.stdout.write(mdText + '\n');
process.stdout.write(`wrote ${jsonPath}\n      ${join(args['out-dir'], `latest-${args.tag}.md`)}\n`);
