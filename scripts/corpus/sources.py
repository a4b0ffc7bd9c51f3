#!/usr/bin/env python3
"""Per-source extractors: `sources.py NAME ROOT OUT` reads the unpacked package under ROOT and
writes clean documents (one sentence a line, a blank line between documents) to OUT.

Every extractor is deterministic: files are visited in sorted order.
"""

import email
import email.policy
import gzip
import html.parser
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DocWriter, finish, norm_ws, split_sentences, is_prose  # noqa: E402
from rst import rst_documents  # noqa: E402


def read_text(path):
    opener = gzip.open if path.endswith((".gz", ".dz")) else open
    with opener(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sorted_files(root, suffix=""):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for fn in sorted(files):
            if fn.endswith(suffix):
                out.append(os.path.join(d, fn))
    return sorted(out)


def paragraphs(text):
    """Blank-line separated blocks, each as a list of raw lines."""
    block = []
    for line in text.split("\n"):
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []
    if block:
        yield block


# ================================================================ dictd databases

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _b64(s):
    v = 0
    for c in s:
        v = v * 64 + _B64[c]
    return v


def dictd_entries(root, name):
    """(headword, text) for every entry of a dictd database, in file order."""
    base = os.path.join(root, "usr/share/dictd", name)
    with gzip.open(base + ".dict.dz", "rb") as f:
        data = f.read()
    spans = {}
    with open(base + ".index", encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-database") or parts[0].startswith("00database"):
                continue
            span = (_b64(parts[1]), _b64(parts[2]))
            spans.setdefault(span, parts[0])
    for (off, ln) in sorted(spans):
        yield spans[(off, ln)], data[off:off + ln].decode("utf-8", errors="replace")


# ---------------------------------------------------------------- GCIDE

_GCIDE_CHARS = [
    (re.compile(r'\["([A-Za-z])\]'), r"\1"),                     # ["e] diaeresis
    (re.compile(r"\[(?:[=.'`~^,-])([A-Za-z]{1,2})\]"), r"\1"),     # [=a] ['e] [.a] [~n] ...
    (re.compile(r"\[([A-Za-z]{1,2})(?:[=^~`'])\]"), r"\1"),        # [a^] [oo^]
    (re.compile(r"\[(ae|oe|AE|OE)\]"), r"\1"),
    (re.compile(r"\[(?:eth|thorn)\]"), "th"),
    (re.compile(r"\[deg\]"), " degrees"),
    (re.compile(r"\[(?:alpha|beta|gamma|delta|phi|Delta|theta|pi|sigma|omega|mu|lambda)\]"), " "),
    (re.compile(r"\[(?:pounds)\]"), "\u00a3"),
    (re.compile(r"\[(?:sect)\]"), "\u00a7"),
    (re.compile(r"\[(?:imac|aum|asl|add|udd|dsdot|bprime|prime|ng|th|yogh|-|=)\]"), ""),
]
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_CITATION = re.compile(r"\s--\s?[A-Z][^\"\u201c]*?(?=\s[\"\u201c]|$)")
_SENSE_NUM = re.compile(r"^(?:\d+\.|\([a-z]\))\s*")
_LABEL = re.compile(r"^(?:\((?:[A-Z][A-Za-z]*\.?(?:\s*(?:&|,|or)?\s*[A-Z][A-Za-z]*\.?)*)\)\s*)+")
_CURLY = re.compile(r"\{([^{}]*)\}")
_GRAMMAR_ABBR = re.compile(r"(?<![\w.])(?:a|n|v|t|i|p|pr|imp|pl|adv|prep|obs)\.(?=\s|,|$)")


def _gcide_inline(text):
    if "[" in text:
        for rx, rep in _GCIDE_CHARS:
            text = rx.sub(rep, text)
        prev = None
        while prev != text:
            prev = text
            text = _BRACKETS.sub(" ", text)
        if "[" in text:
            text = text[:text.index("[")]
    if "{" in text:
        text = _CURLY.sub(r"\1", text)
    text = text.replace("\\", "")
    if "--" in text:
        text = re.sub(r"\s--\s?\S*[*`\"]\S*\s.*$", "", text)    # "-- Ab`sent-mind\"ed*ness, n." forms
        text = _CITATION.sub("", text)
        text = re.sub(r"\s--\s", " \u2014 ", text)
        text = re.sub(r"\s*--\s*$", "", text)
    return norm_ws(text)


def src_gcide(root, out):
    w = DocWriter(out, "gcide")
    for head, text in dictd_entries(root, "gcide"):
        lines = text.split("\n")
        headword = norm_ws(_gcide_inline(lines[0].split("\\", 1)[0])).rstrip(",")
        # the head line may run on (etymology in brackets) over the next lines
        depth = lines[0].count("[") - lines[0].count("]")
        i = 1
        while depth > 0 and i < len(lines):
            depth += lines[i].count("[") - lines[i].count("]")
            i += 1
        doc = []
        for block in paragraphs("\n".join(lines[i:])):
            block = [l for l in block if not re.fullmatch(r"\s*\[[^\]]*\]\s*", l)]
            if not block:
                continue
            indent = len(block[0]) - len(block[0].lstrip())
            raw = " ".join(l.strip() for l in block)
            if re.match(r"(?:Syn\.|Syn:|Syn\b)", raw):
                continue
            quote = indent >= 8
            t = _gcide_inline(raw)
            if not quote:
                t = _SENSE_NUM.sub("", t)
                t = _LABEL.sub("", t)
                t = re.sub(r"^Note:\s*", "", t)
                if len(_GRAMMAR_ABBR.findall(t)) >= 2 or (t.startswith("See ") and len(t.split()) < 8):
                    continue          # "a. & n. from Sight, v. t.", "See under Peep."
                if t and headword and not t.lower().startswith(headword.lower()) and re.match(r"[A-Za-z]", t):
                    t = f"{headword}: {t}"
            doc.extend(finish(t))
        w.write(doc)
    w.close()


# ---------------------------------------------------------------- FOLDOC, Devil's Dictionary, Jargon

def src_foldoc(root, out):
    w = DocWriter(out, "foldoc")
    for head, text in dictd_entries(root, "foldoc"):
        head, _, body = text.strip("\n").partition("\n\n")    # head: headword and its aliases
        headword = norm_ws(head.split("\n")[0])
        doc = []
        first = True
        for block in paragraphs(body):
            indent = min(len(l) - len(l.lstrip()) for l in block)
            if indent > 4:          # indented further than running text: code, tables, examples
                continue
            raw = " ".join(l.strip() for l in block)
            raw = re.sub(r"\{([^{}]*?)\s*\([^(){}]*\.html?\)\}", r"\1", raw)   # {text (page.html)}
            raw = _CURLY.sub(r"\1", raw)
            raw = re.sub(r"<[a-z][a-z ,/-]*>\s*", "", raw)     # <humour>, <programming> ...
            prev = None
            while prev != raw:
                prev = raw
                raw = re.sub(r"^\s*(?:\d+\.\s+|/[^/]{1,40}/\s*|\([A-Z][\w .-]*\)\s*(?=[A-Z]))", "", raw)
            raw = re.sub(r"\s*\(\d{4}-\d\d-\d\d\)\s*$", "", raw)   # (2007-07-16) update stamp
            raw = re.sub(r"\[[^\]]*\]", " ", raw) if raw.startswith("[") else raw
            if not raw or raw.startswith(("See also", "See ", "Compare")) and len(raw) < 120:
                continue
            if first and not raw.lower().startswith(headword.lower()):
                raw = f"{headword}: {raw}"
            first = False
            doc.extend(finish(raw))
        w.write(doc)
    w.close()


def src_devil(root, out):
    w = DocWriter(out, "devil")
    for head, text in dictd_entries(root, "devil"):
        doc = []
        for block in paragraphs(text):
            raw = " ".join(l.strip() for l in block)
            raw = re.sub(r"_([^_]+)_", r"\1", raw)
            m = re.match(r"^([A-Z][A-Z' -]+),\s*((?:[a-z]+\.\s*)+)(.*)$", raw)
            if m:      # "ABNORMAL, adj.  Not conforming ..." -> "Abnormal: Not conforming ..."
                raw = f"{m.group(1).capitalize()}: {m.group(3)}"
            doc.extend(finish(raw))
        w.write(doc)
    w.close()


def src_jargon(root, out):
    w = DocWriter(out, "jargon")
    text = read_text(os.path.join(root, "usr/share/doc/jargon-text/jargon.txt.gz"))
    start = text.find("\n   :(TM): ")
    if start < 0:
        start = 0
    doc, headword, first = [], None, False
    for block in paragraphs(text[start:]):
        raw = " ".join(l.strip() for l in block)
        m = re.match(r"^:([^:]+):\s*(.*)$", raw)
        if m:
            w.write(doc)
            doc, headword, first = [], m.group(1).strip(), True
            rest = re.sub(r"^/[^/]*/\s*,?\s*", "", m.group(2))
            rest = re.sub(r"^(?:(?:n|v|adj|adv|interj|pl|excl|prep|conj|vt|vi|obs)\.\s*,?\s*)+", "", rest)
            raw = rest
            if not raw:
                continue
        indent = min(len(l) - len(l.lstrip()) for l in block)
        if indent > 4:
            continue
        raw = _CURLY.sub(r"\1", raw)
        raw = re.sub(r"^\[[^\]]*\]\s*", "", raw)
        raw = re.sub(r"^\d+\.\s+", "", raw)
        raw = re.sub(r"^(?:n|v|vt|vi|adj|adv|interj)\.\s+", "", raw)
        if first and headword and re.match(r"[A-Za-z]", raw or ""):
            if not raw.lower().startswith(headword.lower()):
                raw = f"{headword}: {raw}"
            first = False
        doc.extend(finish(raw))
    w.write(doc)
    w.close()


# ---------------------------------------------------------------- WordNet glosses

def src_wordnet(root, out):
    w = DocWriter(out, "wordnet")
    for pos in ("noun", "verb", "adj", "adv"):
        path = os.path.join(root, "usr/share/wordnet", "data." + pos)
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                fields, gloss = line.split("|", 1)
                parts = fields.split()
                n = int(parts[3], 16)
                words = [parts[4 + 2 * k].replace("_", " ") for k in range(n)]
                words = [re.sub(r"\([a-z]+\)$", "", x) for x in words]
                gloss = gloss.strip()
                examples = re.findall(r'"([^"]+)"', gloss)
                definition = re.split(r';\s*"', gloss, 1)[0].strip().rstrip(";").strip()
                doc = []
                if definition:
                    d = definition[0].upper() + definition[1:]
                    if not d.endswith((".", "!", "?")):
                        d += "."
                    doc.extend(finish(f"{words[0]}: {d}"))
                for ex in examples:
                    ex = ex.strip()
                    if ex and len(ex.split()) >= 3:
                        ex = ex[0].upper() + ex[1:]
                        if not ex[-1] in ".!?":
                            ex += "."
                        doc.extend(finish(ex))
                w.write(doc)
    w.close()


# ---------------------------------------------------------------- fortunes

_FORTUNE_SKIP = {"art", "ascii-art", "translate-me", "perl", "linux", "linuxcookie", "debian", "knghtbrd"}


def src_fortunes(root, out):
    w = DocWriter(out, "fortunes")
    for path in sorted_files(root):
        d, name = os.path.split(path)
        if not d.endswith("games/fortunes") or "." in name or name in _FORTUNE_SKIP:
            continue
        text = read_text(path)
        for cookie in re.split(r"\n%\n", text):
            doc = []
            lines = [l for l in cookie.split("\n")
                     if not re.match(r"^\s*(?:--|\u2014|-- )\s*\S", l)     # attribution lines
                     and not re.match(r"^\s{8,}\S", l)]                 # right-aligned bylines
            for block in paragraphs("\n".join(lines)):
                raw = " ".join(l.strip() for l in block)
                raw = re.sub(r"\s--\s?[A-Z][\w .,']*$", "", raw)
                doc.extend(finish(raw))
            w.write(doc)
    w.close()


# ---------------------------------------------------------------- State of the Union (npm)

def src_sotu(root, out):
    w = DocWriter(out, "sotu")
    for path in sorted_files(os.path.join(root, "package/data"), ".txt"):
        text = read_text(path)
        doc = []
        for block in paragraphs(text):
            doc.extend(finish(" ".join(block)))
        w.write(doc)
    w.close()


# ---------------------------------------------------------------- SpamAssassin e-mails (npm)

class _HTMLText(html.parser.HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table",
             "ul", "ol", "dd", "dt", "blockquote", "hr", "title", "center", "font-block"}
    SKIP = {"script", "style", "head", "pre", "code", "noscript", "xmp"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup):
    p = _HTMLText()
    try:
        p.feed(markup)
        p.close()
    except Exception:
        pass
    return "".join(p.parts)


def _mail_body(msg):
    plain, htm = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html") or part.get_filename():
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            continue
        charset = part.get_content_charset() or "latin-1"
        try:
            body = payload.decode(charset, errors="replace")
        except LookupError:
            body = payload.decode("latin-1", errors="replace")
        (plain if ctype == "text/plain" else htm).append(body)
    if plain:
        text = "\n\n".join(plain)
        if re.search(r"<(?:html|body|p|br|font|table)\b", text, re.I):
            text = html_to_text(text)
        return text
    return "\n\n".join(html_to_text(h) for h in htm)


_MAIL_STOP = re.compile(r"^(?:-- ?|_{5,}|-{5,}.*|={5,}|\*{5,}|~{5,}|-+ ?Original Message ?-+|"
                        r".*(?:unsubscribe|mailing list|Yahoo! Groups Sponsor|Sponsored by|"
                        r"This sf\.net email|Irish Linux Users).*)$", re.I)


def _clean_mail(text):
    keep = []
    for line in text.split("\n"):
        s = line.strip()
        if _MAIL_STOP.match(s):
            break                                  # signature / list footer: the rest is boilerplate
        if (s.startswith((">", "|", ":")) or re.match(r"^[A-Za-z]{1,4}>", s) or re.match(r"^On .*wrote:?$", s)
                or re.search(r"\bwrites?:$", s)):
            keep.append("")
            continue
        if re.match(r"^[A-Z][\w-]*: ", s) and len(s) < 120 and not keep:
            continue                               # header-like lines at the top of a forwarded body
        keep.append(line)
    return "\n".join(keep)


def src_spam(root, out):
    w = DocWriter(out, "spamassassin")
    for path in sorted_files(os.path.join(root, "package/data"), ".txt"):
        with open(path, "rb") as f:
            raw = f.read()
        try:
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
            body = _mail_body(msg)
        except Exception:
            continue
        body = _clean_mail(body)
        doc = []
        for block in paragraphs(body):
            # lines indented like code, or with table-like runs of spaces, are dropped
            block = [l for l in block if not re.match(r"^(?:\s{4,}|\t)", l) and "   " not in l.strip()]
            if block:
                doc.extend(finish(" ".join(l.strip() for l in block), min_words=4))
        w.write(doc)
    w.close()


# ---------------------------------------------------------------- reStructuredText documentation

def src_pydoc(root, out):
    w = DocWriter(out, "python-doc")
    base = None
    for d, dirs, files in os.walk(root):
        if d.endswith("html/_sources"):
            base = d
            break
    for path in sorted_files(base, ".rst.txt"):
        rel = os.path.relpath(path, base)
        if rel.startswith(("whatsnew/changelog",)):
            continue
        for doc in rst_documents(read_text(path)):
            w.write(doc)
    w.close()


def src_linuxdoc(root, out):
    w = DocWriter(out, "linux-doc")
    base = None
    for d, dirs, files in os.walk(root):
        if d.endswith("html/_sources"):
            base = d
            break
    for path in sorted_files(base, ".rst.txt"):
        rel = os.path.relpath(path, base)
        if rel.startswith(("translations/", "ABI/", "devicetree/", "netlink/")):
            continue
        for doc in rst_documents(read_text(path)):
            w.write(doc)
    w.close()


# ---------------------------------------------------------------- DocBook HTML (debian-handbook)

class _BookText(html.parser.HTMLParser):
    """Text of <p>, <li>, <dd>, <blockquote> elements, outside <pre>, tables, navigation, headings."""
    PARA = {"p", "li", "dd", "blockquote", "dt"}
    SKIP = {"script", "style", "head", "pre", "table", "h1", "h2", "h3", "h4", "h5", "h6", "nav", "footer"}
    SKIP_CLASSES = ("navheader", "navfooter", "toc", "titlepage", "programlisting", "screen", "synopsis",
                    "sphinxsidebar", "related", "footer", "highlight", "nav", "breadcrumb", "literallayout",
                    "informaltable", "docnav", "doc-header", "doc-footer")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras, self.cur, self.skip, self.stack = [], [], 0, []

    def _flush(self):
        t = "".join(self.cur).strip()
        if t:
            self.paras.append(t)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        skip = tag in self.SKIP or (tag in ("div", "p", "span") and any(
            k in cls.split() for k in self.SKIP_CLASSES))
        self.stack.append((tag, skip))
        if skip:
            self.skip += 1
        if tag in self.PARA or tag in ("div", "br"):
            self._flush()

    def handle_endtag(self, tag):
        while self.stack:
            t, skip = self.stack.pop()
            if skip:
                self.skip -= 1
            if t == tag:
                break
        if tag in self.PARA or tag == "div":
            self._flush()

    def handle_data(self, data):
        if not self.skip:
            self.cur.append(data)


def _html_docs(name, out, paths):
    w = DocWriter(out, name)
    for path in paths:
        p = _BookText()
        p.feed(read_text(path))
        p.close()
        p._flush()
        doc = []
        for para in p.paras:
            doc.extend(finish(para))
        w.write(doc)
    w.close()


def src_handbook(root, out):
    _html_docs("debian-handbook", out,
               sorted_files(os.path.join(root, "usr/share/doc/debian-handbook/html/en-US"), ".html"))


def src_postgresql(root, out):
    base = os.path.join(root, "usr/share/doc/postgresql-doc-15/html")
    _html_docs("postgresql-doc", out, [p for p in sorted_files(base, ".html")
                                       if not os.path.basename(p).startswith("release-")])


def src_django(root, out):
    base = os.path.join(root, "usr/share/doc/python-django-doc/html")
    _html_docs("django-doc", out, [p for p in sorted_files(base, ".html")
                                   if not re.search(r"/(?:_modules|genindex|py-modindex|search)", p)])


def src_debian_docs(root, out):
    """Debian Policy and Developer's Reference (reST sources), Debian Reference (HTML)."""
    w = DocWriter(out, "debian-docs")
    for pkg in ("debian-policy", "developers-reference"):
        for path in sorted_files(os.path.join(root, pkg), ".rst.txt"):
            for doc in rst_documents(read_text(path)):
                w.write(doc)
    w.close()
    paths = [p for p in sorted_files(os.path.join(root, "debian-reference-en"), ".en.html")]
    _html_docs("debian-docs", out + ".html", paths)
    with open(out, "a", encoding="utf-8") as f, open(out + ".html", encoding="utf-8") as g:
        f.write(g.read())
    os.remove(out + ".html")


# ---------------------------------------------------------------- World English Bible (SWORD zText)

def src_bible(root, out):
    import struct
    import zlib
    w = DocWriter(out, "bible-web")
    base = None
    for d, dirs, files in os.walk(root):
        if "ot.bzs" in files:
            base = d
    xml = []
    for testament in ("ot", "nt"):
        with open(os.path.join(base, testament + ".bzs"), "rb") as f:
            bzs = f.read()
        with open(os.path.join(base, testament + ".bzz"), "rb") as f:
            bzz = f.read()
        for k in range(len(bzs) // 12):
            off, size, _ = struct.unpack("<III", bzs[12 * k:12 * k + 12])
            if size:
                xml.append(zlib.decompress(bzz[off:off + size]).decode("utf-8", errors="replace"))
    text = "".join(xml)
    text = re.sub(r"<note\b.*?</note>", " ", text, flags=re.S)
    text = re.sub(r"<title\b.*?</title>", " ", text, flags=re.S)
    text = re.sub(r"<chapter\b[^>]*\bsID=[^>]*>", "\x01", text)        # a chapter is a document
    text = re.sub(r"<(?:div|p|lg)\b[^>]*>|</(?:div|p|lg)>", "\x02", text)  # paragraph breaks
    text = re.sub(r"<[^>]*>", "", text)
    text = html.unescape(text) if "&" in text else text
    for chapter in text.split("\x01"):
        doc = []
        for para in chapter.split("\x02"):
            doc.extend(finish(para))
        w.write(doc)
    w.close()


# ---------------------------------------------------------------- Perl documentation (POD)

_POD_CODES = re.compile(r"[BIFSCLEXZ]<(?:<+\s(.*?)\s>+|([^<>]*))>")


def _pod_inline(text):
    prev = None
    while prev != text:
        prev = text
        text = _POD_CODES.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = re.sub(r"(?<=\s)(?:[^|/\s]+\|)", "", text)      # L<text|target> leftovers
    return text.replace("E<lt>", "<").replace("E<gt>", ">")


def src_perldoc(root, out):
    w = DocWriter(out, "perl-doc")
    for path in sorted_files(root):
        if not re.search(r"/pod/[^/]+\.pod(?:\.gz)?$", path) or re.search(r"perl5\d+delta|perltoc", path):
            continue
        doc, cmd = [], None
        for block in re.split(r"\n\s*\n", read_text(path)):
            if not block.strip():
                continue
            if block.startswith("="):
                cmd = block.split(None, 1)[0]
                if cmd == "=item":
                    rest = block.split(None, 1)[1] if len(block.split(None, 1)) > 1 else ""
                    rest = re.sub(r"^(?:\*|\d+\.?)\s*", "", rest)
                    doc.extend(finish(_pod_inline(rest)))
                continue
            if block[0] in " \t" or cmd in ("=begin", "=for"):
                continue                          # verbatim paragraph: code
            doc.extend(finish(_pod_inline(" ".join(block.split("\n")))))
        w.write(doc)
    w.close()


# ---------------------------------------------------------------- SST raw snippets (shared/)

def src_sst(root, out):
    w = DocWriter(out, "sst-snippets")
    with open(os.path.join(root, "sst-raw/original_rt_snippets.txt"), encoding="utf-8") as f:
        for line in f:
            t = line.replace("``", '"').replace("''", '"')
            t = norm_ws(t)
            if t:
                # review snippets are short: keep every sentence of two words or more
                w.write([s for s in split_sentences(t) if len(s.split()) >= 2])
    w.close()


SOURCES = {
    "gcide": src_gcide, "foldoc": src_foldoc, "devil": src_devil, "jargon": src_jargon,
    "wordnet": src_wordnet, "fortunes": src_fortunes, "sotu": src_sotu, "spamassassin": src_spam,
    "python-doc": src_pydoc, "linux-doc": src_linuxdoc, "debian-handbook": src_handbook,
    "sst-snippets": src_sst, "bible-web": src_bible, "perl-doc": src_perldoc,
    "postgresql-doc": src_postgresql, "django-doc": src_django, "debian-docs": src_debian_docs,
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SOURCES:
        sys.exit(f"usage: sources.py {{{','.join(SOURCES)}}} ROOT OUT")
    SOURCES[sys.argv[1]](sys.argv[2], sys.argv[3])
