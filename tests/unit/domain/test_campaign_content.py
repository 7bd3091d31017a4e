"""A campaign message's content is checked field by field when the campaign is defined; merge fields are plain text
replacements, never evaluated."""
import pytest

from chalicelib.domain.campaign_content import MERGE_FIELDS, content_problems, fill, link_targets, merge_names
from chalicelib.domain.links import allowed_hosts

HOSTS = allowed_hosts("https://shop.example.com", "https://loyalty.example.net", ["brand.example.org"])
BLOCKS = [{"markdown": "Hi {{ first_name }}, you have **{{ points }}** points. [Shop](https://shop.example.com/new)"},
          {"html": '<p>Next: {{next_reward}} <a href="https://blog.brand.example.org/a">read</a></p>'}]
CTA = {"label": "Shop now", "url": "https://shop.example.com/?utm_campaign=winback"}


def test_good_content_has_no_problems_with_or_without_its_links_checked():
    assert content_problems("{{ first_name }}, {{ points }} points", BLOCKS, CTA, "steps[2]") == []
    assert content_problems("Hello", BLOCKS, None, "steps[2]", preheader="{{ tier }}", hosts=HOSTS) == []
    assert content_problems("Hello", BLOCKS, {"label": "Go", "url": "{{ store_url }}/sale"}, "s", hosts=HOSTS) == []


def test_an_unknown_merge_field_is_named_with_its_path():
    blocks = [{"markdown": "ok"}, {"html": "<p>{{ first_name }}</p>"}, {"markdown": "You have {{ pints }} pints"}]
    assert content_problems("Hi {{ frist_name }}", blocks, {"label": "{{ x }}", "url": CTA["url"]}, "steps[2]") == [
        "steps[2].subject: unknown merge field {{ frist_name }}",
        "steps[2].blocks[2]: unknown merge field {{ pints }}",
        "steps[2].cta.label: unknown merge field {{ x }}",
    ]


@pytest.mark.parametrize(("subject", "blocks", "cta", "problem"), [
    ("", BLOCKS, None, "steps[0].subject: must be text of 1–150 characters"),
    ("   ", BLOCKS, None, "steps[0].subject: must be text of 1–150 characters"),
    ("x" * 151, BLOCKS, None, "steps[0].subject: must be text of 1–150 characters"),
    (None, BLOCKS, None, "steps[0].subject: must be text of 1–150 characters"),
    ("Hi", [], None, "steps[0].blocks: must be a list of 1–20 blocks"),
    ("Hi", [{"markdown": "x"}] * 21, None, "steps[0].blocks: must be a list of 1–20 blocks"),
    ("Hi", "## a heading", None, "steps[0].blocks: must be a list of 1–20 blocks"),
    ("Hi", [{"markdown": "x", "html": "<p>x</p>"}], None, 'steps[0].blocks[0]: must be {"markdown": "…"} or'),
    ("Hi", [{"text": "x"}], None, 'steps[0].blocks[0]: must be {"markdown": "…"} or {"html": "…"}'),
    ("Hi", ["x"], None, 'steps[0].blocks[0]: must be {"markdown": "…"} or {"html": "…"}'),
    ("Hi", [{"markdown": ""}], None, "steps[0].blocks[0]: must be text of 1–20,000 characters"),
    ("Hi", [{"html": "x" * 20_001}], None, "steps[0].blocks[0]: must be text of 1–20,000 characters"),
    ("Hi", [{"markdown": 5}], None, "steps[0].blocks[0]: must be text of 1–20,000 characters"),
    ("Hi", BLOCKS, {"label": "x" * 61, "url": CTA["url"]}, "steps[0].cta.label: must be text of 1–60 characters"),
    ("Hi", BLOCKS, {"label": "", "url": CTA["url"]}, "steps[0].cta.label: must be text of 1–60 characters"),
    ("Hi", BLOCKS, {"label": "Go"}, 'steps[0].cta: must be null or {"label": "…", "url": "https://…"}'),
    ("Hi", BLOCKS, "https://shop.example.com", 'steps[0].cta: must be null or {"label": "…", "url": "https://…"}'),
])
def test_each_bad_value_is_reported_at_its_path(subject, blocks, cta, problem):
    problems = content_problems(subject, blocks, cta, "steps[0]")
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_with_the_programs_hosts_every_link_of_the_blocks_and_the_cta_is_checked():
    blocks = [{"markdown": "[a](https://evil.example/x) and <https://shop.example.com/ok>\n\n[ref]: http://shop.example.com"},
              {"html": "<a href='javascript:alert(1)'>x</a> <a href=\"https://shop.example.com@evil.example/\">y</a>"}]
    cta = {"label": "Go", "url": "https://shop.example.com:8443/"}
    problems = content_problems("Hi", blocks, cta, "steps[1]", hosts=HOSTS)
    assert [p.split(": ")[0] for p in problems] == ["steps[1].blocks[0]"] * 2 + ["steps[1].blocks[1]"] * 2 + [
        "steps[1].cta.url"]
    assert "evil.example" in problems[0]
    assert "https://" in problems[1]
    assert "port" in problems[4]


def test_the_links_are_found_as_markdown_and_html_write_them():
    assert link_targets(BLOCKS, CTA, "s") == [("s.blocks[0]", "https://shop.example.com/new"),
                                               ("s.blocks[1]", "https://blog.brand.example.org/a"),
                                               ("s.cta.url", CTA["url"])]


def test_fill_replaces_known_names_and_empties_everything_else_without_evaluating_it():
    values = {"first_name": "Ada", "points": "1,250"}
    assert fill("Hi {{first_name}}, {{  points  }} points", values) == "Hi Ada, 1,250 points"
    for attempt in ("{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ config }}",
                    "{{ self._TemplateReference__context }}", "{{ lipsum.__globals__.os.popen('id').read() }}",
                    "{{ pints }}", "{{ 7*7 }}", "{{ first_name.upper() }}"):
        assert fill(f"a{attempt}b", values) == "ab"
    assert fill("{% for x in range(10) %}{{ x }}{% endfor %}", values) == "{% for x in range(10) %}{% endfor %}"
    assert fill("{{ first_name }}", {"first_name": "<b>"}, lambda v: v.replace("<", "&lt;")) == "&lt;b>"


def test_merge_names_are_what_the_braces_hold():
    assert merge_names("{{ a }} {{b}} {{ ''.__class__ }} {{\nc\n}}") == ["a", "b", "''.__class__", "c"]
    assert set(MERGE_FIELDS) >= {"first_name", "points", "tier", "next_reward", "store_url", "program_name"}
