#!/usr/bin/env bash
# Trains the ALBERT SentencePiece model (30,000 unigram pieces) on the pretraining corpus.
#
#   scripts/train-tokenizer.sh CORPUS OUT_DIR
#
# CORPUS   e.g. data/corpus/corpus.txt from scripts/build-corpus.sh (blank lines separate documents)
# OUT_DIR  gets spiece.model, spiece.vocab and tokenizer_config.json
#
# The corpus is first preprocessed exactly as ALBERT's tokenizer preprocesses text at run time
# (collapse white space, `` and '' -> ", NFKD, drop combining marks, lowercase), so the learned
# pieces are the ones the engine's tokenizer will see. Ids 0-4 are <pad> <unk> [CLS] [SEP] [MASK]
# (no BOS/EOS), like ALBERT's released spiece.model. spm_train runs in a temporary directory
# with fixed relative file names, a fixed seed and a fixed thread count, so the model bytes
# depend only on the corpus. Needs the Debian package `sentencepiece` (spm_train,
# spm_export_vocab, spm_encode) and python3.
#
# Environment: SPM_SENTENCES (default 1000000) caps the sentences spm_train samples (lines of the
# corpus, shuffled with a fixed seed); SPM_COVERAGE (default 1.0, see docs/corpus.md); SPM_VOCAB
# (default 30000, ALBERT's; smaller only for toy corpora such as make-default-model.sh's SMOKE=1).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 CORPUS OUT_DIR" >&2
  exit 2
fi
CORPUS=$1
OUT=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ next to scripts/corpus/
SENTENCES=${SPM_SENTENCES:-1000000}
COVERAGE=${SPM_COVERAGE:-1.0}
VOCAB=${SPM_VOCAB:-30000}

for t in spm_train spm_export_vocab; do
  command -v $t >/dev/null || { echo "$0: $t not found: apt-get install sentencepiece" >&2; exit 1; }
done
[ -s "$CORPUS" ] || { echo "$0: corpus $CORPUS missing or empty" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CORPUS=$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/spm.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)

"$PY" "$ROOT/scripts/corpus/albert_preprocess.py" "$CORPUS" "$WORK/input.txt"
echo "train-tokenizer: input $(wc -l < "$WORK/input.txt") lines, $(du -m "$WORK/input.txt" | cut -f1) MB" >&2

(
  cd "$WORK"
  spm_train \
    --input=input.txt \
    --model_prefix=spiece \
    --model_type=unigram \
    --vocab_size=$VOCAB \
    --character_coverage="$COVERAGE" \
    --normalization_rule_name=nmt_nfkc \
    --pad_id=0 --pad_piece='<pad>' \
    --unk_id=1 --unk_piece='<unk>' \
    --bos_id=-1 --eos_id=-1 \
    --control_symbols='[CLS],[SEP],[MASK]' \
    --input_sentence_size="$SENTENCES" \
    --shuffle_input_sentence=true \
    --random_seed=20190926 \
    --num_threads=2 \
    --max_sentence_length=8192 \
    --minloglevel=1
) > "$WORK/spm_train.log" 2>&1 || { tail -30 "$WORK/spm_train.log" >&2; exit 1; }

cp "$WORK/spiece.model" "$WORK/spiece.vocab" "$OUT/"
cat > "$OUT/tokenizer_config.json" <<'EOF'
{"do_lower_case": true, "keep_accents": false, "remove_space": true, "tokenizer_class": "AlbertTokenizer"}
EOF

# ------------------------------------------------------------------ verify the special ids
spm_export_vocab --model="$OUT/spiece.model" --output_format=vocab > "$WORK/export.tsv"
expected=$'<pad>\n<unk>\n[CLS]\n[SEP]\n[MASK]'
got=$(head -n 5 "$WORK/export.tsv" | cut -f1)
if [ "$got" != "$expected" ]; then
  echo "train-tokenizer: ids 0-4 are not <pad> <unk> [CLS] [SEP] [MASK]:" >&2
  head -n 5 "$WORK/export.tsv" >&2
  exit 1
fi
n=$(wc -l < "$WORK/export.tsv")
[ "$n" -eq $VOCAB ] || { echo "train-tokenizer: $n pieces, expected $VOCAB" >&2; exit 1; }
echo "train-tokenizer: ids 0-4 = $(echo $got) ; $n pieces" >&2
echo "train-tokenizer: $OUT/spiece.model $(stat -c %s "$OUT/spiece.model") bytes sha256 $(sha256sum "$OUT/spiece.model" | cut -c1-16)... in $(( $(date +%s) - START ))s" >&2
