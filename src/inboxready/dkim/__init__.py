"""DKIM: key records (RFC 6376 3.6.1, RFC 8463), selectors, key generation, signing and verification.

Public API::

    record = parse_key_record("v=DKIM1; k=rsa; p=MIIB...")      # DkimKeyRecord, never raises
    analysis = await analyze_dkim(resolver, "example.com", ["selector1"])
    pair = generate_key(KeyAlgorithm.RSA_2048); pair.record("example.com", "s1").strings
    signed = sign_message(message, domain="example.com", selector="s1", key=load_signing_key(pem))
    results = await verify_message(signed, resolver)             # list[SignatureResult]
"""

from inboxready.dkim.analyze import DkimAnalysis, analyze_dkim, check_dkim
from inboxready.dkim.keys import (
    DkimKeyError,
    KeyAlgorithm,
    KeyPair,
    PublishedRecord,
    SigningKey,
    generate_key,
    load_signing_key,
    split_txt,
    write_private_key,
)
from inboxready.dkim.record import DkimKeyRecord, KeyType, RecordProblem, parse_key_record
from inboxready.dkim.selectors import (
    COMMON_SELECTORS,
    DISCOVERY_NOTE,
    CommonSelector,
    Discovery,
    SelectorLookup,
    SelectorStatus,
    discover_selectors,
    lookup_selector,
)
from inboxready.dkim.signing import SignatureResult, SigningError, VerifyResult, sign_message, verify_message

__all__ = [
    "COMMON_SELECTORS",
    "DISCOVERY_NOTE",
    "CommonSelector",
    "Discovery",
    "DkimAnalysis",
    "DkimKeyError",
    "DkimKeyRecord",
    "KeyAlgorithm",
    "KeyPair",
    "KeyType",
    "PublishedRecord",
    "RecordProblem",
    "SelectorLookup",
    "SelectorStatus",
    "SignatureResult",
    "SigningError",
    "SigningKey",
    "VerifyResult",
    "analyze_dkim",
    "check_dkim",
    "discover_selectors",
    "generate_key",
    "load_signing_key",
    "lookup_selector",
    "parse_key_record",
    "sign_message",
    "split_txt",
    "verify_message",
    "write_private_key",
]
