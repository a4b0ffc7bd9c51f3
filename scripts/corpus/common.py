"""Shared text-cleaning helpers for the pretraining-corpus build (python3 stdlib only).

A source extractor turns its raw files into *documents*: lists of clean lines, one sentence per
line.  `write_docs` writes them with one blank line between documents, the layout that the
corpus keeps (sentence-order prediction pairs consecutive lines of one document).
"""

import html
import re
import sys
import unicodedata

# ---------------------------------------------------------------- whitespace / characters

_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\ufeff\ufffd]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SOFT_HYPHEN = "\u00ad"


def norm_ws(text):
    """Removes control/zero-width characters and collapses every run of white space to one space."""
    text = text.replace(_SOFT_HYPHEN, "")
    text = _CTRL.sub(" ", text)
    text = text.replace("\r", " ").replace("\n", " ")
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------- inline noise

_URL = re.compile(r"(?:\b(?:https?|ftp|file|mailto|news|telnet|gopher)://|\bwww\.)[^\s<>\"')\]]*"
                  r"|\bmailto:[^\s<>\"')\]]+", re.I)
_EMAIL = re.compile(r"<?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b>?")
_EMPTY_PARENS = re.compile(r"[(\[<]\s*[)\]>]")


def strip_urls_emails(text):
    """Drops URLs and e-mail addresses (and the brackets they leave empty)."""
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _EMPTY_PARENS.sub(" ", text)
    return text


# ---------------------------------------------------------------- sentence splitting

_ABBREV = set("""
mr mrs ms messrs mme mlle dr prof st jr sr rev hon gen col lt capt cmdr sgt maj gov pres sen rep
supt vs v etc cf al fig figs no nos vol vols pp p ch chap sec secs art arts eq eqs approx dept est
jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp bros assn ave blvd mt ft viz ed
eds op cit ibid ie eg i.e e.g u.s u.k u.n a.m p.m a.d b.c ph.d n.b lit obs cf.
""".split())
_SENT_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")


def split_sentences(text):
    """Splits a paragraph into sentences (rule-based: . ! ? followed by a capital/digit)."""
    out = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        head = text[start:m.start() + 1]
        if head.endswith("."):
            last = head.rsplit(None, 1)[-1].lstrip("(\"'[\u201c\u2018").lower()
            word = last[:-1]
            # initials (J. R. R. Tolkien), abbreviations, and "..." ellipses do not end sentences
            if len(word) <= 1 or word in _ABBREV or word.rstrip(".") in _ABBREV:
                continue
            if re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
                continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


# ---------------------------------------------------------------- quality filter

_STOP = set("""
a an the of to and or in on at by for with from as is are was were be been being am it its this
that these those there their they them he she his her him we our us you your i my me not no but if
so than then when which who whom whose what where why how all any some can could will would shall
should may might must do does did has have had into over under about after before between through
one more most other such only also very just up out
""".split())
_CODE_MARKERS = re.compile(r"==|!=|&&|\|\||->|=>|::|#include|/\*|\*/|\$\(|\$\{|\+\+|\+=|<<|>>|;\s*$|[{}]"
                           r"|^\s*[$#%>]\s")
_CODEISH_TOKEN = re.compile(r"^[(\[\"'`]*(?:[A-Za-z_]\w*[_.]\w+\S*|\w*\(\S*\)|[a-z]+[A-Z]\w*|[-/]{1,2}[a-z]\S*"
                            r"|\S*[/\\]\S*[/\\]\S*|0x[0-9a-fA-F]+)[)\]\"'`,.;:]*$")


_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_ASCII_LETTER = re.compile(r"[^A-Za-z]+")
_NOT_UPPER = re.compile(r"[^A-Z\u00c0-\u00de]+")
_ALPHA_WORD = re.compile(r"^[\"'(\u201c\u2018]*[A-Za-z]{2,}[.,;:!?\"')\u201d\u2019]*$")


def is_prose(line, min_words=3):
    """True for a line that reads as English prose (not code, not a table, not a heading)."""
    words = line.split()
    n = len(words)
    if n < min_words:
        return False
    if len(line) > 3000:
        return False
    nonspace = sum(len(w) for w in words)
    letters = len(_NOT_LETTER.sub("", line))
    if letters < 0.70 * nonspace:
        return False
    ascii_letters = len(_NOT_ASCII_LETTER.sub("", line))
    if ascii_letters < 0.95 * letters:
        return False
    upper = len(_NOT_UPPER.sub("", line))
    if letters > 12 and upper > 0.45 * letters:
        return False
    if max(len(w) for w in words) > 45:
        return False
    if _CODE_MARKERS.search(line):
        return False
    if n >= 5:
        lw = [w.strip(".,;:!?\"'()[]\u201c\u201d\u2018\u2019").lower() for w in words]
        if not any(w in _STOP for w in lw):
            return False
    if sum(1 for w in words if _ALPHA_WORD.match(w)) < 2:
        return False
    codeish = sum(1 for w in words if _CODEISH_TOKEN.match(w))
    if codeish > (0.2 * n + 0.5 if n >= 5 else 0):
        return False
    return True


_SPACE_PUNCT = re.compile(r"\s+([.,;:!?])(?=\s|$)")


def finish(text, min_words=3):
    """Normalises one paragraph of running text and returns its clean sentences."""
    text = norm_ws(strip_urls_emails(text))
    text = _SPACE_PUNCT.sub(r"\1", text)
    out = []
    for s in split_sentences(text):
        s = s.strip()
        if is_prose(s, min_words):
            out.append(s)
    return out


def unescape_html(text):
    return html.unescape(text)


def ascii_fold(text):
    """NFKD + drop combining marks (used only for matching keys, never for corpus text)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


# ---------------------------------------------------------------- output

class DocWriter:
    """Writes documents (lists of lines) separated by one blank line; counts what it wrote."""

    def __init__(self, path, name):
        self.f = open(path, "w", encoding="utf-8", newline="\n")
        self.name = name
        self.docs = 0
        self.lines = 0
        self.bytes = 0

    def write(self, lines):
        lines = [l for l in lines if l]
        if not lines:
            return
        text = "\n".join(lines) + "\n\n"
        self.f.write(text)
        self.docs += 1
        self.lines += len(lines)
        self.bytes += len(text.encode("utf-8"))

    def close(self):
        self.f.close()
        print(f"[{self.name}] {self.docs} documents, {self.lines} lines, {self.bytes / 1e6:.1f} MB",
              file=sys.stderr, flush=True)
