"""WhatsApp texts move from ``mail.template`` (HTML) to ``islebooks.whatsapp.template`` (text).

The old templates were ``noupdate``: staff may have edited them. An edited body is
converted once, in every language it holds, to the inline template of the new record
(``<t t-out="x"/>`` -> ``{{ x }}``, ``<t t-if="c">...</t>`` -> ``{{ (...) if (c) else "" }}``,
paragraphs -> blank lines, ``<br/>`` -> line break, bold -> ``*bold*``), laid out as the
old HTML-to-text step laid it out. A body the conversion cannot express (loops, variables)
keeps the shipped text; its old HTML is logged. Then the old records are deleted.
"""

import logging
import re

from lxml import etree
from lxml import html as lxml_html

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger("odoo.addons.islebooks_payment_links.migrations")

# old mail.template xml id: new islebooks.whatsapp.template xml ids (the reminder's one
# body became two texts, one invoice and several invoices)
MOVES = {
    "mail_template_whatsapp_invoice": ["whatsapp_template_invoice"],
    "mail_template_whatsapp_invoices": ["whatsapp_template_invoices"],
    "mail_template_whatsapp_portal": ["whatsapp_template_portal"],
    "mail_template_payment_reminder_whatsapp": [
        "whatsapp_template_payment_reminder",
        "whatsapp_template_payment_reminders",
    ],
}

_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table")
# Only ASCII whitespace collapses, as in a browser: no-break spaces (in amounts) stay.
_SPACES = re.compile(r"[ \t\r\n\f]+")
# Markers (private-use characters) standing for the QWeb directives while the text is laid out.
_MARK = re.compile("\ue000([/*]?)(\\d+)\ue001")
_ALLOWED = {"t-out", "t-esc", "t-if"}


class Unconvertible(ValueError):
    """The body uses QWeb an inline template cannot express."""


def _layout(root):
    """The old ``html_to_text``: the text a person reads in ``root``, as a chat message."""
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        node.drop_tree()
    for node in root.iter():
        node.text = _SPACES.sub(" ", node.text) if node.text else node.text
        node.tail = _SPACES.sub(" ", node.tail) if node.tail else node.tail
    for tags, mark in ((("b", "strong"), "*"), (("i", "em"), "_")):
        for node in root.iter(*tags):
            head = node.text or ""
            node.text = (" " if head[:1].isspace() else "") + mark + head.lstrip()
            last = node[-1] if len(node) else None
            end = (last.tail if last is not None else node.text) or ""
            end = end.rstrip() + mark + (" " if end[-1:].isspace() else "")
            if last is not None:
                last.tail = end
            else:
                node.text = end
    for node in root.iter("br"):
        node.tail = "\n" + (node.tail or "")
    for node in root.iter(*_BLOCKS):
        if node is not root:
            node.tail = "\n\n" + (node.tail or "")
    text = re.sub(r" {2,}", " ", root.text_content())
    lines = (line.strip(" ") for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_inline_template(html):
    """The inline template (``{{ expr }}``) printing what ``html`` (QWeb) printed as text."""
    if not html or not str(html).strip():
        return ""
    root = lxml_html.fragment_fromstring(str(html), create_parent="div")
    exprs = []
    dropped = set()
    for node in list(root.iter()):
        if not isinstance(node.tag, str) or node in dropped:
            continue
        directives = {name for name in node.attrib if name.startswith("t-")}
        if directives - _ALLOWED or {"t-out", "t-esc"} <= directives:
            raise Unconvertible(", ".join(sorted(directives)))
        if out := node.attrib.pop("t-out", None) or node.attrib.pop("t-esc", None):
            for child in list(node):
                dropped.update(child.iter())
                node.remove(child)
            exprs.append(("out", out))
            node.text = f"\ue000*{len(exprs) - 1}\ue001"
        if cond := node.attrib.pop("t-if", None):
            exprs.append(("if", cond))
            opening, closing = f"\ue000{len(exprs) - 1}\ue001", f"\ue000/{len(exprs) - 1}\ue001"
            # The closing marker follows the element, so a paragraph's blank line (which
            # the layout puts in its tail) is printed only with the paragraph.
            node.tail = closing + (node.tail or "")
            if node.tag in _BLOCKS:
                node.text = opening + (node.text or "")
            elif (previous := node.getprevious()) is not None:
                previous.tail = (previous.tail or "") + opening
            else:
                node.getparent().text = (node.getparent().text or "") + opening
    text = _layout(root)
    # Spaces a marker kept from the line strip go as the old layout dropped them.
    markers = "((?:\ue000/?\\d+\ue001)+)"  # of t-if only: a value is not a space
    text = re.sub(rf" +{markers}(?=\n|$)", r"\1", text)
    text = re.sub(rf"(?:(?<=\n)|^){markers} +", r"\1", text)
    # "a <t t-if> b</t>": the space is printed with the condition's text.
    text = re.sub(" +(\ue000\\d+\ue001) +", r"\1 ", text)
    return _assemble(text, exprs)


def _assemble(text, exprs):
    """``text`` with its markers made ``{{ }}`` expressions (a t-if one Python expression)."""
    pieces = []  # stack of [condition, [parts]]; a part is ("text", s) or ("expr", code)
    current = []
    position = 0
    for match in _MARK.finditer(text):
        if match.start() > position:
            current.append(("text", text[position : match.start()]))
        position = match.end()
        kind, code = exprs[int(match.group(2))]
        if kind == "out":
            current.append(("expr", f"({code}) or ''"))
        elif match.group(1) != "/":
            pieces.append((code, current))
            current = []
        else:
            cond, outer = pieces.pop()
            body = " + ".join(
                repr(value) if part == "text" else f"str({value})" for part, value in current
            )
            outer.append(("expr", f"({body or repr('')}) if ({cond}) else ''"))
            current = outer
    if pieces:
        raise Unconvertible("unbalanced t-if")
    current.append(("text", text[position:]))
    result = []
    for part, value in current:
        if part == "text":
            result.append(value)
        elif "\n" in value or "}}" in value:
            raise Unconvertible(value)
        else:
            result.append("{{ %s }}" % value)
    return "".join(result).strip()


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for old_xmlid, new_xmlids in MOVES.items():
        old = env.ref(f"islebooks_payment_links.{old_xmlid}", raise_if_not_found=False)
        if not old:
            continue
        # A noupdate record is only written again by someone editing it.
        if old.write_date != old.create_date:
            cr.execute("SELECT body_html FROM mail_template WHERE id = %s", [old.id])
            bodies = cr.fetchone()[0] or {}
            for xmlid in new_xmlids:
                new = env.ref(f"islebooks_payment_links.{xmlid}", raise_if_not_found=False)
                if new:
                    _convert(new, old, bodies)
        old.unlink()


def _convert(new, old, bodies):
    texts = {}
    for lang, html in bodies.items():
        try:
            texts[lang] = html_to_inline_template(html)
        except Unconvertible as error:
            _logger.warning(
                "WhatsApp template %r (%s): the edited text cannot become plain text (%s); "
                "the new default text is used. The old text was:\n%s",
                old.name,
                lang,
                error,
                html,
            )
    if "en_US" in texts:
        new.with_context(lang="en_US").body = texts.pop("en_US")
    if texts:
        new.update_field_translations("body", texts)
