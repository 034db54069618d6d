"""Code that runs INSIDE the student's kernel, sent as the source of the first probe cell.

It must stand alone (standard library, numpy imported lazily). The host imports `encode` and
`decode` from this module too, for the hidden arguments it ships in: one format both ways.

Nothing here is trusted on the way out: the student's code runs in the same process and may
have patched anything. The host treats every answer as untrusted data; a missing or malformed
answer is a failed case, never a pass.

Wire format (JSON): plain JSON values stand for themselves; {"$npy": base64} is a `.npy` file
(loaded with allow_pickle=False); {"$dict": [[key, value], ...]} is a dict with non-string keys.
"""

import base64
import io
import json
import signal
import sys

MIME = "application/vnd.grader.probe+json"


class ProbeTimeout(BaseException):
    """BaseException, so a student's `except Exception:` cannot swallow it."""


def encode(value, depth=0):
    if depth > 32:
        raise ValueError("nested more than 32 levels deep")
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        return int.__index__(value)  # the int itself, whatever a subclass says
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        return [encode(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if all(type(key) is str for key in value):
            return {key: encode(item, depth + 1) for key, item in value.items()}
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if np is not None and isinstance(value, np.generic):
        return encode(value.item(), depth + 1)
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError("an array of Python objects cannot be checked; use numbers")
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(value), allow_pickle=False)
        return {"$npy": base64.b64encode(buffer.getvalue()).decode("ascii")}
    raise TypeError(f"a value of type {type_name(value)} cannot be checked")


def decode(wire):
    if isinstance(wire, list):
        return [decode(item) for item in wire]
    if isinstance(wire, dict):
        if set(wire) == {"$npy"}:
            import numpy as np

            return np.load(io.BytesIO(base64.b64decode(wire["$npy"], validate=True)),
                           allow_pickle=False)
        if set(wire) == {"$dict"}:
            return {_hashable(decode(k)): decode(v) for k, v in wire["$dict"]}
        return {key: decode(item) for key, item in wire.items()}
    return wire


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def type_name(value):
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    if module in ("builtins", "__main__"):
        return kind.__qualname__
    return f"{module}.{kind.__qualname__}"


def _emit(record, max_bytes):
    text = json.dumps(record)
    if len(text) > max_bytes:
        record = {k: record[k] for k in ("token", "key", "case")}
        record.update(status="too_large", size=len(text))
        text = json.dumps(record)
    from IPython.display import publish_display_data

    publish_display_data({MIME: text})


def _on_alarm(signum, frame):
    raise ProbeTimeout()


def _timed(timeout_s, fn, *args, **kwargs):
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _answer(namespace, name, call, timeout_s):
    """Run `call(target)` on the student's `name` with a time limit; describe what came back."""
    if name not in namespace:
        return {"status": "missing"}
    target = namespace[name]
    try:
        value = _timed(timeout_s, call, target)
        return {"status": "ok", "type": type_name(value), "value": _timed(timeout_s, encode, value)}
    except ProbeTimeout:
        return {"status": "timeout", "seconds": timeout_s}
    except TypeError as exc:
        if "cannot be checked" in str(exc):
            return {"status": "unsupported", "message": str(exc)[:300]}
        return {"status": "error", "error": "TypeError", "message": str(exc)[:300]}
    except BaseException as exc:  # noqa: B036 - a student's exception of any kind is an answer
        return {"status": "error", "error": type(exc).__name__, "message": str(exc)[:300]}


def _load_harness(spec):
    """A harness module of the grader's (source, function name), loaded apart from the notebook."""
    source, attr = spec
    module = type(sys)("__grader_harness__")
    exec(compile(source, "<grader harness>", "exec"), module.__dict__)  # noqa: S102
    return getattr(module, attr)


def probe_calls(namespace, token, key, name, cases_json, timeout_s, max_bytes, harness=None):
    """Call `name(*args, **kwargs)` for every case; emit one record per case.

    With a harness, the call is `harness(name, *args, **kwargs)`: the grader's own code builds
    stand-ins around the student's function and returns what it observed.
    """
    timeouts = 0
    wrap = _load_harness(harness) if harness is not None else None
    for index, case in enumerate(json.loads(cases_json)):
        if timeouts >= 2:  # a function that hangs would otherwise cost every case its limit
            _emit({"token": token, "key": key, "case": index, "status": "timeout",
                   "seconds": 0, "skipped": True}, max_bytes)
            continue

        def call(target, case=case):
            if not callable(target):
                raise TypeError(f"{name} is a {type_name(target)}, not a function")
            if wrap is not None:
                return wrap(target, *decode(case["args"]), **decode(case["kwargs"]))
            return target(*decode(case["args"]), **decode(case["kwargs"]))

        record = _answer(namespace, name, call, timeout_s)
        timeouts += record["status"] == "timeout"
        record.update(token=token, key=key, case=index)
        _emit(record, max_bytes)


def probe_value(namespace, token, key, name, timeout_s, max_bytes):
    record = _answer(namespace, name, lambda target: target, timeout_s)
    record.update(token=token, key=key, case=0)
    _emit(record, max_bytes)


def probe_scaling(namespace, token, key, name, spec_json, timeout_s, max_bytes):
    """Draw the large inputs here (they are too big to ship), call, return selected rows."""
    spec = json.loads(spec_json)

    def call(target):
        import numpy as np

        rng = np.random.default_rng(spec["seed"])
        arrays = [rng.uniform(spec["low"], spec["high"], size=tuple(shape))
                  for shape in spec["shapes"]]
        out = np.asarray(target(*arrays))
        return {"shape": list(out.shape),
                "rows": out[spec["rows"]] if out.ndim >= 1 and out.shape[0] > max(spec["rows"])
                else None}

    record = _answer(namespace, name, call, timeout_s)
    record.update(token=token, key=key, case=0)
    _emit(record, max_bytes)
