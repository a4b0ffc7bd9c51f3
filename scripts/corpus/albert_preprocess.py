#!/usr/bin/env python3
"""ALBERT's text preprocessing (tokenization.preprocess_text with do_lower_case=True,
keep_accents=False, remove_space=True), applied line by line so that SentencePiece is trained on
the same strings that the tokenizer will segment at run time:

    collapse white space; `` and '' -> "; NFKD; drop combining marks; lowercase.

    albert_preprocess.py IN OUT [--chars CHARS_TSV]

Blank lines (document separators) are dropped. With --chars, also writes the character
frequency table (count<TAB>codepoint<TAB>char), most frequent first.
"""

import sys
import unicodedata
from collections import Counter


def preprocess(text):
    text = " ".join(text.strip().split())
    text = text.replace("``", '"').replace("''", '"')
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower()


def main():
    args = sys.argv[1:]
    chars_out = None
    if "--chars" in args:
        i = args.index("--chars")
        chars_out = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    counts = Counter()
    n = 0
    with open(args[0], encoding="utf-8") as f, open(args[1], "w", encoding="utf-8", newline="\n") as g:
        for line in f:
            t = preprocess(line)
            if t:
                g.write(t + "\n")
                n += 1
                if chars_out is not None:
                    counts.update(t)
    if chars_out is not None:
        with open(chars_out, "w", encoding="utf-8") as h:
            for c, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                h.write(f"{k}\tU+{ord(c):04X}\t{c if c.isprintable() else ''}\n")
    print(f"albert_preprocess: {n} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
