"""What comes out of the sandbox is decoded as data only: JSON and pickle-free .npy."""

from __future__ import annotations

import base64
import io
import json
import pickle

import numpy as np
import pytest

from grader.probes.kernel import decode, encode
from grader.probes.wire import decode_answers


def record(value, **kw):
    return json.dumps({"token": "t", "key": "k", "case": 0, "status": "ok",
                       "value": encode(value), **kw})


def answers(*payloads, n=1, max_bytes=10**6):
    return decode_answers(list(payloads), token="t", key="k", n_cases=n, max_bytes=max_bytes)


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, [2, 3]], {"a": 1},
    {(4, 2): 0.5, (6, 4): 0.75},
])
def test_plain_values_round_trip(value):
    assert answers(record(value))[0].value == value


def test_arrays_round_trip_with_shape_and_dtype():
    arr = np.arange(12, dtype=np.int16).reshape(3, 4)
    got = answers(record(arr))[0].value
    assert got.dtype == np.int16 and np.array_equal(got, arr)


def test_int_subclass_is_sent_as_its_integer_value():
    class Liar(int):
        def __eq__(self, other):
            return True

    wire = encode(Liar(3))
    assert type(wire) is int and wire == 3


def test_objects_and_object_arrays_cannot_be_sent():
    with pytest.raises(TypeError, match="cannot be checked"):
        encode(object())
    with pytest.raises(TypeError, match="array of Python objects"):
        encode(np.array([object()]))


def test_a_pickle_disguised_as_npy_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    payload = json.dumps({"token": "t", "key": "k", "case": 0, "status": "ok",
                          "value": {"$npy": base64.b64encode(buffer.getvalue()).decode()}})
    answer = answers(payload)[0]
    assert answer.status == "invalid" and answer.value is None
    raw_pickle = {"$npy": base64.b64encode(pickle.dumps([1, 2])).decode()}
    assert answers(json.dumps({"token": "t", "key": "k", "case": 0, "status": "ok",
                               "value": raw_pickle}))[0].status == "invalid"


def test_wrong_token_key_or_case_is_ignored_and_the_first_record_wins():
    good = record(1)
    forged = json.dumps({"token": "x", "key": "k", "case": 0, "status": "ok", "value": 99})
    out_of_range = json.dumps({"token": "t", "key": "k", "case": 5, "status": "ok", "value": 9})
    later = record(2)
    got = answers(forged, out_of_range, good, later, n=2)
    assert got[0].value == 1
    assert got[1].status == "absent"


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", "{}", '{"token": "t"}',
                                     "[" * 100000, json.dumps({"token": "t", "key": "k",
                                                               "case": 0, "status": "bogus"})])
def test_garbage_is_never_a_pass(payload):
    assert not answers(payload)[0].ok


def test_oversized_payloads_are_dropped():
    assert answers(record("x" * 1000), max_bytes=100)[0].status == "absent"


def test_decode_of_nested_dict_keys():
    assert decode({"$dict": [[[1, 2], "a"]]}) == {(1, 2): "a"}
