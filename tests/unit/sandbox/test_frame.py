"""The framed result record: only the nonce holder can produce one the host accepts."""

from __future__ import annotations

from sandbox.harness.frame import encode_record, find_record

NONCE = "0123456789abcdef0123456789abcdef"


def test_round_trip_through_noisy_output():
    record = encode_record(NONCE, {"tests": [1, 2]})
    data = b"candidate output without newline" + record + b"trailing noise\n"
    payload, forged, span = find_record(data, NONCE)
    assert payload == {"tests": [1, 2]}
    assert forged == 0
    assert data[: span[0]] + data[span[1] :] == b"candidate output without newlinetrailing noise\n"


def test_records_with_another_nonce_are_ignored_and_counted():
    forged_record = encode_record("f" * 32, {"tests": ["all passed"]})
    payload, forged, _ = find_record(forged_record + encode_record(NONCE, {"ok": 1}), NONCE)
    assert payload == {"ok": 1}
    assert forged == 1


def test_no_genuine_record_means_no_payload():
    payload, forged, span = find_record(encode_record("e" * 32, {"x": 1}), NONCE)
    assert (payload, forged, span) == (None, 1, None)


def test_truncated_or_tampered_records_are_rejected():
    record = encode_record(NONCE, {"x": 1})
    assert find_record(record[:-5], NONCE)[0] is None
    assert find_record(record.replace(b'"x":1', b'"x":2'), NONCE)[0] == {"x": 2}  # same length
    assert find_record(record.replace(b'"x":1', b'"x":10'), NONCE)[0] is None  # length mismatch


def test_bare_markers_count_as_forgeries():
    payload, forged, _ = find_record(b"@@ASSESSOR-RESULT@@ not-a-nonce\n{}", NONCE)
    assert payload is None and forged == 1


def test_a_second_genuine_looking_record_is_a_forgery():
    data = encode_record(NONCE, {"first": 1}) + encode_record(NONCE, {"second": 1})
    payload, forged, _ = find_record(data, NONCE)
    assert payload == {"first": 1} and forged == 1
