"""Following a tracked link: only our signed links to the program's current sites redirect; the click is kept (a
scanner's told apart) and a person's click moves the campaign on; SES deliveries and opens are kept once."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import links
from chalicelib.domain.engagement import DELIVERED, OPENED, MailEngagement
from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.links import ClickClaim, LinkRetired
from chalicelib.domain.member_events import LinkClicked, MailDelivered, MailOpened
from chalicelib.domain.messages import SENT, new_message
from chalicelib.domain.tokens import TokenExpired, UnknownProgram
from chalicelib.services.engagement import follow_link, record_mail_event
from chalicelib.services.ports.programs import MessagingSettings

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)
MEMBER = "m_" + "a" * 24
SETTINGS = MessagingSettings(program_name="Demo", sender_name="Demo", sender_email="r@demo.example",
                             postal_address="1 Demo St", public_url="https://loyalty.example.net",
                             unsubscribe_secrets=(b"secret",), policy=MessagingPolicy(),
                             store_url="https://shop.example.com", link_domains=("brand.example.org",))
MESSAGE = replace(new_message("campaign:1", MEMBER, "campaign_message", T0, {"campaign_id": "cmp_1"}),
                  status=SENT, sent_at=T0)


class Directory:
    def __init__(self, settings=SETTINGS):
        self.settings = settings

    def programs(self):
        return ["demo"]

    def messaging(self, program_id):
        return self.settings


class Engagement:
    def __init__(self, *messages, fail=False):
        self.messages = {m.message_id: m for m in messages}
        self.clicks: list[LinkClicked] = []
        self.mail_events: list = []
        self.fail = fail

    def sent_message(self, program_id, member_id, message_id):
        message = self.messages.get(message_id)
        return message if message and message.member_id == member_id else None

    def record_click(self, program_id, member_id, click):
        if self.fail:
            raise RuntimeError("DynamoDB did not answer")
        self.clicks.append(click)

    def record_mail_event(self, program_id, member_id, event):
        if (member_id, type(event), event.message_id) in {(m, type(e), e.message_id) for m, e in self.mail_events}:
            return False
        self.mail_events.append((member_id, event))
        return True


class Progress:
    def __init__(self):
        self.clicked_at: list[tuple[str, str, datetime]] = []

    def clicked(self, program_id, enrollment, at):
        self.clicked_at.append((program_id, enrollment, at))


def token(url="https://shop.example.com/new?utm_source=loyalty", enrollment="cmp_1/m_x/1", secret=b"secret",
          message_id=MESSAGE.message_id):
    return links.sign(secret, ClickClaim("demo", MEMBER, message_id, enrollment, url, T0))


def test_a_persons_click_redirects_is_kept_and_moves_the_campaign_on():
    store, progress = Engagement(MESSAGE), Progress()
    at = T0 + timedelta(hours=2)
    assert follow_link(token(), Directory(), store, progress, at) == "https://shop.example.com/new?utm_source=loyalty"
    assert store.clicks == [LinkClicked(at, MESSAGE.message_id, "shop.example.com", "cmp_1", False, "/new",
                                        message_kind=MESSAGE.kind)]
    assert progress.clicked_at == [("demo", "cmp_1/m_x/1", at)]


def test_a_click_seconds_after_sending_or_delivery_is_a_likely_scanner_and_moves_nothing():
    delivered = replace(MESSAGE, delivered_at=T0 + timedelta(minutes=3))
    for message, at in ((MESSAGE, T0 + timedelta(seconds=4)), (delivered, T0 + timedelta(minutes=3, seconds=2))):
        store, progress = Engagement(message), Progress()
        assert follow_link(token(), Directory(), store, progress, at).startswith("https://shop.example.com/")
        assert [c.likely_scanner for c in store.clicks] == [True]
        assert progress.clicked_at == []


def test_a_click_without_an_enrollment_or_a_progress_port_only_counts():
    store, progress = Engagement(MESSAGE), Progress()
    follow_link(token(enrollment=""), Directory(), store, progress, T0 + timedelta(hours=1))
    follow_link(token(), Directory(), store, None, T0 + timedelta(hours=1))
    assert len(store.clicks) == 2
    assert progress.clicked_at == []


def test_a_click_still_redirects_when_keeping_it_fails_or_its_message_is_gone():
    assert follow_link(token(), Directory(), Engagement(MESSAGE, fail=True), Progress(), T0 + timedelta(hours=1))
    store, progress = Engagement(), Progress()
    assert follow_link(token(), Directory(), store, progress, T0 + timedelta(hours=1))
    assert (store.clicks, progress.clicked_at) == ([], [])


def test_a_link_whose_site_left_the_config_no_longer_redirects():
    blog = token(url="https://blog.brand.example.org/post")
    assert follow_link(blog, Directory(), Engagement(MESSAGE), None, T0 + timedelta(hours=1))
    with pytest.raises(LinkRetired):
        follow_link(blog, Directory(replace(SETTINGS, link_domains=())), Engagement(MESSAGE), None, T0)


@pytest.mark.parametrize(("bad", "error"), [
    (lambda: token(secret=b"another-secret"), InvalidSignature),
    (lambda: token()[:-2] + "AA", InvalidSignature),
    (lambda: "not-a-token", InvalidSignature),
    (lambda: links.sign(b"secret", ClickClaim("ghost", MEMBER, "msg_1", "", "https://shop.example.com/", T0)),
     UnknownProgram),
])
def test_a_link_we_did_not_sign_goes_nowhere_and_records_nothing(bad, error):
    store = Engagement(MESSAGE)
    with pytest.raises(error):
        follow_link(bad(), Directory(), store, Progress(), T0)
    assert store.clicks == []


def test_an_old_link_has_expired():
    with pytest.raises(TokenExpired):
        follow_link(token(), Directory(), Engagement(MESSAGE), None, T0 + timedelta(days=181))


def test_deliveries_and_first_opens_are_kept_once_for_programs_of_ours():
    store = Engagement(MESSAGE)
    delivered = MailEngagement(DELIVERED, "demo", MEMBER, MESSAGE.message_id, T0, "campaign_message")
    opened = replace(delivered, kind=OPENED, at=T0 + timedelta(hours=1))
    assert record_mail_event(delivered, Directory(), store)
    assert record_mail_event(opened, Directory(), store)
    assert not record_mail_event(opened, Directory(), store)
    assert not record_mail_event(replace(delivered, program_id="ghost"), Directory(), store)
    assert [e for _, e in store.mail_events] == [MailDelivered(T0, MESSAGE.message_id, "campaign_message"),
                                                 MailOpened(T0 + timedelta(hours=1), MESSAGE.message_id,
                                                            "campaign_message")]
