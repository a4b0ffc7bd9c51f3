#!/usr/bin/env bash
# Rebuilds the default model, models/edgemt-albert-glue, end to end from the pipeline:
# corpus → tokenizer → shard → pretraining → encoded GLUE → teachers → backbone pruning → EdgeBERT task
# packs → the unpruned baseline (a) and its evaluation (results.json) → AdaptivFloat compression. GPU
# steps run on the GPU machine (scripts/build-trainer.sh builds the trainer there), the others where the
# engine is built (make build). Every step reads and writes under WORK and says what it made.
#
#   scripts/make-default-model.sh [STEP …]        (default: every step)
#   scripts/make-default-model.sh --list          the steps with their inputs and outputs
#   SMOKE=1 scripts/make-default-model.sh         every step at toy scale on this machine's CPU
#
# SMOKE=1 checks the whole chain in minutes, not the model: the local corpus sources only (GLUE train
# + SST snippets), a 1,000-piece tokenizer, a 4-layer H 64 ALBERT pretrained for a few steps, 256
# training and 64 dev rows per GLUE task (copied to WORK/glue), one epoch per task, everything on
# the CPU; WORK defaults to data/default-model-smoke and OUT to WORK/model.
#
# Environment: WORK (default data/default-model), GLUE_DIR (default ../shared/glue), OUT (default
# models/edgemt-albert-glue; must not exist), EDGEMT (default build/bin/edgemt), EDGEMT_TRAIN (default
# build-gpu/bin/edgemt-train). The settings of the committed model are those of each script called
# (docs/edgebert-training.md "Reproduce"; models/edgemt-albert-base/TRAINING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE=${SMOKE:-0}
if [ "$SMOKE" = 1 ]; then W=${WORK:-data/default-model-smoke}; else W=${WORK:-data/default-model}; fi
GLUE=${GLUE_DIR:-../shared/glue}
OUT=${OUT:-$([ "$SMOKE" = 1 ] && echo "$W/model" || echo models/edgemt-albert-glue)}
export EDGEMT=${EDGEMT:-build/bin/edgemt}
if [ "$SMOKE" = 1 ]; then
  export EDGEMT_TRAIN=${EDGEMT_TRAIN:-$(dirname "$EDGEMT")/edgemt-train} DEVICE=cpu
  export ONLY_SOURCES=sst-snippets   # + GLUE train: nothing to download
  export SPM_VOCAB=1000 PRETRAIN_STEPS="6 3 3" PRETRAIN_BATCH=8 PRETRAIN_CONFIG=$W/smoke-albert.json
  export EPOCHS=1 PRUNE_STEPS=4 PRUNE_BATCH=8 TIME_LIMIT_MIN=0 OMP_NUM_THREADS=1   # tasks run side by side
else
  export EDGEMT_TRAIN=${EDGEMT_TRAIN:-build-gpu/bin/edgemt-train}
fi
BACKBONE=$W/pretrain/l12b

# name | machine | inputs | outputs
STEPS=(
  "corpus|cpu|\$GLUE_DIR, ../shared/corpus|$W/corpus/corpus.txt"
  "tokenizer|cpu|$W/corpus/corpus.txt|$W/tokenizer/spiece.model"
  "shard|cpu|$W/corpus/corpus.txt, $W/tokenizer/spiece.model|$W/shard.bin"
  "pretrain|GPU|$W/shard.bin, $W/tokenizer/spiece.model|$BACKBONE (model directory)"
  "encode|cpu|$BACKBONE, \$GLUE_DIR|$W/encoded/<task>.safetensors"
  "teachers|GPU|$BACKBONE, $W/encoded|$W/teachers/<task>.logits.safetensors"
  "prune|GPU|$BACKBONE, $W/shard.bin|$W/pruned (backbone: embeddings 60 %, encoder 50 %)"
  "packs|GPU|$W/pruned, $W/encoded, $W/teachers|$W/packs/<task>/{task.json,task.safetensors,edgebert.json}"
  "baseline|GPU|$BACKBONE, $W/encoded|$W/baseline/<task>/ (configuration (a)/(b): adapters + ramps, unpruned)"
  "baseline-eval|cpu|$BACKBONE, $W/baseline, \$GLUE_DIR|$W/eval-a/<task>.json (configuration (a): early exit off)"
  "model|cpu|$W/pruned, $W/packs, $W/eval-a, \$GLUE_DIR|$OUT (AF8 + bitmask, sweeps.json, results.json)"
)

ALL_STEPS=()   # the step names, in order, from the table above
for line in "${STEPS[@]}"; do ALL_STEPS+=("${line%%|*}"); done

list() {
  printf '%-14s %-4s %-60s %s\n' step on inputs outputs
  for s in "${STEPS[@]}"; do IFS='|' read -r n m i o <<<"$s"; printf '%-14s %-4s %-60s %s\n' "$n" "$m" "$i" "$o"; done
}

need() { for f in "$@"; do [ -e "$f" ] || { echo "make-default-model: missing $f (run the step that makes it first; --list)" >&2; exit 1; }; done; }
say() { echo "make-default-model: [$1] $2" >&2; }

run_step() {
  case $1 in
    corpus) scripts/build-corpus.sh "$W/corpus" "$GLUE" ;;
    tokenizer) need "$W/corpus/corpus.txt"; scripts/train-tokenizer.sh "$W/corpus/corpus.txt" "$W/tokenizer" ;;
    shard) need "$W/corpus/corpus.txt" "$W/tokenizer/spiece.model"
      "$EDGEMT" train tokenize --corpus "$W/corpus/corpus.txt" --spiece "$W/tokenizer/spiece.model" --out "$W/shard.bin" ;;
    pretrain) need "$W/shard.bin" "$W/tokenizer/spiece.model"
      scripts/pretrain-backbone.sh "$W/shard.bin" "$W/tokenizer/spiece.model" "$W/pretrain" ;;
    encode) need "$BACKBONE/config.json"; GLUE_DIR=$GLUE scripts/finetune-glue.sh encode "$BACKBONE" "$W/encoded" ;;
    teachers) need "$W/encoded"; TASKS="sst2 mrpc rte cola" scripts/edgebert-glue.sh teachers "$BACKBONE" "$W/encoded" "$W/teachers" ;;
    prune) need "$W/shard.bin" "$BACKBONE/config.json"  # the committed backbone's pruning run: 600 steps × 64
      PRUNE_STEPS=${PRUNE_STEPS:-600} PRUNE_BATCH=${PRUNE_BATCH:-64} \
        scripts/edgebert-glue.sh prune "$BACKBONE" "$W/shard.bin" "$W/pruned" magnitude ;;
    packs) need "$W/pruned/config.json" "$W/encoded" "$W/teachers"
      TEACHERS=$W/teachers TASK_SPARSITY=0.5 SPAN_RAMP=8 SPAN_LAMBDA=0.002 JOINT_RAMPS_SST2=1 \
        scripts/edgebert-glue.sh packs "$W/pruned" "$W/encoded" "$W/packs" ;;
    baseline) need "$BACKBONE/config.json" "$W/encoded"; scripts/edgebert-glue.sh packs "$BACKBONE" "$W/encoded" "$W/baseline" ;;
    baseline-eval) need "$BACKBONE/config.json" "$W/baseline"
      rm -rf "$W/mbc" && mkdir -p "$W/mbc/tasks"
      for f in config.json model.safetensors spiece.model tokenizer_config.json; do
        [ -e "$BACKBONE/$f" ] && cp "$BACKBONE/$f" "$W/mbc/"
      done
      [ -e "$W/mbc/spiece.model" ] || cp "$W/tokenizer/spiece.model" "$W/mbc/"
      for d in "$W/baseline"/*/; do [ -f "$d/task.json" ] && cp -r "$d" "$W/mbc/tasks/"; done
      GLUE_DIR=$GLUE scripts/edgebert-eval.sh "$W/mbc" "$W/eval-a" "" 0 ;;
    model) need "$W/pruned/config.json" "$W/packs"
      A_EVAL=$([ -d "$W/eval-a" ] && echo "$W/eval-a") TOKENIZER_FROM=$W/tokenizer GLUE_DIR=$GLUE \
        scripts/make-glue-model.sh "$W/pruned" "$W/packs" "$OUT" ;;
    *) echo "make-default-model: unknown step '$1' (steps: ${ALL_STEPS[*]})" >&2; exit 2 ;;
  esac
}

# SMOKE=1: a GLUE subset (the first 256 training and 64 dev rows of each task, headers kept) and
# the toy model's stage-1 config, under WORK.
smoke_setup() {
  local d n
  for d in SST-2 MRPC STS-B RTE CoLA; do
    [ -f "$GLUE/$d/train.tsv" ] || { echo "make-default-model: $GLUE/$d/train.tsv missing (GLUE_DIR)" >&2; exit 1; }
    mkdir -p "$W/glue/$d"
    for n in train:257 dev:65; do head -n "${n#*:}" "$GLUE/$d/${n%%:*}.tsv" >"$W/glue/$d/${n%%:*}.tsv"; done
  done
  cat >"$PRETRAIN_CONFIG" <<JSON
{"model_type": "albert", "vocab_size": $SPM_VOCAB, "embedding_size": 32, "hidden_size": 64,
 "num_hidden_layers": 4, "num_hidden_groups": 1, "inner_group_num": 1, "num_attention_heads": 4,
 "intermediate_size": 128, "hidden_act": "gelu_new", "max_position_embeddings": 512,
 "type_vocab_size": 2, "layer_norm_eps": 1e-12}
JSON
}

if [ "${1:-}" = --list ]; then list; exit 0; fi
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0; fi
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=("${ALL_STEPS[@]}")
for s in "${steps[@]}"; do
  [[ " ${ALL_STEPS[*]} " == *" $s "* ]] || run_step "$s"   # an unknown name: run_step's error
done
mkdir -p "$W"
if [ "$SMOKE" = 1 ]; then smoke_setup; GLUE=$W/glue; fi
for s in "${steps[@]}"; do
  for line in "${STEPS[@]}"; do
    IFS='|' read -r n m _ o <<<"$line"
    [ "$n" = "$s" ] || continue
    [ "$m" = GPU ] && [ "$SMOKE" != 1 ] && ! command -v nvidia-smi >/dev/null && say "$s" "runs on the GPU machine; no GPU here, trying anyway (slow on CPU)"
    say "$s" "→ $o"
    SECONDS=0
    run_step "$s"
    say "$s" "done in ${SECONDS}s"
  done
done
