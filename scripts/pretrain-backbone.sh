#!/usr/bin/env bash
# Pretrains the ALBERT-base backbone of models/edgemt-albert-base on a GPU machine, in the three
# stages TRAINING.md describes: the one shared layer applied 4 times (stage 1), then 12 times
# (stages 2 and 3). ALBERT shares one layer's weights across depth, so a deeper model starts from
# the shallower one unchanged (progressive stacking; a 12-deep start stalled at the unigram plateau).
#
#   scripts/pretrain-backbone.sh SHARD SPIECE OUT_DIR
#
# SHARD: `edgemt train tokenize` of scripts/build-corpus.sh's corpus; SPIECE: scripts/train-tokenizer.sh's
# model. Writes OUT_DIR/{l4,l12,l12b}/ (each a model directory with checkpoint.pt; a stage resumes
# with RESUME=1) and OUT_DIR/l12b is the backbone. Environment: EDGEMT_TRAIN (default
# build-gpu/bin/edgemt-train), DEVICE (default cuda). About 12 minutes on one H200. For toy runs
# (make-default-model.sh SMOKE=1): PRETRAIN_CONFIG (a stage-1 config JSON with "num_hidden_layers": 4,
# instead of ALBERT-base's), PRETRAIN_STEPS (the three stages' steps, default "5144 2163 1290"; warm-up
# 10 % of each), PRETRAIN_BATCH (256).
set -euo pipefail
[ $# -eq 3 ] || { sed -n '7p' "$0" | sed 's/^# *//' >&2; exit 2; }
shard=$1 spiece=$2 out=$3
trainer=${EDGEMT_TRAIN:-build-gpu/bin/edgemt-train}
[ -x "$trainer" ] || { echo "pretrain-backbone: $trainer not found (scripts/build-trainer.sh)" >&2; exit 1; }
device=${DEVICE:-cuda}
resume=(); [ "${RESUME:-0}" = 1 ] && resume=(--resume)
mkdir -p "$out"
read -r steps1 steps2 steps3 <<<"${PRETRAIN_STEPS:-5144 2163 1290}"
[ -n "${steps3:-}" ] || { echo "pretrain-backbone: PRETRAIN_STEPS needs three step counts" >&2; exit 2; }
common=(--shard "$shard" --spiece "$spiece" --batch "${PRETRAIN_BATCH:-256}" --seq 128 --optimizer adamw --weight-decay 0.01
        --checkpoint-every-min 3 --log-every 200 --device "$device" --seed 1234 "${resume[@]}")

# Stage 1: ALBERT-base, the shared layer applied 4 times.
if [ -n "${PRETRAIN_CONFIG:-}" ]; then cp "$PRETRAIN_CONFIG" "$out/albert-base-l4.json"; else
cat >"$out/albert-base-l4.json" <<'JSON'
{"model_type": "albert", "vocab_size": 30000, "embedding_size": 128, "hidden_size": 768,
 "num_hidden_layers": 4, "num_hidden_groups": 1, "inner_group_num": 1, "num_attention_heads": 12,
 "intermediate_size": 3072, "hidden_act": "gelu_new", "max_position_embeddings": 512,
 "type_vocab_size": 2, "layer_norm_eps": 1e-12}
JSON
fi
"$trainer" pretrain --model-config "$out/albert-base-l4.json" --out "$out/l4" --steps "$steps1" --warmup $((steps1 / 10)) --lr 4e-4 \
  "${common[@]}" 2>&1 | tee "$out/l4.log"

# Stage 2: the same weights applied 12 times.
mkdir -p "$out/l12-init"
cp "$out/l4/model.safetensors" "$out/l12-init/"
sed 's/"num_hidden_layers": 4,/"num_hidden_layers": 12,/' "$out/l4/config.json" >"$out/l12-init/config.json"
grep -q '"num_hidden_layers": 12,' "$out/l12-init/config.json" || { echo "pretrain-backbone: cannot set 12 layers" >&2; exit 1; }
"$trainer" pretrain --init "$out/l12-init" --out "$out/l12" --steps "$steps2" --warmup $((steps2 / 10)) --lr 1.5e-4 \
  "${common[@]}" 2>&1 | tee "$out/l12.log"

# Stage 3: a second, lower-rate decay at 12 layers.
"$trainer" pretrain --init "$out/l12" --out "$out/l12b" --steps "$steps3" --warmup $((steps3 / 10)) --lr 8e-5 \
  "${common[@]}" 2>&1 | tee "$out/l12b.log"
echo "pretrain-backbone: $out/l12b (export as fp16: $trainer export --init $out/l12b --out DIR)"
