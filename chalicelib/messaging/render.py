"""Render a message kind to a subject, an HTML part and a plain-text part from the Jinja2 templates.

Subjects are the `{% block subject %}` of `<kind>.txt.j2` (rendered without escaping, folded to one line); the
HTML part gets the finished subject as `subject`. Templates see `branding`, `greeting`, `first_name`, `data`,
`category`, `kind` and `unsubscribe_url`; a campaign message's data also holds its rendered content
(messaging/campaign.py).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, UndefinedError, select_autoescape

from chalicelib.domain.messages import Rendered
from chalicelib.messaging import kinds

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_COLOR = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?")
_URL = re.compile(r"https?://[^\s<>\"'\\\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Branding:
    program_name: str
    sender_name: str
    sender_email: str
    postal_address: str
    brand_color: str = "#1f6feb"
    store_url: str | None = None

    def __post_init__(self) -> None:
        for name in ("program_name", "sender_name", "sender_email", "postal_address"):
            if not getattr(self, name).strip():
                raise ValueError(f"branding needs a {name}")
        if not _COLOR.fullmatch(self.brand_color):
            raise ValueError("brand_color must be a hex colour like #1f6feb")
        if self.store_url:                       # "" or None: no store link
            safe_url(self.store_url)


def render(kind: str, branding: Branding, first_name: str | None, data: Mapping[str, Any],
           unsubscribe_url: str | None, track: Callable[[str], str | None] | None = None) -> Rendered:
    """ValueError for an unknown kind, a missing data field or a value the templates cannot format. `track` turns a
    campaign message's links into tracked ones (None: a link it refuses shows its text only); without it they stay."""
    category = kinds.category_of(kind)
    missing = sorted(set(kinds.FIELDS[kind]) - set(data))
    if missing:
        raise ValueError(f"{kind} needs data field(s) {', '.join(missing)}")
    if kind == kinds.CAMPAIGN_MESSAGE:
        from chalicelib.messaging.campaign import campaign_data  # Markdown and nh3 load with the first campaign mail
        data = campaign_data(data, first_name, track)
    name = " ".join((first_name or "").split()) or None
    context = {"branding": branding, "first_name": name, "greeting": greeting(name), "data": dict(data),
               "category": category, "kind": kind, "unsubscribe_url": unsubscribe_url}
    env = _environment()
    try:
        text_template = env.get_template(f"{kind}.txt.j2")
        subject = " ".join("".join(text_template.blocks["subject"](text_template.new_context(context))).split())
        text = _tidy(text_template.render(context))
        html = env.get_template(f"{kind}.html.j2").render(context, subject=subject)
    except UndefinedError as e:
        raise ValueError(f"{kind}: {e.message}") from e
    if not subject:
        raise ValueError(f"{kind}: empty subject")
    return Rendered(subject=subject, html=html, text=text)


def greeting(first_name: str | None) -> str:
    return f"Hi {first_name}" if first_name else "Hi there"


def safe_url(value: str) -> str:
    """Only absolute http(s) links without spaces or quotes reach a template."""
    if not isinstance(value, str) or not _URL.fullmatch(value):
        raise ValueError(f"not an http(s) link: {value!r}")
    return value


def points(value: int) -> str:
    return f"{int(value):,} point{'' if int(value) == 1 else 's'}"


def long_date(value: date | str) -> str:
    """'March 3, 2027' from a date, a datetime or an ISO-8601 string (locale-independent)."""
    day = value if isinstance(value, date) else datetime.fromisoformat(str(value))
    if isinstance(day, datetime):
        day = day.date()
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def money(amount: str | Decimal, currency: str) -> str:
    """'$120.00' for USD, EUR and GBP; '120.00 CAD' for the rest."""
    value = Decimal(str(amount))
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    text = f"{value:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def one_line(value: str) -> str:
    """A multi-line postal address on one line: '1 Main St, Springfield'."""
    return ", ".join(line.strip() for line in str(value).splitlines() if line.strip())


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters: dict[str, Callable[..., str]] = {"url": safe_url, "points": points, "longdate": long_date,
                                              "money": money, "oneline": one_line}
    env.filters.update({name: _strict(f) for name, f in filters.items()})
    return env


def _strict(f: Callable[..., str]) -> Callable[..., str]:
    """A filter given a missing value raises UndefinedError, as printing it would (StrictUndefined)."""

    @functools.wraps(f)
    def strict(*args: Any) -> str:
        for arg in args:
            if isinstance(arg, Undefined):
                arg._fail_with_undefined_error()
        return f(*args)

    return strict


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
