#!/usr/bin/env bash
# Assembles the compressed multi-task model models/edgemt-albert-glue/ from the EdgeBERT pipeline's
# outputs (docs/edgebert-training.md): the pruned backbone (scripts/edgebert-glue.sh prune) and the five
# task packs of configuration (d) (scripts/edgebert-glue.sh packs on it), AdaptivFloat-8 encoded with
# bitmask storage for the pruned matrices by `edgemt compress`.
#
#   scripts/make-glue-model.sh PRUNED_BACKBONE PACKS_DIR OUT_DIR
#
# PRUNED_BACKBONE: config.json, model.safetensors (spiece.model, when absent, and tokenizer_config.json
# are taken from TOKENIZER_FROM, default models/edgemt-albert-base). PACKS_DIR/<task>/ holds task.json,
# task.safetensors and edgebert.json. Environment: EDGEMT (default build/bin/edgemt), TASKS (sst2 mrpc
# stsb rte cola), PRUNE (the sparsities the pipeline trained: embeddings 0.6, encoder 0.5, tasks 0.5),
# A_EVAL (a folder of configuration (a)'s `scripts/edgebert-eval.sh` results: written to results.json,
# the uncompressed figures `edgemt demo` prints beside the model's).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || { sed -n 6p "$0" | sed 's/^# *//' >&2; exit 2; }
backbone=$1 packs=$2 out=$3
edgemt=${EDGEMT:-build/bin/edgemt}
tasks=${TASKS:-sst2 mrpc stsb rte cola}
prune=${PRUNE:-magnitude:0.6:embeddings,magnitude:0.5:encoder,magnitude:0.5:tasks}
[ -x "$edgemt" ] || { echo "make-glue-model: no $edgemt (build the engine)" >&2; exit 1; }
[ ! -e "$out" ] || { echo "make-glue-model: $out exists; remove it first" >&2; exit 1; }
stage=$(mktemp -d "${TMPDIR:-/tmp}/glue-model.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/model/tasks"
tok=${TOKENIZER_FROM:-models/edgemt-albert-base}
for f in config.json model.safetensors; do cp "$backbone/$f" "$stage/model/$f"; done
cp "$tok/tokenizer_config.json" "$stage/model/"
if [ -f "$backbone/spiece.model" ]; then cp "$backbone/spiece.model" "$stage/model/"; else cp "$tok/spiece.model" "$stage/model/"; fi
for t in $tasks; do
  [ -f "$packs/$t/task.safetensors" ] || { echo "make-glue-model: $packs/$t/task.safetensors missing" >&2; exit 1; }
  mkdir -p "$stage/model/tasks/$t"
  cp "$packs/$t/task.json" "$packs/$t/task.safetensors" "$stage/model/tasks/$t/"
done
# Magnitude pruning at the trained sparsities keeps exactly the trained zeros (they are the smallest).
"$edgemt" compress --model "$stage/model" --out "$out" --weights af8 --prune "$prune"
for t in $tasks; do [ -f "$packs/$t/edgebert.json" ] && cp "$packs/$t/edgebert.json" "$out/tasks/$t/"; done
cat >"$out/TRAINING.md" <<EOT
# edgemt-albert-glue: how it was made

Made by \`scripts/make-glue-model.sh\` from the EdgeBERT pipeline's outputs (docs/edgebert-training.md):
the backbone of models/edgemt-albert-base pruned task-agnostically (embeddings 60 % by magnitude,
encoder 50 % by movement pruning during masked-LM training) and five task packs ($tasks) trained on it
(adapters m 16, adaptive spans, light off-ramps with calibrated thresholds and exit predictors,
distillation, 50 % movement pruning of the task matrices), then \`edgemt compress --weights af8
--prune $prune\`. Each tasks/<task>/edgebert.json holds the training statistics.
EOT
if [ -n "${A_EVAL:-}" ]; then python3 scripts/edgebert_report.py results "$A_EVAL" "$out/results.json"; fi
# The engine's accuracy-vs-exit-layer sweeps on the GLUE dev sets, which `edgemt demo`/`report` draw.
glue=${GLUE_DIR:-../shared/glue}
if [ -d "$glue" ]; then
  "$edgemt" eval --model "$out" --glue "$glue" --sweep "$out/sweeps.json" >/dev/null
else
  echo "make-glue-model: no GLUE directory ($glue): sweeps.json not made" >&2
fi
bytes=$(find "$out" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "make-glue-model: $out: $bytes bytes in all"
