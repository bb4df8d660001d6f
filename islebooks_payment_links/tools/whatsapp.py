"""Plain text for WhatsApp from an HTML template, and the URL that opens it."""

import re
from urllib.parse import quote

from lxml import etree
from lxml import html as lxml_html

from odoo.tools import format_amount

_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table")
# Only ASCII whitespace collapses, as in a browser: no-break spaces (in amounts) stay.
_SPACES = re.compile(r"[ \t\r\n\f]+")


def html_to_text(html):
    """The text a person reads in ``html``, laid out for a chat message.

    Whitespace collapses as in a browser, ``<br>`` is a line break, a
    paragraph ends with a blank line, bold and italics become WhatsApp's
    ``*bold*`` and ``_italic_``. Unlike ``odoo.tools.html2plaintext``, link
    URLs are not moved into footnotes and blank lines are kept.
    """
    if not html or not str(html).strip():
        return ""
    root = lxml_html.fragment_fromstring(str(html), create_parent="div")
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        node.drop_tree()
    for node in root.iter():
        node.text = _SPACES.sub(" ", node.text) if node.text else node.text
        node.tail = _SPACES.sub(" ", node.tail) if node.tail else node.tail
    # WhatsApp only formats ``*bold*`` hugging its text: spaces just inside the
    # tags (an edited or reformatted template) move outside the marks.
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
    # Runs of spaces across tags (``<b>x</b> <t>...``) collapse too, as on screen.
    text = re.sub(r" {2,}", " ", root.text_content())
    lines = (line.strip(" ") for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def format_totals(env, totals, lang):
    """``{currency: amount}`` as one text, e.g. ``$ 1,200.00 + 300.00 €``; zeros left out."""
    return " + ".join(
        format_amount(env, amount, currency, lang_code=lang)
        for currency, amount in totals.items()
        if not currency.is_zero(amount)
    )


def whatsapp_url(e164, text, web=False):
    """The URL opening a chat with ``e164`` and ``text`` typed in, ready to send.

    The whole text is percent-encoded as UTF-8 (``safe=""``): ``&``, ``#``,
    ``?``, ``%``, newlines, emoji and right-to-left scripts all survive.
    """
    digits = re.sub(r"\D", "", e164 or "")
    encoded = quote(text or "", safe="")
    if web:
        return f"https://web.whatsapp.com/send?phone={digits}&text={encoded}"
    return f"https://wa.me/{digits}?text={encoded}"
