"""A campaign message's content as the merchant writes it: a subject, an optional preheader, 1–20 blocks of Markdown or
HTML and an optional call to action, with merge fields `{{ name }}` filled in for each member when the mail is sent.

Merge fields are replaced as text, never evaluated: `{{ points }}` becomes the member's points, and anything between
the braces that is not a field's name becomes nothing (`{{ ''.__class__ }}` included). So merchant text never reaches a
Python object, and an unknown name cannot fail a send; the definition is checked first (`content_problems`), naming
every unknown field and every bad value with its place.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.links import link_problems

MERGE_FIELDS = ("first_name", "points", "tier", "next_tier", "spend_to_next_tier", "next_reward",
                "points_to_next_reward", "predicted_clv", "expected_next_order", "store_url", "program_name")
BLOCK_KINDS = ("markdown", "html")
MAX_SUBJECT, MAX_PREHEADER, MAX_BLOCKS, MAX_BLOCK, MAX_LABEL = 150, 150, 20, 20_000, 60
_FIELD = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# Links as Markdown and HTML write them: [text](url), [ref]: url, <https://…>, href="url". A link found here is
# checked when the campaign is defined; the composer checks every link it renders again, whatever its spelling.
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)|^ {0,3}\[[^\]\n]+\]:\s*<?([^\s>]+)|<(https?://[^>\s]+)>"
                   r"|\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE | re.MULTILINE)


def merge_names(text: str) -> list[str]:
    """The names between double braces, in order (what the braces hold, trimmed: not necessarily a field's name)."""
    return [m.group(1).strip() for m in _FIELD.finditer(text)]


def fill(text: str, values: Mapping[str, str], escape: Callable[[str], str] = str) -> str:
    """`text` with each `{{ name }}` replaced by escape(value): the value of a known name, "" for anything else."""
    return _FIELD.sub(lambda m: escape(values.get(m.group(1).strip(), "")), text)


def content_problems(subject: object, blocks: object, cta: object, at: str, *, preheader: object = None,
                     hosts: frozenset[str] | None = None) -> list[str]:
    """Every problem of a message's content, each prefixed with its path under `at` (e.g. "steps[2].blocks[0]:
    unknown merge field {{ pints }}"). With `hosts` (domain/links.py `allowed_hosts`) the links are checked too."""
    problems = _text(subject, f"{at}.subject", MAX_SUBJECT)
    if preheader is not None:
        problems += _text(preheader, f"{at}.preheader", MAX_PREHEADER)
    problems += _blocks(blocks, at)
    problems += _cta(cta, at)
    if hosts is not None and not problems:
        for path, url in link_targets(blocks, cta, at):
            problems += [] if url.lstrip().startswith("{{") else link_problems(url, hosts, path)
    return problems


def link_targets(blocks: Any, cta: Any, at: str) -> list[tuple[str, str]]:
    """(path, url) of the links the blocks and the call to action hold, for well-formed content."""
    found = [(f"{at}.blocks[{i}]", next(group for group in m.groups() if group))
             for i, block in enumerate(blocks) for m in _LINK.finditer(next(iter(block.values())))]
    return found + ([(f"{at}.cta.url", cta["url"])] if cta else [])


def _text(value: object, path: str, longest: int) -> list[str]:
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        return [f"{path}: must be text of 1–{longest:,} characters"]
    return [f"{path}: unknown merge field {{{{ {name[:40]} }}}}" for name in merge_names(value)
            if name not in MERGE_FIELDS]


def _blocks(blocks: object, at: str) -> list[str]:
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= MAX_BLOCKS:
        return [f"{at}.blocks: must be a list of 1–{MAX_BLOCKS} blocks"]
    problems: list[str] = []
    for i, block in enumerate(blocks):
        path = f"{at}.blocks[{i}]"
        if not isinstance(block, dict) or len(block) != 1 or next(iter(block)) not in BLOCK_KINDS:
            problems.append(f'{path}: must be {{"markdown": "…"}} or {{"html": "…"}}')
        else:
            problems += _text(next(iter(block.values())), path, MAX_BLOCK)
    return problems


def _cta(cta: object, at: str) -> list[str]:
    if cta is None:
        return []
    if not isinstance(cta, dict) or set(cta) != {"label", "url"}:
        return [f'{at}.cta: must be null or {{"label": "…", "url": "https://…"}}']
    return _text(cta["label"], f"{at}.cta.label", MAX_LABEL) + _text(cta["url"], f"{at}.cta.url", 2000)
