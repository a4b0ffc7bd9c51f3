#!/usr/bin/env bash
# Measures one EdgeBERT configuration with the engine (docs/edgebert-training.md): `edgemt eval` on
# every task's GLUE dev set with --json and --trace (exit layers, attention pairs, labels).
#
#   scripts/edgebert-eval.sh MODEL_DIR OUT_DIR [TASK_SUFFIX] [EXIT_THRESHOLD]
#
# Writes OUT_DIR/<task>.json (eval --json) and OUT_DIR/<task>.trace.jsonl. TASK_SUFFIX is appended to
# the pack name (e.g. -b for tasks/sst2-b); EXIT_THRESHOLD overrides the packs' (0: early exit off).
# Environment: EDGEMT (default build/bin/edgemt), GLUE_DIR (../shared/glue), TASKS, THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 4,5p "$0" | sed 's/^# *//' >&2; exit 2; }
model=$1 out=$2 suffix=${3:-} threshold=${4:-}
edgemt=${EDGEMT:-build/bin/edgemt}
glue=${GLUE_DIR:-../shared/glue}
mkdir -p "$out"
dir() { case $1 in sst2) echo SST-2 ;; mrpc) echo MRPC ;; stsb) echo STS-B ;; rte) echo RTE ;; cola) echo CoLA ;; esac; }
for t in ${TASKS:-sst2 mrpc stsb rte cola}; do
  args=(eval --model "$model" --task "$t$suffix" --data "$glue/$(dir "$t")/dev.tsv" --glue-task "$t" --json
        --trace "$out/$t.trace.jsonl" --threads "${THREADS:-2}")
  [ -n "$threshold" ] && args+=(--exit-threshold "$threshold")
  "$edgemt" "${args[@]}" >"$out/$t.json" 2>"$out/$t.err"
  echo "$out/$t: $(cat "$out/$t.json")"
done
