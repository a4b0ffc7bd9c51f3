#!/usr/bin/env bash
# edgemt (fp32) vs ONNX Runtime on the same ALBERT model, batch 1, interleaved. See bench/README.md.
#
#   bench/run-vs-ort.sh [PERF_DIR]
#
# PERF_DIR (default: ../shared/fixtures/perf/albert-base-random relative to the repo root) holds
# model.safetensors + config.json (edgemt), model.onnx / model.int8.onnx (ORT) and check.json.
#
# Environment knobs (all optional):
#   ORT_MODEL=fp32|int8   ORT side runs model.onnx (default) or model.int8.onnx
#   ROUNDS=3              interleaved rounds per (seq, threads); one process per side per round
#   ITERS=10 WARMUP=3     timed iterations / warm-up runs inside each process
#   SEQS="16 32 64 128"   THREADS="1 2"
#   EDGEMT=path           use this edgemt binary and do not build
#   SKIP_BUILD=1          do not run cmake when build/bin/edgemt exists
#   RESULTS_DIR=dir       where results go (default bench/results)
set -euo pipefail

die() { echo "run-vs-ort: error: $*" >&2; exit 1; }
log() { echo "run-vs-ort: $*" >&2; }

REPO=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ---- inputs ------------------------------------------------------------------------------------
if [ $# -gt 1 ]; then die "usage: bench/run-vs-ort.sh [PERF_DIR]"; fi
if [ $# -eq 1 ]; then
  PERF_DIR_IN=$1                                         # relative to the caller's directory
else
  PERF_DIR_IN="$REPO/../shared/fixtures/perf/albert-base-random"
fi
[ -d "$PERF_DIR_IN" ] || die "PERF_DIR '$PERF_DIR_IN' is not a directory"
PERF_DIR=$(cd -P "$PERF_DIR_IN" && pwd)

case "${ORT_MODEL:-fp32}" in
  fp32) ORT_MODEL_FILE="$PERF_DIR/model.onnx"; TAG=fp32-vs-ort ;;
  int8) ORT_MODEL_FILE="$PERF_DIR/model.int8.onnx"; TAG=fp32-vs-ort-int8 ;;
  *) die "ORT_MODEL must be fp32 or int8, got '${ORT_MODEL}'" ;;
esac
for f in check.json model.onnx "$(basename "$ORT_MODEL_FILE")"; do
  [ -f "$PERF_DIR/$f" ] || die "missing $PERF_DIR/$f"
done

ROUNDS=${ROUNDS:-3}
ITERS=${ITERS:-10}
WARMUP=${WARMUP:-3}
SEQS=${SEQS:-16 32 64 128}
THREADS=${THREADS:-1 2}
RESULTS_DIR=${RESULTS_DIR:-$REPO/bench/results}
for v in ROUNDS ITERS WARMUP; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer"
done
if [ "$ROUNDS" -lt 1 ] || [ "$ITERS" -lt 1 ]; then die "ROUNDS and ITERS must be >= 1"; fi

command -v node >/dev/null || die "node not found (Node 20+ is needed for the ORT side)"
command -v npm >/dev/null || die "npm not found"

# ---- edgemt ------------------------------------------------------------------------------------
if [ -n "${EDGEMT:-}" ]; then
  [ -x "$EDGEMT" ] || die "EDGEMT='$EDGEMT' is not an executable"
  EDGEMT=$(cd -P "$(dirname "$EDGEMT")" && pwd)/$(basename "$EDGEMT")
else
  EDGEMT="$REPO/build/bin/edgemt"
  if [ "${SKIP_BUILD:-0}" = 1 ] && [ -x "$EDGEMT" ]; then
    log "SKIP_BUILD=1: using existing $EDGEMT"
  else
    # cmake --build is incremental: cheap when the binary is up to date, and never times a stale one.
    if [ ! -f "$REPO/build/CMakeCache.txt" ]; then
      log "configuring build/ (Release)"
      cmake -S "$REPO" -B "$REPO/build" -DCMAKE_BUILD_TYPE=Release >&2
    fi
    log "building edgemt_cli"
    cmake --build "$REPO/build" -j2 --target edgemt_cli >&2
  fi
  [ -x "$EDGEMT" ] || die "no edgemt binary at $EDGEMT after the build"
fi

# ---- ONNX Runtime (Node) -----------------------------------------------------------------------
ORT_DIR="$REPO/bench/ort"
ORT_PIN=$(node -p "require('$ORT_DIR/package.json').dependencies['onnxruntime-node']")
ORT_HAVE=$(node -p "try{require('$ORT_DIR/node_modules/onnxruntime-node/package.json').version}catch(e){''}")
if [ "$ORT_HAVE" != "$ORT_PIN" ]; then
  log "installing onnxruntime-node $ORT_PIN in bench/ort (have: '${ORT_HAVE:-none}')"
  # --ignore-scripts: the package's install script fetches GPU add-ons from outside and fails;
  # the CPU library ships inside the package.
  (cd "$ORT_DIR" && npm ci --ignore-scripts --no-audit --no-fund >&2)
fi
ORT_BENCH=(node "$ORT_DIR/ort_bench.mjs")

# ---- environment: only inside this command -----------------------------------------------------
export BENCH_ORIG_OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}
export BENCH_ORIG_OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-}
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

BENCH_LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '')
export BENCH_LOADAVG_START
if awk -v l="${BENCH_LOADAVG_START%% *}" 'BEGIN{exit !(l > 0.5)}'; then
  log "warning: load average is $BENCH_LOADAVG_START before timing; something else is running"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/run-vs-ort.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Last line of stdout that looks like a JSON object.
json_line() { grep -E '^\s*\{' "$1" | tail -n 1; }

# ---- correctness first: both sides must reproduce check.json -----------------------------------
log "edgemt check: $PERF_DIR/check.json"
if ! "$EDGEMT" bench --model "$PERF_DIR" --check "$PERF_DIR/check.json" --seq 128 --iters 1 \
    --threads 1 --json >"$TMP/edgemt-check.out" 2>"$TMP/edgemt-check.err"; then
  cat "$TMP/edgemt-check.out" "$TMP/edgemt-check.err" >&2
  die "edgemt does not reproduce check.json's logits; not timing it"
fi
json_line "$TMP/edgemt-check.out" >"$TMP/edgemt-check.json" || die "edgemt check printed no JSON"
log "  $(cat "$TMP/edgemt-check.json")"

log "ORT check (fp32 model.onnx)"
if ! "${ORT_BENCH[@]}" --model "$PERF_DIR/model.onnx" --check "$PERF_DIR/check.json" \
    >"$TMP/ort-check.json" 2>"$TMP/ort-check.err"; then
  cat "$TMP/ort-check.json" "$TMP/ort-check.err" >&2
  die "ONNX Runtime does not reproduce check.json's logits with model.onnx"
fi
log "  max_rel_err $(node -p "JSON.parse(require('fs').readFileSync('$TMP/ort-check.json','utf8')).max_rel_err")"
LOSSY_ARGS=()
if [ "$ORT_MODEL_FILE" != "$PERF_DIR/model.onnx" ]; then
  # A lossy model cannot meet 1e-3; record its error next to the speed figures instead.
  log "ORT accuracy of $(basename "$ORT_MODEL_FILE") vs check.json (recorded, not enforced)"
  "${ORT_BENCH[@]}" --model "$ORT_MODEL_FILE" --check "$PERF_DIR/check.json" --tol 1e30 \
    >"$TMP/ort-lossy-check.json" || die "ONNX Runtime failed to run $ORT_MODEL_FILE"
  LOSSY_ARGS=(--ort-lossy-check "$TMP/ort-lossy-check.json")
fi

# ---- timing: interleaved -----------------------------------------------------------------------
RAW="$TMP/raw.jsonl"
: >"$RAW"
run_side() {  # side round seq threads
  local side=$1 round=$2 seq=$3 threads=$4 out="$TMP/run.out" err="$TMP/run.err"
  if [ "$side" = edgemt ]; then
    "$EDGEMT" bench --model "$PERF_DIR" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" \
      --threads "$threads" --json >"$out" 2>"$err" \
      || { cat "$out" "$err" >&2; die "edgemt bench failed (seq $seq, threads $threads)"; }
  else
    "${ORT_BENCH[@]}" --model "$ORT_MODEL_FILE" --seq "$seq" --iters "$ITERS" --warmup "$WARMUP" \
      --threads "$threads" >"$out" 2>"$err" \
      || { cat "$out" "$err" >&2; die "ORT bench failed (seq $seq, threads $threads)"; }
  fi
  local line
  line=$(json_line "$out") || { cat "$out" "$err" >&2; die "$side printed no JSON line"; }
  printf '{"side":"%s","round":%d,"seq":%d,"threads":%d,"result":%s}\n' \
    "$side" "$round" "$seq" "$threads" "$line" >>"$RAW"
  log "  round $round $side seq $seq threads $threads: $(node -p "JSON.parse(process.argv[1]).median_ms" "$line") ms"
}

log "timing: threads {$THREADS} x seq {$SEQS}, $ROUNDS rounds x ($WARMUP warm-up + $ITERS iters)"
for threads in $THREADS; do
  for seq in $SEQS; do
    for ((round = 1; round <= ROUNDS; round++)); do
      if ((round % 2)); then order="edgemt ort"; else order="ort edgemt"; fi
      for side in $order; do run_side "$side" "$round" "$seq" "$threads"; done
    done
  done
done

# ---- results -----------------------------------------------------------------------------------
BENCH_ORT_MODEL_FILE=$(basename "$ORT_MODEL_FILE")
export BENCH_PERF_DIR=$PERF_DIR BENCH_EDGEMT=$EDGEMT BENCH_ORT_MODEL_FILE
export BENCH_ORT_VARIANT=${ORT_MODEL:-fp32} BENCH_ORT_VERSION=$ORT_PIN
export BENCH_ROUNDS=$ROUNDS BENCH_ITERS=$ITERS BENCH_WARMUP=$WARMUP
cd "$REPO"
node "$ORT_DIR/summarize.mjs" --raw "$RAW" --out-dir "$RESULTS_DIR" --tag "$TAG" \
  --edgemt-check "$TMP/edgemt-check.json" --ort-check "$TMP/ort-check.json" "${LOSSY_ARGS[@]}"
