"""The analytics export job's plan: a FULL export first, then daily INCREMENTAL windows; retries start nothing new."""
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.services import analytics_export as export
from chalicelib.services.ports.table_export import FULL, INCREMENTAL, ExportRequest, Watermark, WatermarkMoved

TABLE = "loyalty-test"
RUN = datetime(2031, 3, 14, 4, 20, tzinfo=UTC)      # the scheduled event's time (the injected clock)
END = datetime(2031, 3, 14, 4, 0, tzinfo=UTC)


class FakeExports:
    """The port as DynamoDB behaves: an export per distinct client token, a conditional watermark."""

    def __init__(self, watermark=None, fail_after=None):
        self.mark = watermark
        self.by_token: dict[str, ExportRequest] = {}
        self.calls: list[ExportRequest] = []
        self.fail_after = fail_after

    def watermark(self):
        return self.mark

    def start_export(self, request):
        self.calls.append(request)
        self.by_token.setdefault(request.client_token, request)
        return f"arn:export/{request.client_token}"

    def advance(self, previous, new):
        if self.mark != previous:
            raise WatermarkMoved("moved")
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            raise RuntimeError("the function timed out before it recorded the watermark")
        self.mark = new


def test_the_first_run_asks_for_one_full_export_as_of_the_last_whole_hour_behind_point_in_time_recovery():
    exports = FakeExports()
    report = export.run(TABLE, exports, RUN)
    assert [(r.kind, r.start, r.end) for r in exports.calls] == [(FULL, None, END)]
    assert exports.calls[0].s3_prefix == f"exports/full/{int(END.timestamp())}"
    assert exports.mark == report.watermark == Watermark(END, END)


def test_the_next_day_asks_for_the_changes_since_the_last_export_only():
    exports = FakeExports(Watermark(END - timedelta(days=3), END - timedelta(days=1)))
    export.run(TABLE, exports, RUN)
    assert [(r.kind, r.start, r.end, r.s3_prefix) for r in exports.calls] == [
        (INCREMENTAL, END - timedelta(days=1), END, "exports/incremental")]
    assert exports.mark == Watermark(END - timedelta(days=3), END)


def test_a_gap_of_days_is_caught_up_in_windows_of_24_hours_at_most():
    exports = FakeExports(Watermark(END - timedelta(days=10), END - timedelta(days=2, hours=5)))
    export.run(TABLE, exports, RUN)
    windows = [(r.start, r.end) for r in exports.calls]
    assert windows == [(END - timedelta(days=2, hours=5), END - timedelta(days=1, hours=5)),
                       (END - timedelta(days=1, hours=5), END - timedelta(hours=5)),
                       (END - timedelta(hours=5), END)]
    assert all(r.kind == INCREMENTAL and r.end - r.start <= timedelta(hours=24) for r in exports.calls)


def test_a_window_under_15_minutes_waits_for_the_next_run():
    exports = FakeExports(Watermark(END - timedelta(days=1), END))
    report = export.run(TABLE, exports, RUN + timedelta(minutes=10))
    assert exports.calls == []
    assert report.started == []


@pytest.mark.parametrize("watermark", [
    Watermark(END - timedelta(days=30), END - timedelta(days=1)),     # the monthly FULL export (a new baseline)
    Watermark(END - timedelta(days=20), END - timedelta(days=8)),     # too far behind to catch up by increments
])
def test_a_month_after_the_last_full_export_or_after_a_long_gap_a_new_full_export_replaces_the_increments(watermark):
    exports = FakeExports(watermark)
    export.run(TABLE, exports, RUN)
    assert [(r.kind, r.end) for r in exports.calls] == [(FULL, END)]
    assert exports.mark == Watermark(END, END)


def test_a_retried_run_asks_for_the_same_window_with_the_same_token_so_dynamodb_starts_it_once():
    start = Watermark(END - timedelta(days=3), END - timedelta(days=1))
    exports = FakeExports(start, fail_after=0)
    with pytest.raises(RuntimeError):
        export.run(TABLE, exports, RUN)         # the export was asked for; the watermark was not moved
    exports.fail_after = None
    export.run(TABLE, exports, RUN)            # Lambda retries the same event: the same time
    assert len(exports.calls) == 2
    assert exports.calls[0] == exports.calls[1]
    assert len(exports.by_token) == 1
    export.run(TABLE, exports, RUN)            # once recorded, a further retry asks for nothing
    assert len(exports.calls) == 2


def test_tokens_differ_by_window_and_kind_and_fit_dynamodbs_pattern():
    tokens = {export.client_token(TABLE, FULL, None, END), export.client_token(TABLE, INCREMENTAL, END, END),
              export.client_token(TABLE, INCREMENTAL, END - timedelta(days=1), END),
              export.client_token("other", FULL, None, END)}
    assert len(tokens) == 4
    assert all("$" not in t and 1 <= len(t) <= 64 for t in tokens)


def test_a_run_that_finds_the_watermark_moved_by_another_stops():
    class Racing(FakeExports):
        def watermark(self):
            return Watermark(END - timedelta(days=3), END - timedelta(days=1))

    exports = Racing(Watermark(END - timedelta(days=3), END - timedelta(hours=12)))
    with pytest.raises(WatermarkMoved):
        export.run(TABLE, exports, RUN)


def test_the_end_time_follows_the_event_whatever_the_offset():
    assert export.export_end(datetime(2031, 3, 14, 0, 5, tzinfo=UTC)) == datetime(2031, 3, 13, 23, tzinfo=UTC)
    later = datetime(2031, 3, 14, 6, 20, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert export.export_end(later) == datetime(2031, 3, 14, 6, tzinfo=UTC)
