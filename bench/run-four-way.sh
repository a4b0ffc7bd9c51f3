#!/usr/bin/env bash
# edgemt fp32, edgemt compressed (AF8, encoder pruned 50 %; with fp32 and with bf16 activations),
# ONNX Runtime fp32 and ONNX Runtime dynamic int8 on the same ALBERT model, batch 1, interleaved;
# plus edgemt with an early-exit pack
# leaving after layer EXIT_AT (default 4) vs all 12 layers. See bench/README.md ("Four-way").
#
#   bench/run-four-way.sh [PERF_DIR]
#
# Environment knobs (all optional): ROUNDS=3 ITERS=10 WARMUP=3 SEQS="32 64 128" THREADS=2
#   PRUNE=magnitude:0.5:encoder  EDGEMT=path (no build)  SKIP_BUILD=1  BUILD_DIR=build
#   EDGEMT_ENV="OMP_WAIT_POLICY=passive"  environment for the edgemt processes only (recorded)
#   EXIT_AT=4  RESULTS_DIR=bench/results  COMPRESSED_DIR=dir (default: $TMPDIR/edgemt-bench/<model>-af8-<prune>)
#   ORT=node|python  the ONNX Runtime peer: bench/ort/ort_bench.mjs (default) or ort_bench.py, the same
#                    runs through onnxruntime's Python package, for machines without Node. Without Node the
#                    rounds are left in RESULTS_DIR/four-way-bundle-<date>/ with the machine's facts, for
#                    `node bench/ort/summarize_four_way.mjs --bundle DIR --out-dir bench/results` elsewhere.
set -euo pipefail

die() { echo "run-four-way: error: $*" >&2; exit 1; }
log() { echo "run-four-way: $*" >&2; }

REPO=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -gt 1 ]; then die "usage: bench/run-four-way.sh [PERF_DIR]"; fi
PERF_DIR_IN=${1:-$REPO/../shared/fixtures/perf/albert-base-random}
[ -d "$PERF_DIR_IN" ] || die "PERF_DIR '$PERF_DIR_IN' is not a directory"
PERF_DIR=$(cd -P "$PERF_DIR_IN" && pwd)
for f in check.json model.onnx model.int8.onnx model.safetensors; do
  [ -f "$PERF_DIR/$f" ] || die "missing $PERF_DIR/$f"
done

ROUNDS=${ROUNDS:-3}
ITERS=${ITERS:-10}
WARMUP=${WARMUP:-3}
SEQS=${SEQS:-32 64 128}
THREADS=${THREADS:-2}
PRUNE=${PRUNE:-magnitude:0.5:encoder}
EDGEMT_ENV=${EDGEMT_ENV:-}
read -r -a EDGEMT_ENV_ARGS <<<"$EDGEMT_ENV"
BUILD_DIR=${BUILD_DIR:-$REPO/build}
RESULTS_DIR=${RESULTS_DIR:-$REPO/bench/results}
for v in ROUNDS ITERS WARMUP; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer"
done
if [ "$ROUNDS" -lt 1 ] || [ "$ITERS" -lt 1 ]; then die "ROUNDS and ITERS must be >= 1"; fi
ORT=${ORT:-node}
case "$ORT" in
  node) command -v node >/dev/null || die "node not found (Node 20+ is needed for the ORT side; or ORT=python)" ;;
  python) python3 -c 'import numpy, onnxruntime' 2>/dev/null || die "ORT=python needs python3 with numpy and onnxruntime" ;;
  *) die "ORT must be node or python, got '$ORT'" ;;
esac

# ---- edgemt ------------------------------------------------------------------------------------
if [ -n "${EDGEMT:-}" ]; then
  [ -x "$EDGEMT" ] || die "EDGEMT='$EDGEMT' is not an executable"
  EDGEMT=$(cd -P "$(dirname "$EDGEMT")" && pwd)/$(basename "$EDGEMT")
else
  EDGEMT="$BUILD_DIR/bin/edgemt"
  if [ "${SKIP_BUILD:-0}" = 1 ] && [ -x "$EDGEMT" ]; then
    log "SKIP_BUILD=1: using existing $EDGEMT"
  else
    [ -f "$BUILD_DIR/.configured" ] || { cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >&2 && touch "$BUILD_DIR/.configured"; }
    cmake --build "$BUILD_DIR" -j2 --target edgemt_cli >&2
  fi
  [ -x "$EDGEMT" ] || die "no edgemt binary at $EDGEMT"
fi

# The compressed model, made by `edgemt compress` once per (model, prune spec, binary build).
CACHE=${TMPDIR:-/tmp}/edgemt-bench
COMPRESSED_DIR=${COMPRESSED_DIR:-$CACHE/$(basename "$PERF_DIR")-af8-${PRUNE//[:,]/_}}
if [ ! -f "$COMPRESSED_DIR/model.safetensors" ] || [ "$PERF_DIR/model.safetensors" -nt "$COMPRESSED_DIR/model.safetensors" ] \
    || [ "$EDGEMT" -nt "$COMPRESSED_DIR/model.safetensors" ]; then
  log "compressing $PERF_DIR → $COMPRESSED_DIR (--weights af8 --prune $PRUNE)"
  mkdir -p "$(dirname "$COMPRESSED_DIR")"
  rm -rf "$COMPRESSED_DIR"
  "$EDGEMT" compress --model "$PERF_DIR" --out "$COMPRESSED_DIR" --weights af8 --prune "$PRUNE" >&2
fi
# The same with bf16 activations (`--activations bf16`: AMX tiles where the CPU has them).
COMPRESSED_BF16_DIR=$COMPRESSED_DIR-bf16
if [ ! -f "$COMPRESSED_BF16_DIR/model.safetensors" ] || [ "$COMPRESSED_DIR/model.safetensors" -nt "$COMPRESSED_BF16_DIR/model.safetensors" ]; then
  log "compressing $PERF_DIR → $COMPRESSED_BF16_DIR (--weights af8 --prune $PRUNE --activations bf16)"
  rm -rf "$COMPRESSED_BF16_DIR"
  "$EDGEMT" compress --model "$PERF_DIR" --out "$COMPRESSED_BF16_DIR" --weights af8 --prune "$PRUNE" --activations bf16 >&2
fi

# A task pack whose off-ramp after layer 4 is certain (tests/tools/make_early_exit_pack.py): timed with
# its threshold (every sentence leaves after layer 4) and with --exit-threshold 0 (all 12 layers).
EXIT_AT=${EXIT_AT:-4}
EE_DIR=$CACHE/$(basename "$PERF_DIR")-exit-at-$EXIT_AT
if [ ! -f "$EE_DIR/tasks/ee/task.json" ] || [ "$PERF_DIR/model.safetensors" -nt "$EE_DIR/tasks/ee/task.json" ]; then
  log "early-exit pack: $EE_DIR (exits after layer $EXIT_AT)"
  rm -rf "$EE_DIR"
  python3 "$REPO/tests/tools/make_early_exit_pack.py" "$PERF_DIR" "$EE_DIR" --exit-at "$EXIT_AT" >&2
fi

# ---- ONNX Runtime (Node) -----------------------------------------------------------------------
ORT_DIR="$REPO/bench/ort"
if [ "$ORT" = node ]; then
  ORT_PIN=$(node -p "require('$ORT_DIR/package.json').dependencies['onnxruntime-node']")
  ORT_HAVE=$(node -p "try{require('$ORT_DIR/node_modules/onnxruntime-node/package.json').version}catch(e){''}")
  if [ "$ORT_HAVE" != "$ORT_PIN" ]; then
    log "installing onnxruntime-node $ORT_PIN in bench/ort"
    (cd "$ORT_DIR" && npm ci --ignore-scripts --no-audit --no-fund >&2)
  fi
  ORT_BENCH=(node "$ORT_DIR/ort_bench.mjs")
else
  ORT_PIN=$(python3 -c 'import onnxruntime; print(onnxruntime.__version__)')
  ORT_BENCH=(python3 "$ORT_DIR/ort_bench.py")
fi

export BENCH_ORIG_OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}
export BENCH_ORIG_OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-}
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
BENCH_LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '')
export BENCH_LOADAVG_START
if awk -v l="${BENCH_LOADAVG_START%% *}" 'BEGIN{exit !(l > 0.5)}'; then
  log "warning: load average is $BENCH_LOADAVG_START before timing; something else is running"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/run-four-way.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
json_line() { grep -E '^\s*\{' "$1" | tail -n 1; }

# ---- accuracy first ----------------------------------------------------------------------------
# fp32 sides must reproduce check.json (1e-3); the lossy sides' errors are recorded, not enforced.
CHECKS="$TMP/checks.jsonl"
: >"$CHECKS"
check_edgemt() {  # side model tol
  env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$2" --check "$PERF_DIR/check.json" --check-tol "$3" --seq 128 --iters 1 --threads 1 \
    --json >"$TMP/c.out" 2>"$TMP/c.err" || { cat "$TMP/c.out" "$TMP/c.err" >&2; die "$1 check failed"; }
  printf '{"side":"%s","result":%s}\n' "$1" "$(json_line "$TMP/c.out")" >>"$CHECKS"
}
check_ort() {  # side model tol
  "${ORT_BENCH[@]}" --model "$2" --check "$PERF_DIR/check.json" --tol "$3" >"$TMP/c.out" 2>"$TMP/c.err" \
    || { cat "$TMP/c.out" "$TMP/c.err" >&2; die "$1 check failed"; }
  printf '{"side":"%s","result":%s}\n' "$1" "$(json_line "$TMP/c.out")" >>"$CHECKS"
}
log "accuracy vs check.json"
check_edgemt edgemt_fp32 "$PERF_DIR" 1e-3
check_edgemt edgemt_af8 "$COMPRESSED_DIR" 1e30
check_edgemt edgemt_af8_bf16 "$COMPRESSED_BF16_DIR" 1e30
check_ort ort_fp32 "$PERF_DIR/model.onnx" 1e-3
check_ort ort_int8 "$PERF_DIR/model.int8.onnx" 1e30
cat "$CHECKS" >&2

# The GEMM ceiling of this machine, measured in this run, on the benchmark's thread count.
for threads in $THREADS; do
  env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$PERF_DIR" --seq 16 --iters 1 --warmup 0 --threads "$threads" --ceiling --json \
    | json_line /dev/stdin | sed "s/^/{\"side\":\"ceiling\",\"threads\":$threads,\"result\":/; s/\$/}/" >>"$CHECKS"
done

# ---- timing: interleaved, the first side rotating between rounds -------------------------------
RAW="$TMP/raw.jsonl"
: >"$RAW"
SIDES=(edgemt_fp32 edgemt_af8 edgemt_af8_bf16 ort_fp32 ort_int8 edgemt_ee12 edgemt_ee4)
run_side() {  # side round seq threads
  local side=$1 round=$2 seq=$3 threads=$4 out="$TMP/run.out" err="$TMP/run.err"
  case "$side" in
    edgemt_fp32) env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$PERF_DIR" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" --json ;;
    edgemt_af8) env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$COMPRESSED_DIR" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" --json ;;
    edgemt_af8_bf16) env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$COMPRESSED_BF16_DIR" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" --json ;;
    ort_fp32) "${ORT_BENCH[@]}" --model "$PERF_DIR/model.onnx" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" ;;
    ort_int8) "${ORT_BENCH[@]}" --model "$PERF_DIR/model.int8.onnx" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" ;;
    edgemt_ee12) env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$EE_DIR" --task ee --exit-threshold 0 --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" --json ;;
    edgemt_ee4) env "${EDGEMT_ENV_ARGS[@]}" "$EDGEMT" bench --model "$EE_DIR" --task ee --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" --threads "$threads" --json ;;
  esac >"$out" 2>"$err" || { cat "$out" "$err" >&2; die "$side failed (seq $seq, threads $threads)"; }
  local line
  line=$(json_line "$out") || die "$side printed no JSON line"
  printf '{"side":"%s","round":%d,"seq":%d,"threads":%d,"result":%s}\n' "$side" "$round" "$seq" "$threads" "$line" >>"$RAW"
  log "  round $round $side seq $seq threads $threads: $(sed -E 's/.*"median_ms": ?([0-9.]+).*/\1/' <<<"$line") ms"
}
n=${#SIDES[@]}
log "timing: threads {$THREADS} x seq {$SEQS}, $ROUNDS rounds x ($WARMUP warm-up + $ITERS iters), $n sides"
for threads in $THREADS; do
  for seq in $SEQS; do
    for ((round = 1; round <= ROUNDS; round++)); do
      for ((i = 0; i < n; i++)); do run_side "${SIDES[$(((i + round - 1) % n))]}" "$round" "$seq" "$threads"; done
    done
  done
done

export BENCH_EXIT_AT=$EXIT_AT BENCH_EDGEMT_ENV=$EDGEMT_ENV BENCH_PERF_DIR=$PERF_DIR BENCH_EDGEMT=$EDGEMT BENCH_COMPRESSED_DIR=$COMPRESSED_DIR BENCH_PRUNE=$PRUNE
export BENCH_ORT_VERSION=$ORT_PIN BENCH_ORT_BINDING=$ORT BENCH_ROUNDS=$ROUNDS BENCH_ITERS=$ITERS BENCH_WARMUP=$WARMUP
cd "$REPO"
if command -v node >/dev/null; then
  node "$ORT_DIR/summarize_four_way.mjs" --raw "$RAW" --checks "$CHECKS" --out-dir "$RESULTS_DIR"
else
  # No Node here: keep the rounds with what the summary would read from this machine.
  BUNDLE="$RESULTS_DIR/four-way-bundle-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$BUNDLE"
  cp "$RAW" "$BUNDLE/raw.jsonl"
  cp "$CHECKS" "$BUNDLE/checks.jsonl"
  python3 - "$BUNDLE/machine.json" <<'PY'
import json, os, socket, subprocess, sys, datetime
def sh(*a):
    try:
        return subprocess.run(a, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return None
mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    # BENCH_GIT_SHA: what the binary was built from, for copies of a tree whose .git is absent or stale
    "git_sha": os.environ.get("BENCH_GIT_SHA") or sh("git", "rev-parse", "HEAD"),
    "git_dirty": None if os.environ.get("BENCH_GIT_SHA") or sh("git", "rev-parse", "HEAD") is None
                 else sh("git", "status", "--porcelain", "--untracked-files=no") != "",
    "lscpu": sh("lscpu") or "", "cpus": os.cpu_count(), "mem_gib": round(mem / 2**30, 1),
    "hostname": socket.gethostname(), "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
    "env": {k: v for k, v in os.environ.items() if k.startswith("BENCH_") or k == "EDGEMT_ISA"},
}, open(sys.argv[1], "w"), indent=1)
PY
  log "no node here: rounds kept in $BUNDLE; summarize with: node bench/ort/summarize_four_way.mjs --bundle DIR --out-dir bench/results"
fi
