"""Query templates, reply matching and the reply parser of the live backend (inboxready.dns.wire)."""

from __future__ import annotations

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from inboxready.dns import wire

NAME = dns.name.from_text("Mixed.Example.")


def reply_to(question: wire.Question, query_id: int = 7) -> dns.message.Message:
    return dns.message.make_response(dns.message.from_wire(question.wire(query_id)))


def test_query_template_is_a_standard_query() -> None:
    question = wire.make_question(NAME, dns.rdatatype.TXT, 1232)
    query = dns.message.from_wire(question.wire(0xBEEF))
    assert query.id == 0xBEEF and query.flags == dns.flags.RD
    assert query.question[0].name == NAME and query.question[0].rdtype == dns.rdatatype.TXT
    assert (query.edns, query.payload, query.ednsflags) == (0, 1232, 0)
    plain = dns.message.from_wire(question.without_edns().wire(1))
    assert plain.edns == -1 and not plain.additional


def test_matches_checks_qr_opcode_and_the_question() -> None:
    question = wire.make_question(NAME, dns.rdatatype.A, 1232)
    good = reply_to(question).to_wire()
    assert wire.matches(good, question)
    assert not wire.matches(question.wire(7), question)  # a query, not a response
    assert not wire.matches(good[:12], question)
    other_type = wire.make_question(NAME, dns.rdatatype.AAAA, 1232)
    assert not wire.matches(reply_to(other_type).to_wire(), question)
    # TYPE 65 is 0x0041 ('A'): only the name is compared case-insensitively
    https = wire.make_question(NAME, dns.rdatatype.RdataType.make(65), 0)
    assert not wire.matches(reply_to(wire.make_question(NAME, dns.rdatatype.RdataType.make(97), 0)).to_wire(), https)


def test_parse_drops_an_empty_opt_but_keeps_everything_else() -> None:
    question = wire.make_question(NAME, dns.rdatatype.A, 1232)
    response = reply_to(question)
    response.answer.append(dns.rrset.from_text(NAME, 60, "IN", "A", "192.0.2.1"))
    response.additional.append(dns.rrset.from_text("ns.example.", 60, "IN", "A", "192.0.2.53"))
    data = response.to_wire()
    fast, full = wire.parse(data), dns.message.from_wire(data)
    assert fast.answer == full.answer and fast.additional == full.additional
    assert fast.rcode() == full.rcode() and fast.id == full.id


def test_parse_keeps_opt_with_options_and_extended_rcodes() -> None:
    question = wire.make_question(NAME, dns.rdatatype.A, 1232)
    response = reply_to(question)
    response.use_edns(0, options=[dns.edns.GenericOption(dns.edns.OptionType.NSID, b"ns1")])
    assert wire.parse(response.to_wire()).options
    badvers = reply_to(question)
    badvers.set_rcode(dns.rcode.BADVERS)
    assert wire.parse(badvers.to_wire()).rcode() == dns.rcode.BADVERS


def test_parse_is_not_fooled_by_opt_like_record_data() -> None:
    question = wire.make_question(NAME, dns.rdatatype.TXT, 0)
    response = reply_to(question)
    # An answer, so the full parse runs (negative replies are read from header and question only).
    response.answer.append(dns.rrset.from_text(NAME, 60, "IN", "TXT", '"v=spf1 -all"'))
    response.additional.append(
        dns.rrset.from_text("x.example.", 60, "IN", "TXT", r'"abc\000\000\041\004\208\000\000\000\000\000\000"')
    )
    data = response.to_wire()
    assert data[-11:-8] == b"\x00\x00\x29" and data[-2:] == b"\x00\x00"
    parsed = wire.parse(data)
    assert parsed.additional == dns.message.from_wire(data).additional


@pytest.mark.parametrize("data", [b"", b"\x00" * 11, b"\x00\x07\x81\x80" + b"\x00\x01" * 4 + b"\xff" * 30])
def test_parse_rejects_garbage(data: bytes) -> None:
    with pytest.raises(Exception) as err:
        wire.parse(data)
    assert isinstance(err.value, dns.exception.DNSException | ValueError)


def test_follow_cnames_through_the_answer_section() -> None:
    question = wire.make_question(NAME, dns.rdatatype.A, 0)
    response = reply_to(question)
    response.answer.append(dns.rrset.from_text("mixed.example.", 300, "IN", "CNAME", "b.example."))
    response.answer.append(dns.rrset.from_text("b.example.", 100, "IN", "CNAME", "c.example."))
    response.answer.append(dns.rrset.from_text("C.EXAMPLE.", 200, "IN", "A", "192.0.2.3"))
    followed = wire.follow_cnames(response, NAME, dns.rdatatype.A)
    assert [c.ttl for c in followed.cnames] == [300, 100]
    assert followed.target == dns.name.from_text("c.example.") and followed.rrset is not None
    partial = wire.follow_cnames(response, NAME, dns.rdatatype.AAAA)
    assert partial.rrset is None and partial.target == dns.name.from_text("c.example.")
    itself = wire.follow_cnames(response, NAME, dns.rdatatype.CNAME)
    assert itself.rrset is not None and not itself.cnames


def _negative_reply(rcode: int, edns: int | None = 0, ext_rcode: int = 0) -> bytes:
    import dns.message
    import dns.rcode
    import dns.rrset

    query = dns.message.make_query("nothing.example.", "TXT", use_edns=edns)
    reply = dns.message.make_response(query)
    reply.set_rcode(rcode | (ext_rcode << 4))
    reply.authority.append(
        dns.rrset.from_text("example.", 300, "IN", "SOA", "ns1.example. host.example. 1 7200 3600 1209600 300")
    )
    return reply.to_wire()


def test_negative_replies_skip_the_authority_section_but_keep_rcode_and_question() -> None:
    import dns.message
    import dns.rcode

    from inboxready.dns import wire

    for rcode in (dns.rcode.NXDOMAIN, dns.rcode.NOERROR, dns.rcode.SERVFAIL):
        for edns in (None, 0):
            data = _negative_reply(rcode, edns)
            fast, full = wire.parse(data), dns.message.from_wire(data)
            assert fast.rcode() == full.rcode() == rcode
            assert fast.question == full.question and fast.id == full.id and fast.flags == full.flags
            assert not fast.authority and full.authority  # the SOA was not parsed


def test_an_extended_rcode_forces_the_full_parse() -> None:
    import dns.rcode

    from inboxready.dns import wire

    data = _negative_reply(0, edns=0, ext_rcode=1)  # BADVERS (16) = extended 1, header 0
    assert wire.parse(data).rcode() == dns.rcode.BADVERS
