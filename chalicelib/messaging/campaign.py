"""A campaign message as its reader sees it: merge values formatted, Markdown turned into HTML, every block sanitised,
every link tracked, and a plain-text version made from the result.

Merge values are escaped for where they land (HTML text in an HTML block; HTML and Markdown punctuation in a Markdown
block), so a member's name shows as typed and never turns into markup. Markdown output and HTML blocks then go
through nh3 (ammonia): formatting tags, tables, links and https images stay; script, style, iframes, forms, event
handlers and `javascript:` links go. Each link whose site the program allows (domain/links.py) becomes a signed
`<public_url>/r/<token>`; any other keeps its text and loses its address, with a warning in the log (ids only).
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import InvalidOperation
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import markdown
import nh3
from aws_lambda_powertools import Logger
from markupsafe import Markup

from chalicelib.domain import links
from chalicelib.domain.campaign_content import MERGE_FIELDS, fill
from chalicelib.domain.messages import Message
from chalicelib.messaging.render import long_date, money
from chalicelib.services.ports.programs import MessagingSettings

logger = Logger(service="loyalty", child=True)
Tracker = Callable[[str], str | None]
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
        "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol", "p", "pre", "s", "small", "span",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"*": {"style", "align", "title"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
              "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "ol": {"start"}}
STYLES = {"color", "background-color", "font-size", "font-weight", "font-style", "font-family", "text-align",
          "text-decoration", "line-height", "margin", "margin-top", "margin-bottom", "padding", "border",
          "border-radius", "width", "max-width", "height", "vertical-align"}
CLEAN_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select"}
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")      # what Markdown (with tables) unescapes


def display_values(merge: Mapping[str, Any]) -> dict[str, str]:
    """Each merge field as the reader sees it ("" for what the member has none of); first_name falls back to
    "there"."""
    currency = str(merge.get("currency") or "USD")
    values = {name: _display(name, merge.get(name), currency) for name in MERGE_FIELDS}
    return {**values, "first_name": " ".join(values["first_name"].split()) or "there"}


def _display(name: str, value: Any, currency: str) -> str:
    try:
        if value is None or value == "":
            return ""
        if name in ("points", "points_to_next_reward"):
            return f"{int(value):,}"
        if name in ("tier", "next_tier"):
            return str(value).replace("_", " ").title()
        if name in ("spend_to_next_tier", "predicted_clv"):
            return money(value, currency)
        return long_date(value) if name == "expected_next_order" else str(value)
    except (ValueError, TypeError, InvalidOperation):
        return ""


def campaign_data(data: Mapping[str, Any], first_name: str | None, track: Tracker | None) -> dict[str, Any]:
    """The data render() hands the campaign_message templates: the merge values (data["merge"], filled when the mail
    is sent; the member's first name otherwise) shown in the content, its links tracked by `track` (None: as written,
    for previews)."""
    values = display_values({"first_name": first_name, **(data.get("merge") or {})})
    return campaign_view(data, values, track or (lambda url: url))


def campaign_view(data: Mapping[str, Any], values: Mapping[str, str], track: Tracker) -> dict[str, Any]:
    """The message's data with what the campaign_message templates show: subject_text, preheader_text, content_html
    (sanitised, tracked), content_text, cta_label and cta_url (None without a call to action or an allowed link)."""
    content = "\n".join(block_html(block, values, track) for block in data["blocks"])
    cta = data.get("cta") or None
    in_links = {name: value if name == "store_url" else quote(value, safe="") for name, value in values.items()}
    return {**data, "subject_text": fill(data["subject"], values), "preheader_text": fill(data.get("preheader") or "",
                                                                                          values),
            "content_html": Markup(content), "content_text": text_of(content),  # noqa: S704 - nh3 cleaned it
            "cta_label": fill(cta["label"], values) if cta else None,
            "cta_url": track(fill(cta["url"], in_links)) if cta else None}


def block_html(block: Mapping[str, str], values: Mapping[str, str], track: Tracker) -> str:
    """One block as safe HTML: merge values filled in, Markdown rendered, sanitised, links tracked."""
    if "markdown" in block:
        source = markdown.markdown(fill(block["markdown"], values, _markdown_text),
                                   extensions=["tables", "fenced_code", "sane_lists"])
    else:
        source = fill(block["html"], values, lambda v: html.escape(v, quote=True))
    return nh3.clean(source, tags=TAGS, clean_content_tags=CLEAN_CONTENT, attributes=ATTRIBUTES,
                     attribute_filter=lambda tag, name, value: _attribute(tag, name, value, track),
                     url_schemes={"https", "http", "mailto"}, url_relative="deny", filter_style_properties=STYLES)


def tracker(message: Message, program_id: str, settings: MessagingSettings, now: datetime) -> Tracker:
    """A link of the program's allowed sites → its signed click URL (issued `now`); any other → None, logged."""
    hosts = links.allowed_hosts(settings.storefront, settings.public_url, settings.link_domains)
    enrollment = str(message.data.get("enrollment") or "")

    def track(url: str) -> str | None:
        target = links.normalise(url.strip())
        if not links.host_allowed(target, hosts):
            logger.warning("campaign_link_dropped", extra={"message_id": message.message_id,
                                                           "campaign_id": message.data.get("campaign_id")})
            return None
        claim = links.ClickClaim(program_id, message.member_id, message.message_id, enrollment, target, now)
        return links.click_url(settings.public_url, links.sign(settings.unsubscribe_secrets[0], claim))
    return track


def _attribute(tag: str, name: str, value: str, track: Tracker) -> str | None:
    if name == "href":
        return track(value)
    if name == "src":
        parts = urlsplit(value)
        return value if parts.scheme == "https" and parts.hostname and "@" not in parts.netloc else None
    return value


def _markdown_text(value: str) -> str:
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(value, quote=False))


def text_of(fragment: str) -> str:
    """A readable plain-text version of sanitised HTML: paragraphs, list items as "- ", links as "text (url)"."""
    parser = _PlainText()
    parser.feed(fragment)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _PlainText(HTMLParser):
    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote",
                        "pre", "hr", "center"})
    BREAKS: ClassVar[dict[str, str]] = {"br": "\n", "li": "\n- ", "tr": "\n", "dt": "\n", "dd": "\n  ", "td": " ",
                                        "th": " "}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag in self.BREAKS:
            self.parts.append(self.BREAKS[tag])
        elif tag == "img" and found.get("alt"):
            self.parts.append(f"[{found['alt']}]")
        elif tag == "a":
            self.links.append((found.get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            if href and href not in "".join(self.parts[start:]):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(" ".join(data.split("\n")))
