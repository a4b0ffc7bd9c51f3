#!/usr/bin/env bash
# Fine-tunes every GLUE task we have data for (SST-2, MRPC, STS-B, RTE, CoLA) on a backbone: full
# fine-tuning and Houlsby adapters of two bottleneck sizes (ALGORITHMS.md §2), fixed seeds.
#
#   scripts/finetune-glue.sh encode BACKBONE ENCODED_DIR          tokenise (CPU; needs the engine build)
#   scripts/finetune-glue.sh train  BACKBONE ENCODED_DIR RUNS_DIR  fine-tune (GPU machine; edgemt-train)
#
# encode writes ENCODED_DIR/<task>.safetensors with `edgemt train encode-glue` (GLUE from $GLUE_DIR,
# else ../shared/glue). train writes RUNS_DIR/<task>/<config>/ (a task pack for adapters, a model
# directory for full) with finetune.json (dev metric per epoch, parameters, bytes) and a log; the
# three configurations of a task run side by side. Environment: EDGEMT (default build/bin/edgemt),
# EDGEMT_TRAIN (default build-gpu/bin/edgemt-train, else build/bin/edgemt-train), DEVICE (default
# cuda), TASKS (default "sst2 mrpc stsb rte cola"), CONFIGS (default "full adapter64 adapter16"),
# TIME_LIMIT_MIN (default 0, none: a run stops at the epoch boundary past which it would exceed it),
# EPOCHS, FULL_LR (default 3e-5), ADAPTER_LR (default 5e-4) override the per-task choices below.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '4,5p' "$0" | sed 's/^# *//' >&2; exit 2; }
[ $# -ge 3 ] || usage
step=$1 backbone=$2 encoded=$3
tasks=${TASKS:-sst2 mrpc stsb rte cola}
configs=${CONFIGS:-full adapter64 adapter16}

# Epochs per task: GLUE's small sets need more passes (ALBERT's own recipe runs 800-20,000 steps).
epochs() { [ -n "${EPOCHS:-}" ] && echo "$EPOCHS" && return; case $1 in sst2) echo 3 ;; cola) echo 6 ;; *) echo 10 ;; esac; }
# RTE pairs are long: 128 tokens would cut 14 % of them.
max_length() { case $1 in rte) echo 256 ;; *) echo 128 ;; esac; }

case $step in
encode)
  edgemt=${EDGEMT:-build/bin/edgemt}
  mkdir -p "$encoded"
  for t in $tasks; do
    "$edgemt" train encode-glue --model "$backbone" --glue-task "$t" --max-length "$(max_length "$t")" --out "$encoded/$t.safetensors"
  done
  ;;
train)
  [ $# -ge 4 ] || usage
  runs=$4
  trainer=${EDGEMT_TRAIN:-}
  [ -n "$trainer" ] || for c in build-gpu/bin/edgemt-train build/bin/edgemt-train; do [ -x "$c" ] && trainer=$c && break; done
  [ -x "${trainer:-}" ] || { echo "finetune-glue: no edgemt-train (scripts/build-trainer.sh builds one)" >&2; exit 1; }
  device=${DEVICE:-cuda}
  # Several runs share one GPU: let the allocator grow segments instead of caching one per shape.
  export PYTORCH_CUDA_ALLOC_CONF=${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}
  for t in $tasks; do
    [ -f "$encoded/$t.safetensors" ] || { echo "finetune-glue: $encoded/$t.safetensors missing (run encode)" >&2; exit 1; }
    pids=()
    for c in $configs; do
      out=$runs/$t/$c
      mkdir -p "$out"
      case $c in
        full) args=(--mode full --lr "${FULL_LR:-3e-5}" --dtype f16) ;;
        adapter*) args=(--mode adapter --adapter-size "${c#adapter}" --lr "${ADAPTER_LR:-5e-4}" --dtype f16) ;;
        *) echo "finetune-glue: unknown config '$c'" >&2; exit 2 ;;
      esac
      batch=32; [ "$t" = cola ] || [ "$t" = stsb ] && batch=16
      "$trainer" finetune --init "$backbone" --data "$encoded/$t.safetensors" --out "$out" "${args[@]}" \
        --epochs "$(epochs "$t")" --batch "$batch" --seed 42 --device "$device" --log-every 200 --time-limit-min "${TIME_LIMIT_MIN:-0}" >"$out/log" 2>&1 &
      pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    for c in $configs; do echo "$t/$c: $(tail -1 "$runs/$t/$c/log")"; done
    [ $status = 0 ] || { echo "finetune-glue: a $t run failed (see $runs/$t/*/log)" >&2; exit 1; }
  done
  ;;
*) usage ;;
esac
