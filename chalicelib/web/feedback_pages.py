"""The survey pages linked from email: GET shows the question with the link's score chosen, POST records the answer.

Link scanners fetch every link of a message, so GET never records anything: it is a plain HTML form (no script) that
posts the chosen score and an optional comment back to the same address. A link that cannot be used gets a small
page saying so (410 expired; 400 forged, malformed or not valid yet; 404 no such survey), or the error shape for a
client asking for JSON only, as on the unsubscribe pages (web/public.py). Comments are never logged.
"""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidRequest, InvalidSignature, NotFound
from chalicelib.domain.tokens import TokenExpired, TokenNotYetValid
from chalicelib.observability import logger
from chalicelib.web.public import LinkErrors, _page, link_refusals

if TYPE_CHECKING:
    from chalicelib.services.feedback_answers import AnswerForm

bp = Blueprint(__name__)
MAX_FORM_BYTES = 32 * 1024
_AGAIN = "Please use the link in the email we sent you."
_SURVEY_ERRORS: LinkErrors = [
    (TokenExpired, 410, "This survey has closed", "Thank you for following the link: this survey no longer takes "
                                                  "answers."),
    (TokenNotYetValid, 400, "This link is not valid yet", f"Its date lies in the future. {_AGAIN}"),
    (InvalidSignature, 400, "This link is not valid",
     f"We could not recognise this survey link; it may have been cut short or changed. {_AGAIN}"),
    (NotFound, 404, "We could not find this survey", _AGAIN),
    (InvalidRequest, 400, "Please choose a score", "Go back, choose one of the scores and send the form again."),
]
_refusals = link_refusals(_SURVEY_ERRORS, "survey_link_refused")
_QUESTION = {"nps_survey": "How likely are you to recommend {program} to a friend or colleague?",
             "csat_survey": "How satisfied were you with {program}?"}
_ENDS = {"nps_survey": ("Not at all likely", "Extremely likely"),
         "csat_survey": ("Very dissatisfied", "Very satisfied")}


@bp.route("/feedback/{token}", methods=["GET"])
@_refusals
def survey_page(token: str) -> Response:
    """The question, the scale with the link's score chosen, a comment box: records nothing."""
    from chalicelib.domain.surveys import MAX_COMMENT, SCALES
    from chalicelib.services import feedback_answers as service

    opened = service.open_survey(token, bootstrap.get_directory(), bootstrap.get_rules(),
                                 bootstrap.get_feedback_store(), bootstrap.get_clock().now())
    kind, chosen = opened.claim.kind, opened.claim.score
    low, high = _ENDS[kind]
    radios = "".join(
        f"<label style='display:inline-block;margin:.2rem;text-align:center'><input type='radio' name='score' "
        f"value='{n}' required{' checked' if n == chosen else ''}><br>{n}</label>" for n in SCALES[kind])
    before = (f"<p>You answered {opened.record.answer.score} before; sending this form changes your answer.</p>"
              if opened.record.answer else "")
    return _page(_QUESTION[kind].format(program=opened.program_name), (
        f"{before}<form method='post'><fieldset style='border:0;padding:0'><legend>{escape(low)} (lowest) to "
        f"{escape(high)} (highest)</legend>{radios}</fieldset>"
        f"<p><label for='comment'>Anything you would like to tell us? (optional)</label><br>"
        f"<textarea id='comment' name='comment' rows='4' maxlength='{MAX_COMMENT}' style='width:100%'></textarea></p>"
        f"<button type='submit' style='padding:.6rem 1rem'>Send my answer</button></form>"))


@bp.route("/feedback/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@_refusals
def answer(token: str) -> Response:
    """Record the visitor's score (it may differ from the link's) and optional comment; answering again changes it."""
    from chalicelib.services import feedback_answers as service

    opened, record = service.record_answer(
        token, _form(), bootstrap.get_directory(), bootstrap.get_rules(), bootstrap.get_feedback_store(),
        bootstrap.get_ledger(), bootstrap.get_sentiment(), bootstrap.get_clock().now())
    score = record.answer.score if record.answer else opened.claim.score
    logger.info("survey_answered", extra={"program_id": opened.claim.program_id, "survey_id": record.survey.survey_id,
                                          "kind": record.survey.kind, "score": score})
    return _page("Thank you for your answer", f"<p>We have your answer: {score}. Thank you for telling "
                                              f"{escape(opened.program_name)} what you think.</p>")


def _form() -> AnswerForm:
    from chalicelib.services.feedback_answers import AnswerForm

    body = bp.current_request.raw_body or b""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidRequest("the form is too large", code="invalid_form")
    try:
        fields = parse_qs(raw.decode("utf-8"), max_num_fields=10, errors="strict")
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidRequest("the form is not one this page sends", code="invalid_form") from e
    score, comment = fields.get("score", []), fields.get("comment", [])
    return AnswerForm(score=score[0] if score else None, comment=comment[0] if comment else None)
