#!/usr/bin/env bash
# Rebuilds the interim demo model models/albert-tiny-sst2/ (a 4-layer, 256-wide ALBERT trained from
# scratch on GLUE SST-2; see models/README.md and models/albert-tiny-sst2/TRAINING.md).
#
#   scripts/make-tiny-demo-model.sh tokenizer [GLUE_SST2_DIR] [MODEL_DIR]
#       Step 1 (any machine with Debian's `sentencepiece` package): trains spiece.model on the
#       sentences of SST-2 train.tsv (never dev/test), lower-cased and otherwise preprocessed as
#       ALBERT's tokenizer does, and writes spiece.model and tokenizer_config.json into MODEL_DIR.
#       Checks the special ids with spm_export_vocab.
#   scripts/make-tiny-demo-model.sh stage [GLUE_SST2_DIR]
#       Copies train.tsv/dev.tsv and spiece.model into .demo-inputs/ (keep it ignored through
#       .git/info/exclude) so that the training machine gets them with the working tree.
#   scripts/make-tiny-demo-model.sh train [OUT_DIR]
#       Step 2 (needs a CUDA GPU and python3 with torch, transformers >= 5, sentencepiece,
#       safetensors): runs scripts/train_tiny_demo.py on .demo-inputs/ and writes the model to
#       OUT_DIR/model/ (default OUT_DIR: ${OUT:-build/tiny-demo}).
#   scripts/make-tiny-demo-model.sh install OUT_DIR [MODEL_DIR]
#       Step 3: copies config.json, model.safetensors, dev_predictions.json from OUT_DIR/model/ into
#       MODEL_DIR (TRAINING.md is written by hand from OUT_DIR/train_log.txt).
#
# GLUE_SST2_DIR defaults to ../shared/glue/SST-2 (relative to the repository root), MODEL_DIR to
# models/albert-tiny-sst2.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAGE_DIR=".demo-inputs"

die() { echo "make-tiny-demo-model: $*" >&2; exit 1; }

cmd_tokenizer() {
  local glue="${1:-../shared/glue/SST-2}" model_dir="${2:-models/albert-tiny-sst2}"
  command -v spm_train >/dev/null || die "spm_train not found (apt-get install sentencepiece)"
  [ -f "$glue/train.tsv" ] || die "no $glue/train.tsv"
  mkdir -p "$model_dir"
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  # Column "sentence" of train.tsv (header skipped), put through ALBERT's own text preprocessing
  # (the transformers AlbertTokenizer's preprocess_text with do_lower_case, remove_space and no
  # accents: collapse whitespace, `` and '' -> ", NFKD without combining marks, lower case), so that
  # the vocabulary sees exactly the text it will be asked to encode (SST-2 writes quotes as `` '';
  # without this '"' would be <unk>). dev.tsv/test.tsv are not used.
  python3 - "$glue/train.tsv" "$tmp/sentences.txt" <<'PY'
import csv, sys, unicodedata
src, dst = sys.argv[1], sys.argv[2]
def preprocess(text):
    out = " ".join(text.strip().split())
    out = out.replace("``", '"').replace("''", '"')
    out = unicodedata.normalize("NFKD", out)
    out = "".join(c for c in out if not unicodedata.combining(c))
    return out.lower()
with open(src, encoding="utf-8", newline="") as f, open(dst, "w", encoding="utf-8") as out:
    reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    col = header.index("sentence")
    n = 0
    for row in reader:
        s = preprocess(row[col])
        if s:
            out.write(s + "\n")
            n += 1
print(f"tokenizer: {n} training sentences", file=sys.stderr)
PY
  # Relative paths: spiece.model records them in its trainer spec; fixed names keep it reproducible.
  (cd "$tmp" && spm_train \
    --input=sentences.txt \
    --model_prefix=spiece \
    --model_type=unigram \
    --vocab_size=4000 \
    --character_coverage=1.0 \
    --normalization_rule_name=nmt_nfkc \
    --pad_id=0 --unk_id=1 --bos_id=-1 --eos_id=-1 \
    --pad_piece='<pad>' --unk_piece='<unk>' \
    --control_symbols='[CLS],[SEP],[MASK]' \
    --num_threads=1 \
    >spm_train.log 2>&1) || { cat "$tmp/spm_train.log" >&2; die "spm_train failed"; }
  spm_export_vocab --model="$tmp/spiece.model" --output="$tmp/vocab.tsv"
  local want got
  want=$'<pad>\n<unk>\n[CLS]\n[SEP]\n[MASK]'
  got="$(head -n 5 "$tmp/vocab.tsv" | cut -f1)"
  [ "$got" = "$want" ] || die "unexpected special pieces: $(echo "$got" | tr '\n' ' ')"
  [ "$(wc -l <"$tmp/vocab.tsv")" -eq 4000 ] || die "vocab size $(wc -l <"$tmp/vocab.tsv") != 4000"
  cp "$tmp/spiece.model" "$model_dir/spiece.model"
  cat >"$model_dir/tokenizer_config.json" <<'JSON'
{
  "do_lower_case": true,
  "keep_accents": false,
  "remove_space": true,
  "tokenizer_class": "AlbertTokenizer"
}
JSON
  echo "tokenizer: wrote $model_dir/spiece.model ($(stat -c %s "$model_dir/spiece.model") bytes," \
       "sha256 $(sha256sum "$model_dir/spiece.model" | cut -c1-16)...), ids 0-4 = <pad> <unk> [CLS] [SEP] [MASK]"
}

cmd_stage() {
  local glue="${1:-../shared/glue/SST-2}"
  [ -f models/albert-tiny-sst2/spiece.model ] || die "run '$0 tokenizer' first"
  mkdir -p "$STAGE_DIR"
  cp "$glue/train.tsv" "$glue/dev.tsv" "$STAGE_DIR/"
  cp models/albert-tiny-sst2/spiece.model "$STAGE_DIR/"
  grep -qxF "/$STAGE_DIR/" .git/info/exclude 2>/dev/null || echo "/$STAGE_DIR/" >>.git/info/exclude
  echo "stage: $STAGE_DIR/ ready ($(du -sh "$STAGE_DIR" | cut -f1)); carry it to the GPU machine"
}

cmd_train() {
  local out="${1:-${OUT:-build/tiny-demo}}"
  [ -f "$STAGE_DIR/train.tsv" ] || die "run '$0 stage' first"
  # The exact command used for the shipped model (see TRAINING.md).
  PYTHONUNBUFFERED=1 python3 scripts/train_tiny_demo.py \
    --data "$STAGE_DIR" --spm "$STAGE_DIR/spiece.model" --out "$out" \
    --epochs 5 --lr 1e-3 --batch-size 128 --max-length 64 --seed 1234 --time-budget 240
}

cmd_install() {
  local out="${1:?OUT_DIR}" model_dir="${2:-models/albert-tiny-sst2}"
  for f in config.json model.safetensors dev_predictions.json; do
    [ -f "$out/model/$f" ] || die "no $out/model/$f"
    install -m 644 "$out/model/$f" "$model_dir/$f"
  done
  du -b "$model_dir"/*
  echo "install: total $(du -cb "$model_dir"/* | tail -1 | cut -f1) bytes (limit 3 MB)"
}

case "${1:-}" in
  tokenizer) shift; cmd_tokenizer "$@" ;;
  stage) shift; cmd_stage "$@" ;;
  train) shift; cmd_train "$@" ;;
  install) shift; cmd_install "$@" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
