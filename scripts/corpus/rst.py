"""reStructuredText (Sphinx sources) to plain prose: keeps paragraphs, list items, admonitions and
API descriptions; drops titles, code/literal blocks, doctests, tables, directives' options,
comments, substitutions and inline markup."""

import re

from common import finish

# directives whose indented body is prose: the body is kept, the directive line is not
KEEP_BODY = {
    "note", "warning", "versionadded", "versionchanged", "versionremoved", "deprecated",
    "deprecated-removed", "seealso", "hint", "tip", "important", "attention", "caution", "danger",
    "error", "admonition", "topic", "sidebar", "epigraph", "pull-quote", "highlights", "compound",
    "container", "only", "glossary", "impl-detail", "function", "method", "class", "attribute",
    "data", "exception", "describe", "decorator", "decoratormethod", "classmethod", "staticmethod",
    "abstractmethod", "coroutinefunction", "coroutinemethod", "opcode", "option", "cmdoption",
    "envvar", "pdbcommand", "2to3fixer", "property", "event", "monitoring-event", "c:function",
    "c:type", "c:member", "c:macro", "c:var", "c:struct", "c:union", "c:enum", "c:enumerator",
    "c:data", "c:alias", "cpp:function", "cpp:class", "cpp:type", "cpp:member",
}
# directives whose argument on the directive line is prose too (".. note:: Text ...")
ARG_IS_PROSE = {"note", "warning", "hint", "tip", "important", "attention", "caution", "danger",
                "error", "seealso", "impl-detail", "epigraph", "pull-quote"}

_DIRECTIVE = re.compile(r"^\.\.\s+([\w:.-]+)::\s*(.*)$")
_FOOTNOTE = re.compile(r"^\.\.\s+\[[^\]]+\]\s*(.*)$")
_ADORN = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
_SIMPLE_BORDER = re.compile(r"^(?:=+(?:\s+=+)+|-+(?:\s+-+)+)\s*$")
_BULLET = re.compile(r"^(?:[-*+\u2022]|#\.|\d+[.)]|\(?[A-Za-z0-9]\)|[a-z]\.)\s+")
_FIELD = re.compile(r"^:[\w .()-]+:(?:\s|$)")

_ROLE = re.compile(r":[\w:.+-]+:`([^`]*)`")
_LINK = re.compile(r"`([^`<]*?)\s*<[^>`]*>`_{1,2}")
_REFLINK = re.compile(r"`([^`]+)`_{1,2}")
_LITERAL = re.compile(r"``(.+?)``")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EMPH = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_SUBST = re.compile(r"\|([\w -]+)\|")
_FOOTREF = re.compile(r"\s*\[(?:#\w*|\d+|\*|[A-Z][\w-]*)\]_")


def _role_text(m):
    t = m.group(1)
    if "<" in t and t.rstrip().endswith(">"):
        t = t[:t.index("<")].strip()
    return t.lstrip("~!")


def inline(text):
    text = _ROLE.sub(_role_text, text)
    text = _LINK.sub(r"\1", text)
    text = _REFLINK.sub(r"\1", text)
    text = _LITERAL.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPH.sub(r"\1", text)
    text = _SUBST.sub(r"\1", text)
    text = _FOOTREF.sub("", text)
    text = re.sub(r"(?<![\w-])([A-Za-z][A-Za-z0-9-]*)_(?=[\s.,;:)]|$)", r"\1", text)   # link_ -> link
    text = re.sub(r"\\(.)", r"\1", text)
    text = text.replace("`", "")
    return text


def rst_documents(text):
    """Yields the file as one document: a list of clean sentences."""
    lines = text.expandtabs(8).split("\n")
    paras = []
    cur, cur_indent = [], 0
    skip_indent = None        # skip lines indented deeper than this (and blank ones)
    skip_blank = False        # skip until the next blank line (tables, doctests)
    table = False             # inside a simple table: skip until a border followed by a blank line
    prev_border = False
    skip_opts = False         # right after a kept directive: skip its ":option: value" lines

    def flush():
        nonlocal cur
        if cur:
            t = " ".join(cur).strip()
            paras.append((cur_indent, t))
        cur = []

    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        s = line.strip()
        indent = len(line) - len(line.lstrip())
        if table:
            if not s and prev_border:
                table = False
            prev_border = bool(_SIMPLE_BORDER.match(s))
            continue
        if skip_blank:
            if not s:
                skip_blank = False
            continue
        if skip_indent is not None:
            if not s or indent > skip_indent:
                continue
            skip_indent = None
        if not s:
            ended_literal = cur and cur[-1].endswith("::")
            ind = cur_indent
            flush()
            if ended_literal:
                skip_indent = ind
            skip_opts = False
            continue
        if skip_opts and _FIELD.match(s):
            continue
        skip_opts = False
        if s.startswith("+-") or s.startswith("+=") or (s.startswith("|") and s.endswith("|")):
            flush()
            skip_blank = True
            continue
        if _SIMPLE_BORDER.match(s):
            flush()
            table, prev_border = True, True
            continue
        if _ADORN.match(s):
            # section title under/overline: the title itself is dropped
            if len(cur) == 1:
                cur = []
            else:
                flush()
            continue
        if s.startswith(">>>"):
            flush()
            skip_blank = True
            continue
        if s.startswith(".."):
            flush()
            m = _DIRECTIVE.match(s)
            fm = _FOOTNOTE.match(s)
            if m and m.group(1).lower() in KEEP_BODY:
                name = m.group(1).lower()
                skip_opts = True
                if name in ARG_IS_PROSE and m.group(2):
                    cur, cur_indent = [m.group(2)], indent + 3
                continue
            if fm and not m:
                if fm.group(1):
                    cur, cur_indent = [fm.group(1)], indent + 3
                continue
            skip_indent = indent
            continue
        if _FIELD.match(s) and not cur:
            skip_indent = indent      # field list item and its continuation lines
            continue
        if s.startswith("| ") or s == "|":
            flush()
            continue
        b = _BULLET.match(s)
        if b:
            flush()
            cur, cur_indent = [s[b.end():]], indent + b.end()
            continue
        if cur and indent != cur_indent:
            if indent > cur_indent and len(cur) == 1 and not cur[0].endswith("::"):
                cur = []              # definition-list term / option name: drop it
            else:
                ended_literal = cur[-1].endswith("::")
                ind = cur_indent
                flush()
                if ended_literal and indent > ind:
                    skip_indent = ind
                    continue
        if not cur:
            cur_indent = indent
        cur.append(s)
    flush()

    doc = []
    for _, t in paras:
        t = re.sub(r"\s*::$", ":", t) if not t.endswith(" ::") else t[:-3]
        t = inline(t)
        doc.extend(finish(t))
    yield doc
