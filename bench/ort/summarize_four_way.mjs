#!/usr/bin/env node
// Aggregates bench/run-four-way.sh's raw rounds into bench/results/four-way-<date>-<sha>.json and
// bench/results/latest-four-way.md (printed). Not meant to be run by hand; see ../README.md.
//
//   node summarize_four_way.mjs --raw RAW.jsonl --checks CHECKS.jsonl --out-dir DIR
//   node summarize_four_way.mjs --bundle DIR --out-dir DIR
//
// A bundle is what run-four-way.sh leaves on a machine without Node (raw.jsonl, checks.jsonl and
// machine.json: that machine's lscpu, memory, load, git SHA and BENCH_* environment); its summary
// describes that machine, not the one summarizing, and is written as latest-four-way-bundle.md.
//
// Per (seq, threads, side): median of the per-round medians, min of mins, max of maxes. Ratios are
// ort_fp32_median / side_median (> 1: faster than ONNX Runtime fp32).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const die = (m) => { process.stderr.write(`summarize_four_way: error: ${m}\n`); process.exit(2); };
const args = {};
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    if (!a[i].startsWith('--') || i + 1 >= a.length) die(`bad argument '${a[i]}'`);
    args[a[i].slice(2)] = a[i + 1];
  }
}
if (args.bundle) {
  if (args.raw || args.checks) die('--bundle replaces --raw and --checks');
  args.raw = join(args.bundle, 'raw.jsonl');
  args.checks = join(args.bundle, 'checks.jsonl');
}
for (const k of ['raw', 'checks', 'out-dir']) if (!args[k]) die(`--${k} (or --bundle) is required`);
const sh = (cmd, argv) => {
  try { return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
};
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

// edgemt_af8_bf16 (the compressed model with bf16 activations) is absent from runs before 2026-11-30.
const OPTIONAL = ['edgemt_af8_bf16'];
const ALL_SIDES = ['edgemt_fp32', 'edgemt_af8', 'edgemt_af8_bf16', 'ort_fp32', 'ort_int8', 'edgemt_ee12', 'edgemt_ee4'];
const raw = lines(args.raw);
const checks = lines(args.checks);
if (!raw.length) die('no results');
for (const o of raw) if (!ALL_SIDES.includes(o.side)) die(`unknown side '${o.side}'`);
const SIDES = ALL_SIDES.filter((s) => !OPTIONAL.includes(s) || raw.some((o) => o.side === s));
const bf16 = SIDES.includes('edgemt_af8_bf16');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;

const groups = new Map();
for (const o of raw) {
  const k = `${o.threads}/${o.seq}`;
  if (!groups.has(k)) groups.set(k, { seq: o.seq, threads: o.threads, ...Object.fromEntries(SIDES.map((s) => [s, []])) });
  groups.get(k)[o.side].push(o.result);
}
const rows = [...groups.values()].sort((a, b) => a.threads - b.threads || a.seq - b.seq).map((g) => {
  const row = { seq: g.seq, threads: g.threads };
  for (const s of SIDES) {
    if (!g[s].length) die(`seq ${g.seq} threads ${g.threads}: no ${s} result`);
    row[`${s}_median_ms`] = r3(median(g[s].map((r) => r.median_ms)));
    row[`${s}_min_ms`] = r3(Math.min(...g[s].map((r) => r.min_ms)));
    row[`${s}_max_ms`] = r3(Math.max(...g[s].map((r) => r.max_ms)));
    row[`${s}_round_medians_ms`] = g[s].map((r) => r.median_ms);
  }
  for (const s of ['edgemt_fp32', 'edgemt_af8', 'ort_int8', ...(bf16 ? ['edgemt_af8_bf16'] : [])])
    row[`${s}_vs_ort_fp32`] = r3(row.ort_fp32_median_ms / row[`${s}_median_ms`]);
  row.edgemt_af8_vs_ort_int8 = r3(row.ort_int8_median_ms / row.edgemt_af8_median_ms);
  if (bf16) row.edgemt_af8_bf16_vs_ort_int8 = r3(row.ort_int8_median_ms / row.edgemt_af8_bf16_median_ms);
  row.early_exit_speedup = r3(row.edgemt_ee12_median_ms / row.edgemt_ee4_median_ms);
  return row;
});

const checkOf = (side) => {
  const c = checks.find((o) => o.side === side)?.result;
  return c ? (c.check_max_rel_err ?? c.max_rel_err ?? null) : null;
};
const ceilings = checks.filter((o) => o.side === 'ceiling').map((o) => ({ threads: o.threads, ...o.result.gemm_ceiling }));

// The machine the rounds ran on: this one, or the bundle's record of its own.
let bundled = null;
if (args.bundle) {
  try { bundled = JSON.parse(readFileSync(join(args.bundle, 'machine.json'), 'utf8')); } catch (err) { die(`${args.bundle}/machine.json: ${err.message}`); }
}
const iso = bundled?.date ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const gitSha = bundled ? bundled.git_sha ?? null : sh('git', ['rev-parse', 'HEAD']);
const dirty = bundled ? bundled.git_dirty ?? null : gitSha ? (sh('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '' : null;
const lscpu = bundled ? bundled.lscpu ?? '' : sh('lscpu', []) ?? '';
const field = (n) => { const m = lscpu.match(new RegExp(`^${n}:\\s*(.+)$`, 'm')); return m ? m[1].trim() : null; };
const env = bundled ? bundled.env ?? {} : process.env;
const result = {
  kind: 'four-way',
  git_sha: gitSha, git_dirty: dirty, date: iso,
  machine: {
    model_name: field('Model name'), cpus: Number(field('CPU\\(s\\)')) || (bundled ? bundled.cpus : os.cpus().length),
    mem_gib: bundled ? bundled.mem_gib : Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    hostname: bundled ? bundled.hostname : os.hostname(),
    loadavg_at_start: (env.BENCH_LOADAVG_START || '').split(' ').filter(Boolean).map(Number),
    loadavg_at_end: bundled ? bundled.loadavg_at_end : os.loadavg().map((x) => Math.round(x * 100) / 100),
  },
  env: {
    OPENBLAS_CORETYPE_was: env.BENCH_ORIG_OPENBLAS_CORETYPE || null,
    OPENBLAS_L2_SIZE_was: env.BENCH_ORIG_OPENBLAS_L2_SIZE || null,
    node: bundled ? null : process.version, onnxruntime_node: env.BENCH_ORT_VERSION || null,
    onnxruntime_binding: env.BENCH_ORT_BINDING || 'node',
    EDGEMT_ISA: env.EDGEMT_ISA ?? null,
    edgemt_processes_env: env.BENCH_EDGEMT_ENV || null,
  },
  perf_dir: env.BENCH_PERF_DIR || null,
  edgemt: { binary: env.BENCH_EDGEMT || null, compressed_dir: env.BENCH_COMPRESSED_DIR || null,
    compress: `--weights af8 --prune ${env.BENCH_PRUNE || '?'}`,
    ...(bf16 ? { compress_bf16: `--weights af8 --prune ${env.BENCH_PRUNE || '?'} --activations bf16` } : {}) },
  check_max_rel_err_vs_hf: Object.fromEntries(SIDES.map((s) => [s, checkOf(s)])),
  gemm_ceiling: ceilings,
  method: {
    batch: 1, rounds: Number(env.BENCH_ROUNDS) || null, iters: Number(env.BENCH_ITERS) || null,
    warmup: Number(env.BENCH_WARMUP) || 0,
    order: 'per round one process per side, the first side rotating between rounds',
    aggregate: 'median of per-round medians; min/max over all rounds',
    ratio: 'ort_fp32_median_ms / side_median_ms',
    early_exit: `edgemt_ee12: a task pack with light off-ramps (tests/tools/make_early_exit_pack.py) run with --exit-threshold 0 (all layers); ` +
      `edgemt_ee4: the same pack with its threshold (every sentence leaves after layer ${env.BENCH_EXIT_AT || 4}); early_exit_speedup = ee12 / ee4`,
  },
  rows,
};
mkdirSync(args['out-dir'], { recursive: true });
const name = `four-way-${iso.replace(/[-:]/g, '')}-${gitSha ? gitSha.slice(0, 10) : 'nogit'}.json`;
writeFileSync(join(args['out-dir'], name), JSON.stringify(result, null, 2) + '\n');

const f = (x) => (x >= 100 ? x.toFixed(1) : x.toFixed(2));
const e = (x) => (x === null || x === undefined ? 'n/a' : x.toExponential(2));
const md = [];
md.push(`# edgemt fp32 / compressed vs ONNX Runtime ${result.env.onnxruntime_node ?? ''}${result.env.onnxruntime_binding === 'python' ? ' (Python)' : ''} fp32 / int8`);
md.push('');
md.push(`- git: \`${gitSha ?? 'none'}\`${dirty ? ' (dirty tree)' : ''}, ${iso}`);
md.push(`- machine: ${result.machine.model_name ?? '?'}, ${result.machine.cpus} CPUs; load avg at start ` +
  `${result.machine.loadavg_at_start.join(' ') || '?'}, at end ${result.machine.loadavg_at_end.join(' ')}`);
md.push(`- batch 1, bench LCG ids; ${result.method.rounds} rounds × (${result.method.warmup} warm-up + ` +
  `${result.method.iters} timed) per side, first side rotating; median of per-round medians (min–max)`);
md.push(`- compressed: \`edgemt compress ${result.edgemt.compress}\`` +
  (bf16 ? `; compressed bf16-act: the same plus \`--activations bf16\` (AMX bf16 tiles where the CPU has them)` : ''));
if (result.env.edgemt_processes_env) md.push(`- edgemt processes ran with \`${result.env.edgemt_processes_env}\``);
md.push(`- logits vs HF (check.json, max rel err): edgemt fp32 ${e(result.check_max_rel_err_vs_hf.edgemt_fp32)}, ` +
  `edgemt compressed ${e(result.check_max_rel_err_vs_hf.edgemt_af8)}, ` +
  (bf16 ? `edgemt compressed bf16-act ${e(result.check_max_rel_err_vs_hf.edgemt_af8_bf16)}, ` : '') + `ORT fp32 ${e(result.check_max_rel_err_vs_hf.ort_fp32)}, ` +
  `ORT int8 ${e(result.check_max_rel_err_vs_hf.ort_int8)}`);
for (const c of ceilings) {
  md.push(`- fp32 GEMM ceiling (${c.n}³, ${c.threads} threads): oneDNN sgemm ${c.sgemm_gflops.toFixed(0)} GFLOP/s, ` +
    `edgemt packed ${c.packed_gflops.toFixed(0)} GFLOP/s` +
    (c.fma_peak_gflops ? `; FMA peak (registers only) ${c.fma_peak_gflops.toFixed(0)} GFLOP/s` : ''));
}
md.push(`- raw: \`${name}\``);
md.push('');
md.push('| seq | threads | edgemt fp32 ms | edgemt compressed ms |' + (bf16 ? ' edgemt compressed bf16-act ms |' : '') +
  ' ORT fp32 ms | ORT int8 ms | fp32 vs ORT fp32 | compressed vs ORT fp32 | compressed vs ORT int8 |' +
  (bf16 ? ' bf16-act vs ORT fp32 | bf16-act vs ORT int8 |' : ''));
md.push('|----:|--------:|---:|---:|' + (bf16 ? '---:|' : '') + '---:|---:|---:|---:|---:|' + (bf16 ? '---:|---:|' : ''));
for (const r of rows) {
  const c = (s) => `${f(r[`${s}_median_ms`])} (${f(r[`${s}_min_ms`])}–${f(r[`${s}_max_ms`])})`;
  md.push(`| ${r.seq} | ${r.threads} | ${c('edgemt_fp32')} | ${c('edgemt_af8')} | ` + (bf16 ? `${c('edgemt_af8_bf16')} | ` : '') +
    `${c('ort_fp32')} | ${c('ort_int8')} | ` +
    `${r.edgemt_fp32_vs_ort_fp32.toFixed(2)}× | ${r.edgemt_af8_vs_ort_fp32.toFixed(2)}× | ${r.edgemt_af8_vs_ort_int8.toFixed(2)}× |` +
    (bf16 ? ` ${r.edgemt_af8_bf16_vs_ort_fp32.toFixed(2)}× | ${r.edgemt_af8_bf16_vs_ort_int8.toFixed(2)}× |` : ''));
}
md.push('');
md.push(`Early exit: a task pack whose off-ramp after layer ${env.BENCH_EXIT_AT || 4} is certain, with its threshold vs \`--exit-threshold 0\` (same pack, all 12 layers).`);
md.push('');
md.push(`| seq | threads | 12 layers ms | exit after ${env.BENCH_EXIT_AT || 4} ms | speed-up |`);
md.push('|----:|--------:|---:|---:|---:|');
for (const r of rows) {
  const c = (s) => `${f(r[`${s}_median_ms`])} (${f(r[`${s}_min_ms`])}–${f(r[`${s}_max_ms`])})`;
  md.push(`| ${r.seq} | ${r.threads} | ${c('edgemt_ee12')} | ${c('edgemt_ee4')} | ${r.early_exit_speedup.toFixed(2)}× |`);
}
const text = md.join('\n') + '\n';
writeFileSync(join(args['out-dir'], bundled ? 'latest-four-way-bundle.md' : 'latest-four-way.md'), text);
process.stdout.write(text);
