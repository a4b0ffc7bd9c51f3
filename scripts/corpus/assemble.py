#!/usr/bin/env python3
"""Assembles the pretraining corpus from the per-source part files.

    assemble.py --parts DIR --sources a,b,c --glue GLUE_DIR --out OUT_DIR

* adds the GLUE *training* sentences (SST-2, CoLA, MRPC, STS-B, RTE) as one document per text;
* deduplicates lines exactly (case-insensitive, white space normalised), keeping the first;
* removes every line that matches a GLUE dev/test sentence (all tasks present), compared on a key
  that ignores case, accents, punctuation and tokenisation ("it 's" == "It's"); also every line
  that contains a dev/test sentence of 8+ words, or shares a 13-word n-gram with any dev/test
  text; and every SST raw snippet that contains an SST-2 dev/test sentence, whatever its length;
* writes OUT/corpus.txt (a blank line between documents), OUT/heldout.txt (QNLI dev sentences,
  none of them in the corpus) and OUT/stats.json.
"""

import argparse
import bisect
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ascii_fold, norm_ws, split_sentences  # noqa: E402

_WORD = re.compile(r"[a-z0-9]+")
CONTAIN_MIN = 8      # dev/test sentences this long are also removed where they occur inside a line
NGRAM = 13           # a line sharing a 13-word n-gram with a dev/test text is removed


def match_key(text):
    """Case-, accent-, punctuation- and tokenisation-insensitive key."""
    if not text.isascii():
        text = ascii_fold(text)
    return " ".join(_WORD.findall(text.lower()))


def dedup_key(line):
    return " ".join(line.lower().split())


# ================================================================ GLUE files

TEXT_COLUMNS = {"sentence", "sentence1", "sentence2", "question", "question1", "question2",
                "#1 string", "#2 string", "premise", "hypothesis"}


def read_tsv_texts(path, task):
    """All text fields of a GLUE TSV file (official layouts; no quote processing)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = [line.rstrip("\r\n").split("\t") for line in f]
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    cols = [i for i, h in enumerate(header) if h in TEXT_COLUMNS]
    if cols:
        body = rows[1:]
    elif task == "CoLA":
        cols, body = [3], rows          # CoLA train/dev: no header, sentence in column 4
    else:
        raise SystemExit(f"assemble: cannot find the text columns of {path}")
    out = []
    for r in body:
        for c in cols:
            if c < len(r):
                t = norm_ws(r[c])
                if t:
                    out.append(t)
    return out


DEVTEST_FILES = {
    "SST-2": ["dev.tsv", "test.tsv"], "CoLA": ["dev.tsv", "test.tsv"], "MRPC": ["dev.tsv", "test.tsv"],
    "STS-B": ["dev.tsv", "test.tsv"], "RTE": ["dev.tsv", "test.tsv"], "QNLI": ["dev.tsv", "test.tsv"],
    "MNLI": ["dev_matched.tsv", "dev_mismatched.tsv", "test_matched.tsv", "test_mismatched.tsv"],
    "QQP": ["dev.tsv", "test.tsv"], "WNLI": ["dev.tsv", "test.tsv"],
}
TRAIN_TASKS = ["SST-2", "CoLA", "MRPC", "STS-B", "RTE"]


class DevTest:
    def __init__(self, glue_dir):
        self.files = []
        self.exact = set()        # keys of every dev/test text and every sentence of one
        self.first8 = {}          # first 8 words -> keys of long dev/test sentences
        self.grams8 = set()       # every 8-gram of any dev/test text (candidate filter)
        self.grams13 = set()
        self.sst = []             # SST-2 dev/test keys
        for task, names in DEVTEST_FILES.items():
            for name in names:
                path = os.path.join(glue_dir, task, name)
                if not os.path.exists(path):
                    continue
                texts = read_tsv_texts(path, task)
                self.files.append(f"{task}/{name}")
                for t in texts:
                    self._add(t, sst=(task == "SST-2"))
        self.sst = sorted(set(self.sst))

    def _add(self, text, sst):
        pieces = [text] + (split_sentences(text) if len(text) > 40 else [])
        for p in pieces:
            k = match_key(p)
            if not k:
                continue
            self.exact.add(k)
            w = k.split()
            if sst:
                self.sst.append(k)
            if len(w) >= CONTAIN_MIN:
                self.first8.setdefault(" ".join(w[:8]), set()).add(k)
        w = match_key(text).split()
        for i in range(len(w) - 7):
            self.grams8.add(" ".join(w[i:i + 8]))
        for i in range(len(w) - NGRAM + 1):
            self.grams13.add(" ".join(w[i:i + NGRAM]))

    def check(self, k):
        """None if the line with match key k is clean, else the rule that removes it."""
        if k in self.exact:
            return "exact"
        w = k.split()
        if len(w) < 8:
            return None
        grams8 = self.grams8
        hits = [i for i in range(len(w) - 7) if " ".join(w[i:i + 8]) in grams8]
        if not hits:
            return None
        padded = " " + k + " "
        for i in hits:
            for cand in self.first8.get(" ".join(w[i:i + 8]), ()):
                if " " + cand + " " in padded:
                    return "contains"
        for i in range(len(w) - NGRAM + 1):
            if " ".join(w[i:i + NGRAM]) in self.grams13:
                return "ngram13"
        return None

    def sst_snippets_hit(self, docs):
        """Indices of documents (SST snippets) containing any SST-2 dev/test sentence."""
        keys = [" " + match_key(" ".join(d)) + " " for d in docs]
        starts, pos = [], 0
        for k in keys:
            starts.append(pos)
            pos += len(k) + 1
        big = "\n".join(keys)
        hit = set()
        for s in self.sst:
            pat = " " + s + " "
            j = big.find(pat)
            while j >= 0:
                hit.add(bisect.bisect_right(starts, j) - 1)
                j = big.find(pat, j + 1)
        return hit


# ================================================================ documents

def read_docs(path):
    doc = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip():
                doc.append(line)
            elif doc:
                yield doc
                doc = []
    if doc:
        yield doc


def glue_train_docs(glue_dir):
    for task in TRAIN_TASKS:
        path = os.path.join(glue_dir, task, "train.tsv")
        if not os.path.exists(path):
            print(f"[glue-train] {task}/train.tsv missing: skipped", file=sys.stderr)
            continue
        for t in read_tsv_texts(path, task):
            yield split_sentences(t) if task != "SST-2" else [t]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", required=True)
    ap.add_argument("--sources", required=True)
    ap.add_argument("--glue", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.time()

    dt = DevTest(args.glue)
    print(f"[assemble] GLUE dev/test files: {len(dt.files)} ({', '.join(dt.files)}); "
          f"{len(dt.exact)} sentence keys", file=sys.stderr, flush=True)

    seen = set()
    stats = {"sources": {}}
    removed = {"exact": 0, "contains": 0, "ngram13": 0, "sst_snippet": 0}
    total = {"bytes": 0, "lines": 0, "documents": 0, "whitespace_tokens": 0}
    dups_total = 0
    corpus_keys = set()
    tmp = os.path.join(args.out, "corpus.txt.tmp")
    out = open(tmp, "w", encoding="utf-8", newline="\n")
    first_doc = True

    sources = [s for s in args.sources.split(",") if s] + ["glue-train"]
    for src in sources:
        if src == "glue-train":
            docs = list(glue_train_docs(args.glue))
        else:
            docs = list(read_docs(os.path.join(args.parts, src + ".txt")))
        drop_docs = dt.sst_snippets_hit(docs) if src == "sst-snippets" else set()
        st = {"bytes": 0, "lines": 0, "documents": 0, "whitespace_tokens": 0,
              "removed_glue_devtest": 0, "removed_duplicates": 0}
        for di, doc in enumerate(docs):
            if di in drop_docs:
                st["removed_glue_devtest"] += len(doc)
                removed["sst_snippet"] += len(doc)
                continue
            kept = []
            for line in doc:           # part files and GLUE texts are already white-space normalised
                dk = dedup_key(line)
                if dk in seen:
                    st["removed_duplicates"] += 1
                    continue
                mk = match_key(line)
                rule = dt.check(mk)
                if rule:
                    st["removed_glue_devtest"] += 1
                    removed[rule] += 1
                    continue
                seen.add(dk)
                kept.append(line)
                corpus_keys.add(mk)
            if not kept:
                continue
            text = ("" if first_doc else "\n") + "\n".join(kept) + "\n"
            first_doc = False
            out.write(text)
            st["documents"] += 1
            st["lines"] += len(kept)
            st["bytes"] += len(text.encode("utf-8"))
            st["whitespace_tokens"] += sum(len(l.split()) for l in kept)
        for k in total:
            total[k] += st[k]
        dups_total += st["removed_duplicates"]
        stats["sources"][src] = st
        print(f"[assemble] {src:16s} {st['bytes'] / 1e6:7.2f} MB  {st['lines']:8d} lines  "
              f"{st['documents']:7d} docs  -{st['removed_duplicates']} duplicate  "
              f"-{st['removed_glue_devtest']} GLUE dev/test", file=sys.stderr, flush=True)
    out.close()
    os.replace(tmp, os.path.join(args.out, "corpus.txt"))

    # held-out text for masked-LM evaluation: QNLI dev sentences (Wikipedia), never in the corpus
    held, held_keys = [], set()
    qnli = os.path.join(args.glue, "QNLI", "dev.tsv")
    if os.path.exists(qnli):
        with open(qnli, encoding="utf-8-sig") as f:
            rows = [l.rstrip("\r\n").split("\t") for l in f]
        col = [h.strip().lower() for h in rows[0]].index("sentence")
        for r in rows[1:]:
            if col < len(r):
                t = norm_ws(r[col])
                k = dedup_key(t)
                if t and k not in held_keys:
                    held_keys.add(k)
                    held.append(t)
    else:
        print("[assemble] QNLI/dev.tsv missing: heldout.txt is empty", file=sys.stderr)
    leaked = sum(1 for t in held if match_key(t) in corpus_keys)
    if leaked:
        raise SystemExit(f"assemble: {leaked} held-out sentences are in the corpus")
    with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(t + "\n" for t in held))

    stats = {
        "bytes": total["bytes"],
        "megabytes": round(total["bytes"] / 1e6, 2),
        "lines": total["lines"],
        "documents": total["documents"],
        "whitespace_tokens": total["whitespace_tokens"],
        "removed_glue_devtest_lines": sum(removed.values()),
        "removed_glue_devtest_by_rule": removed,
        "removed_duplicate_lines": dups_total,
        "per_source_bytes": {s: v["bytes"] for s, v in stats["sources"].items()},
        "sources": stats["sources"],
        "glue_devtest_files": dt.files,
        "heldout": {"file": "heldout.txt", "source": "QNLI/dev.tsv sentence column",
                    "lines": len(held), "bytes": sum(len(t.encode("utf-8")) + 1 for t in held),
                    "in_corpus": leaked},
    }
    with open(os.path.join(args.out, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=2)
        f.write("\n")
    print(f"[assemble] done in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
