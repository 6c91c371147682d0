"""Header hygiene (RFC 5322 3.6, 2.1.1; RFC 2045/2046; RFC 2369/8058; RFC 2919)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxready.errors import InputError
from inboxready.message.headers import check_headers, valid_domain
from inboxready.message.parse import parse_message

BASE = {
    "From": "Ann <ann@example.com>",
    "To": "bob@example.org",
    "Subject": "Hello",
    "Date": "Tue, 01 Jul 2025 10:00:00 +0000",
    "Message-ID": "<1@example.com>",
}


def build(fields: dict[str, str | None] | None = None, body: str = "Hi.\r\n",
          extra: Sequence[tuple[str, str]] = ()) -> bytes:
    merged = {**BASE, **(fields or {})}
    lines = [f"{name}: {value}" for name, value in merged.items() if value is not None]
    lines += [f"{name}: {value}" for name, value in extra]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8")


def codes(raw: bytes, bulk: bool | None = None) -> set[str]:
    return {f.code for f in check_headers(parse_message(raw), bulk=bulk).findings}


def test_clean_message_has_no_findings() -> None:
    report = check_headers(parse_message(build()))
    assert report.findings == ()
    assert report.from_domain == "example.com"
    assert report.from_address == "ann@example.com"
    assert not report.bulk
    assert report.parts == ("text/plain",)


@pytest.mark.parametrize(("fields", "expected"), [
    ({"From": None}, "msg-no-from"),
    ({"From": "Ann"}, "msg-bad-from"),
    ({"From": "Bob <bob@>"}, "msg-bad-from"),
    ({"From": "ann@localhost"}, "msg-bad-from"),
    ({"From": "a@example.com, b@example.com"}, "msg-multiple-from"),
    ({"Date": None}, "msg-no-date"),
    ({"Date": "yesterday at noon"}, "msg-no-date"),
    ({"Message-ID": None}, "msg-no-message-id"),
    ({"Message-ID": "no-angle-brackets@example.com"}, "msg-no-message-id"),
    ({"Subject": None}, "msg-no-subject"),
    ({"Subject": "   "}, "msg-no-subject"),
    ({"Reply-To": "ann@gmail.com"}, "msg-reply-to-mismatch"),
])
def test_each_problem_has_its_code(fields: dict[str, str | None], expected: str) -> None:
    assert expected in codes(build(fields))


def test_two_from_headers() -> None:
    raw = build(extra=[("From", "Eve <eve@example.net>")])
    assert "msg-multiple-from" in codes(raw)


def test_duplicate_single_fields() -> None:
    report = check_headers(parse_message(build(extra=[("Subject", "Second"), ("Date", BASE["Date"])])))
    duplicates = {f.data["field"] for f in report.findings if f.code == "msg-duplicate-header"}
    assert duplicates == {"subject", "date"}


def test_reply_to_same_organization_is_fine() -> None:
    assert "msg-reply-to-mismatch" not in codes(build({"Reply-To": "support@help.example.com"}))


def test_encoded_display_name_is_valid() -> None:
    assert codes(build({"From": "=?utf-8?q?J=C3=B6rg?= <j@example.com>"})) == set()


def test_line_longer_than_998() -> None:
    report = check_headers(parse_message(build(body="x" * 999 + "\r\nshort\r\n")))
    finding = next(f for f in report.findings if f.code == "msg-long-line")
    assert finding.data["lines"] == [7]  # five fields, the empty line, then the body
    assert "body" in finding.message
    assert "msg-long-line" not in codes(build(body="x" * 998 + "\r\n"))


HTML_ONLY = ("MIME-Version", "1.0"), ("Content-Type", "text/html; charset=utf-8")


def test_html_without_text_part() -> None:
    assert "msg-missing-text-part" in codes(build(extra=list(HTML_ONLY), body="<p>Hi</p>\r\n"))


def test_alternative_with_text_part_is_fine() -> None:
    body = ("--b\r\nContent-Type: text/plain\r\n\r\nHi\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>\r\n--b--\r\n")
    raw = build(extra=[("MIME-Version", "1.0"), ("Content-Type", 'multipart/alternative; boundary="b"')], body=body)
    report = check_headers(parse_message(raw))
    assert report.parts == ("text/plain", "text/html")
    assert report.findings == ()


def test_html_attachment_does_not_count_as_body() -> None:
    body = ("--b\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n--b\r\nContent-Type: text/html\r\n"
            "Content-Disposition: attachment; filename=a.html\r\n\r\n<p>x</p>\r\n--b--\r\n")
    raw = build(extra=[("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="b"')], body=body)
    assert check_headers(parse_message(raw)).parts == ("text/plain",)


@pytest.mark.parametrize("raw_extra,body", [
    ([("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="b"')], "no boundary at all\r\n"),
    ([("MIME-Version", "1.0"), ("Content-Type", "text/plain"), ("Content-Transfer-Encoding", "base64")],
     "!!!not base64***\r\n"),
    ([("Content-Type", "text/plain; charset=utf-8")], "no MIME-Version\r\n"),
])
def test_mime_defects(raw_extra: list[tuple[str, str]], body: str) -> None:
    assert "msg-mime-malformed" in codes(build(extra=raw_extra, body=body))


def test_header_bytes_not_utf8() -> None:
    raw = build().replace(b"Subject: Hello", b"Subject: Caf\xe9")
    assert "msg-mime-malformed" in codes(raw)


def test_utf8_headers_are_allowed() -> None:
    raw = build().replace(b"Subject: Hello", "Subject: Café".encode())
    assert "msg-mime-malformed" not in codes(raw)


def test_continuation_before_any_field_is_malformed() -> None:
    assert "msg-mime-malformed" in codes(b" folded\r\n" + build())


class TestBulk:
    def test_precedence_bulk_without_unsubscribe(self) -> None:
        report = check_headers(parse_message(build(extra=[("Precedence", "bulk")])))
        assert report.bulk
        assert {f.code for f in report.findings} == {"msg-no-unsubscribe"}

    def test_explicit_bulk_flag(self) -> None:
        assert "msg-no-unsubscribe" in codes(build(), bulk=True)
        assert "msg-no-unsubscribe" not in codes(build(extra=[("Precedence", "bulk")]), bulk=False)

    def test_one_click_complete(self) -> None:
        extra = [("List-Unsubscribe", "<mailto:u@example.com>, <https://example.com/u/1>"),
                 ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("List-Id", "<news.example.com>")]
        report = check_headers(parse_message(build(extra=extra)))
        assert report.unsubscribe.one_click
        assert report.unsubscribe.https_uri == "https://example.com/u/1"
        assert report.findings == ()

    @pytest.mark.parametrize("extra", [
        [("List-Unsubscribe", "<mailto:u@example.com>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")],
        [("List-Unsubscribe", "<https://example.com/u/1>")],
        [("List-Unsubscribe", "<https://example.com/u/1>"), ("List-Unsubscribe-Post", "List-Unsubscribe=Yes")],
    ])
    def test_not_one_click(self, extra: list[tuple[str, str]]) -> None:
        assert "msg-no-one-click" in codes(build(extra=[*extra, ("List-Id", "<n.example.com>")]))

    def test_bulk_without_list_id_or_precedence(self) -> None:
        extra = [("List-Unsubscribe", "<https://example.com/u/1>"),
                 ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
        assert codes(build(extra=extra)) == {"msg-bulk-no-list-id"}


def test_not_a_message() -> None:
    with pytest.raises(InputError):
        parse_message(b"")
    with pytest.raises(InputError):
        parse_message(b"\x00\x01binary junk without a colon\n\nbody")


@pytest.mark.parametrize(("domain", "ok"), [
    ("example.com", True), ("sub.example.co.uk", True), ("bücher.example", True),
    ("localhost", False), ("-bad.example", False), ("a..b", False), ("[192.0.2.1]", False),
])
def test_valid_domain(domain: str, ok: bool) -> None:
    assert valid_domain(domain) is ok


def test_lf_only_message_parses() -> None:
    report = check_headers(parse_message(build().replace(b"\r\n", b"\n")))
    assert report.findings == ()
    assert report.subject == "Hello"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise_beyond_input_error(data: bytes) -> None:
    for raw in (data, b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n" + data):
        try:
            parsed = parse_message(raw)
        except InputError:
            continue
        report = check_headers(parsed)
        assert all(f.code.startswith("msg-") for f in report.findings)
