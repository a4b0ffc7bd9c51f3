#!/usr/bin/env bash
# The EdgeBERT pipeline on the GPU machine (docs/edgebert-training.md): full fine-tuned teachers and
# their logits, task-agnostic backbone pruning (movement pruning during masked-LM training), and one
# `edgemt-train edgebert` run per GLUE task (adapters → off-ramps → calibrated threshold and exit LUT).
#
#   scripts/edgebert-glue.sh teachers BACKBONE ENCODED_DIR OUT_DIR      full fine-tuning + train logits
#   scripts/edgebert-glue.sh prune    BACKBONE SHARD OUT_DIR [INIT]      pruned backbone (INIT: magnitude|constant)
#   scripts/edgebert-glue.sh packs    BACKBONE ENCODED_DIR OUT_DIR       one task pack per task, side by side
#
# Environment: EDGEMT_TRAIN (default build-gpu/bin/edgemt-train, else build/bin/edgemt-train), DEVICE
# (cuda), TASKS (sst2 mrpc stsb rte cola), TIME_LIMIT_MIN (stage 1 / fine-tuning limit, default 5.5),
# SPAN_RAMP / SPAN_LAMBDA / SPAN_LAMBDA_SST2 (adaptive span; unset: off), TEACHERS (dir of <task>.logits.safetensors:
# distil), TASK_SPARSITY (movement pruning of the task matrices), JOINT_RAMPS_SST2 (SST-2's off-ramps
# also trained in stage 1 with this weight: --joint-ramps; unset: separate stages), EXTRA (more edgebert options),
# PRUNE_STEPS (1200), PRUNE_BATCH (128), PRUNE_MIN (5), EMBED_SPARSITY (0.6), ENCODER_SPARSITY (0.5),
# EPOCHS (overrides every task's epochs for teachers and packs: toy runs).
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '5,7p' "$0" | sed 's/^# *//' >&2; exit 2; }
[ $# -ge 4 ] || usage
step=$1 backbone=$2 input=$3 out=$4
tasks=${TASKS:-sst2 mrpc stsb rte cola}
device=${DEVICE:-cuda}
limit=${TIME_LIMIT_MIN:-5.5}
trainer=${EDGEMT_TRAIN:-}
[ -n "$trainer" ] || for c in build-gpu/bin/edgemt-train build/bin/edgemt-train; do [ -x "$c" ] && trainer=$c && break; done
[ -x "${trainer:-}" ] || { echo "edgebert-glue: no edgemt-train (scripts/build-trainer.sh builds one)" >&2; exit 1; }
export PYTORCH_CUDA_ALLOC_CONF=${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}
mkdir -p "$out"

# Stage 1 settings per task (adapters m = 16; see docs/edgebert-training.md for why these).
stage1() { with_epochs "$(stage1_settings "$1")"; }
with_epochs() { if [ -n "${EPOCHS:-}" ]; then echo "$1" | sed "s/--epochs [0-9]*/--epochs $EPOCHS/"; else echo "$1"; fi; }
stage1_settings() {
  case $1 in
    sst2) echo "--epochs 2 --batch 64 --lr 1e-3 --predictor-layer 1" ;;
    cola) echo "--epochs 5 --batch 32 --lr 5e-4 --predictor-layer 3" ;;
    stsb) echo "--epochs 8 --batch 32 --lr 5e-4" ;;
    rte) echo "--epochs 4 --batch 32 --lr 5e-4 --predictor-layer 3" ;;
    *) echo "--epochs 6 --batch 32 --lr 5e-4 --predictor-layer 3" ;;
  esac
}
# Span loss weight: SST-2's from the sweep in docs/edgebert-training.md (0.002 cost it 1-2 points).
span_lambda() {
  case $1 in
    sst2) echo "${SPAN_LAMBDA_SST2:-0.0001}" ;;
    *) echo "${SPAN_LAMBDA:-0.002}" ;;
  esac
}
teacher_args() { with_epochs "$(teacher_settings "$1")"; }
teacher_settings() {
  case $1 in
    sst2) echo "--epochs 2 --batch 64 --lr 4e-5" ;;
    cola) echo "--epochs 4 --batch 32 --lr 3e-5" ;;
    *) echo "--epochs 3 --batch 32 --lr 3e-5" ;;
  esac
}

pids=()
case $step in
teachers)
  for t in $tasks; do
    (
      "$trainer" finetune --mode full --init "$backbone" --data "$input/$t.safetensors" --out "$out/$t" $(teacher_args "$t") \
        --dtype f16 --seed 42 --device "$device" --log-every 500 --time-limit-min "$limit" >"$out/$t.log" 2>&1 &&
        "$trainer" logits --model "$out/$t" --data "$input/$t.safetensors" --out "$out/$t.logits.safetensors" \
          --device "$device" >>"$out/$t.log" 2>&1
    ) &
    pids+=($!)
  done
  ;;
prune)
  init=${5:-magnitude}
  "$trainer" pretrain --init "$backbone" --shard "$input" --out "$out" --steps "${PRUNE_STEPS:-1200}" \
    --batch "${PRUNE_BATCH:-128}" --seq 128 --lr 5e-5 --warmup 100 --prune-embeddings "${EMBED_SPARSITY:-0.6}" \
    --prune-encoder "${ENCODER_SPARSITY:-0.5}" --score-init "$init" --prune-warmup 0.1 --prune-cooldown 0.3 \
    --checkpoint-every-min 0 --time-limit-min "${PRUNE_MIN:-5}" --device "$device" --log-every 100 >"$out.log" 2>&1 &
  pids+=($!)
  ;;
packs)
  for t in $tasks; do
    args=($(stage1 "$t") --compare-offramps --dtype f16 --seed 42 --device "$device" --log-every 200 --time-limit-min "$limit")
    [ -n "${SPAN_RAMP:-}" ] && args+=(--span-ramp "$SPAN_RAMP" --span-lambda "$(span_lambda "$t")")
    [ -n "${TEACHERS:-}" ] && [ -f "$TEACHERS/$t.logits.safetensors" ] && args+=(--teacher-logits "$TEACHERS/$t.logits.safetensors")
    [ -n "${TASK_SPARSITY:-}" ] && args+=(--task-sparsity "$TASK_SPARSITY")
    [ "$t" = rte ] && args+=(--calib-fraction 0.15)
    [ "$t" = sst2 ] && [ -n "${JOINT_RAMPS_SST2:-}" ] && args+=(--joint-ramps "$JOINT_RAMPS_SST2")
    "$trainer" edgebert --init "$backbone" --data "$input/$t.safetensors" --out "$out/$t" "${args[@]}" ${EXTRA:-} \
      >"$out/$t.log" 2>&1 &
    pids+=($!)
  done
  ;;
*) usage ;;
esac
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
for f in "$out"/*.log "$out.log"; do [ -f "$f" ] && echo "$f: $(tail -1 "$f")"; done
exit $status
