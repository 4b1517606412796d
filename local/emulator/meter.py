"""What the functions' AWS calls would be billed, counted in front of moto (docs/benchmarks.md,
"What AWS costs per job").

Every request signed with a function's access key (`VN.<prefix>.<function>`, iam.py) is counted
per identity, service and action: the requests, and what each service bills on besides them.

- DynamoDB (on-demand): read request units in halves (an eventually consistent read of up to
  4 KB is one half, a strongly consistent one two, a transactional one four) and write request
  units (per 1 KB written, two in a transaction), counted as AWS bills them:
  - an item's size is the sum of its attribute names and values (S: UTF-8 bytes, N: one byte
    per two significant digits plus one, B: its bytes, BOOL/NULL: 1, L/M: 3 plus one per element
    plus the elements (and a map's names), sets: their elements), from the wire JSON or moto's
    stored item;
  - GetItem and each BatchGetItem/TransactGetItems item: its size rounded up to 4 KB, at least
    one unit (a missing item too);
  - Query/Scan: the total size of the items returned, rounded up to 4 KB once, at least one
    unit; when a filter dropped items (ScannedCount > Count) the total is scaled by
    ScannedCount/Count (the dropped items are assumed of average size);
  - PutItem/UpdateItem/DeleteItem and each item of BatchWriteItem/TransactWriteItems: the larger
    of the item before and after the write (read from moto's table around the request), rounded
    up to 1 KB, at least one unit; a failed condition bills the item as it is;
    a ConditionCheck in a transaction bills as a transactional write of the item;
  - each global secondary index the write touches: one write of the item's projection (its
    size rounded up to 1 KB), two when the item moves between index keys, none when nothing
    projected changed; at the standard rate, also inside a transaction.
- SQS: requests in 64 KB chunks of the larger of request and answer; a ReceiveMessage that
  returned nothing is counted apart (`ReceiveMessage (empty)`): that is the poller's idle
  traffic, not any job's.
- S3: requests by name (PutObject, UploadPart, GetObject, the browser's form POST as PostObject,
  ...), bytes in (the request's decoded content length) and bytes out (the answer's
  Content-Length of a GET).
- Anything else (Secrets Manager): requests.

`GET /_vn/meter?key=<access key prefix>` lists the counters of those identities;
`POST /_vn/meter/reset` `{"key": "<access key prefix>"}` sets them back to zero.
Only one request at a time is assumed for the before/after images of a write (the bench drives
one job at a time); concurrent writes to one item could be billed on each other's images.
"""

import base64
import json
import threading
import urllib.parse

import iam

_lock = threading.Lock()
_counters = {}  # (key, name, service, action) -> {"requests", "bytes_in", ...}
_FIELDS = ("requests", "bytes_in", "bytes_out", "rru_halves", "wru", "index_wru", "sqs_chunks")


def record(key, name, service, action, **counts):
    with _lock:
        c = _counters.setdefault((key, name, service, action), dict.fromkeys(_FIELDS, 0))
        c["requests"] += counts.pop("requests", 1)
        for k, v in counts.items():
            c[k] += int(v)


def snapshot(prefix):
    with _lock:
        return [
            {"key": k, "name": n, "service": s, "action": a, **c}
            for (k, n, s, a), c in sorted(_counters.items())
            if k.startswith(prefix)
        ]


def reset(prefix):
    with _lock:
        for k in [k for k in _counters if k[0].startswith(prefix)]:
            del _counters[k]


# ---- DynamoDB sizes and units -----------------------------------------------------------


def _ceil_div(a, b):
    return -(-a // b)


def value_size(v):
    """Size of one attribute value in DynamoDB JSON ({"S": ...}), as DynamoDB counts it."""
    (kind, x), = v.items()
    if kind == "S":
        return len(x.encode("utf-8"))
    if kind == "N":
        digits = x.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
        return _ceil_div(max(len(digits), 1), 2) + 1
    if kind == "B":
        return len(_raw_bytes(x))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in x)
    if kind == "M":
        return 3 + sum(1 + len(n.encode("utf-8")) + value_size(e) for n, e in x.items())
    if kind == "SS":
        return sum(len(e.encode("utf-8")) for e in x)
    if kind == "NS":
        return sum(value_size({"N": e}) for e in x)
    if kind == "BS":
        return sum(len(_raw_bytes(e)) for e in x)
    return 0


def _raw_bytes(x):
    """A binary value's bytes (the wire carries them in base64)."""
    if isinstance(x, bytes):
        return x
    try:
        return base64.b64decode(x)
    except ValueError:
        return x.encode()


def item_size(item):
    return sum(len(n.encode("utf-8")) + value_size(v) for n, v in (item or {}).items()) if item else 0


def read_halves(size, consistent, transactional=False):
    per = 4 if transactional else (2 if consistent else 1)
    return per * max(1, _ceil_div(size, 4096))


def write_units(before, after, transactional=False):
    units = max(1, _ceil_div(max(item_size(before), item_size(after)), 1024))
    return 2 * units if transactional else units


def _moto_table(region, name):
    try:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[iam.ACCOUNT][region].tables.get(name)
    except Exception:  # noqa: BLE001 - no such table: the service answers that itself
        return None


def _stored(table, key):
    """The item at `key` (DynamoDB JSON) in moto's table, or None."""
    if table is None:
        return None
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        hk = DynamoType(key[table.hash_key_attr])
        rk = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(hk, rk)
    except Exception:  # noqa: BLE001 - a malformed key: the service refuses the request
        return None
    return json.loads(json.dumps(item.to_json()["Attributes"], default=_plain)) if item else None


def _plain(o):
    """moto's DynamoType inside an item's JSON, as wire JSON."""
    return o.to_json() if hasattr(o, "to_json") else str(o)


def _key_of(table, item):
    if table is None:
        return {}
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {n: item[n] for n in names if n in item}


def _projection(index, table, item):
    if item is None:
        return None
    keys = set(index.schema_key_attrs) | set(_key_of(table, item))
    p = (index.projection or {}).get("ProjectionType", "ALL")
    if p == "ALL":
        return item
    if p == "INCLUDE":
        keys |= set((index.projection or {}).get("NonKeyAttributes", []))
    return {k: v for k, v in item.items() if k in keys}


def index_units(table, before, after):
    """Write units of the global secondary indexes a write touches."""
    units = 0
    for index in getattr(table, "global_indexes", None) or []:
        keys = index.schema_key_attrs
        was = before is not None and all(k in before for k in keys)
        now = after is not None and all(k in after for k in keys)
        old = _projection(index, table, before) if was else None
        new = _projection(index, table, after) if now else None
        if not (was or now) or old == new:
            continue
        if was and now and any(before[k] != after[k] for k in keys):
            images = [old, new]  # moved: a delete under the old key, a put under the new one
        else:
            images = [new if now else old]
        units += sum(max(1, _ceil_div(item_size(i), 1024)) for i in images)
    return units


class _Writes:
    """The items a write request touches: their tables and keys, before and after."""

    def __init__(self, region):
        self.region, self.items = region, []

    def add(self, table_name, key_or_item, is_item, transactional):
        table = _moto_table(self.region, table_name)
        key = _key_of(table, key_or_item) if is_item else key_or_item
        self.items.append((table, key, _stored(table, key), transactional))

    def units(self):
        wru = idx = 0
        for table, key, before, transactional in self.items:
            after = _stored(table, key)
            wru += write_units(before, after, transactional)
            idx += index_units(table, before, after)
        return wru, idx


def _dynamodb(app, environ, start_response, who, op, body, region):
    req = json.loads(body or b"{}")
    writes = _Writes(region)
    if op in ("PutItem",):
        writes.add(req.get("TableName"), req.get("Item") or {}, True, False)
    elif op in ("UpdateItem", "DeleteItem"):
        writes.add(req.get("TableName"), req.get("Key") or {}, False, False)
    elif op == "BatchWriteItem":
        for t, reqs in (req.get("RequestItems") or {}).items():
            for r in reqs:
                if "PutRequest" in r:
                    writes.add(t, r["PutRequest"].get("Item") or {}, True, False)
                elif "DeleteRequest" in r:
                    writes.add(t, r["DeleteRequest"].get("Key") or {}, False, False)
    elif op == "TransactWriteItems":
        for entry in req.get("TransactItems") or []:
            for kind, spec in entry.items():
                is_item = kind == "Put"
                writes.add(spec.get("TableName"), (spec.get("Item") if is_item else spec.get("Key")) or {}, is_item, True)
    out, answer = _call(app, environ, start_response)
    try:
        resp = json.loads(answer or b"{}")
    except ValueError:
        resp = {}
    halves = 0
    if op == "GetItem":
        halves = read_halves(item_size(resp.get("Item")), bool(req.get("ConsistentRead")))
    elif op == "BatchGetItem":
        for t, spec in (req.get("RequestItems") or {}).items():
            got = (resp.get("Responses") or {}).get(t) or []
            consistent = bool(spec.get("ConsistentRead"))
            halves += sum(read_halves(item_size(i), consistent) for i in got)
            halves += read_halves(0, consistent) * max(0, len(spec.get("Keys") or []) - len(got))
    elif op == "TransactGetItems":
        halves = sum(read_halves(item_size(r.get("Item")), True, True) for r in resp.get("Responses") or [])
    elif op in ("Query", "Scan"):
        total = sum(item_size(i) for i in resp.get("Items") or [])
        count, scanned = resp.get("Count", 0), resp.get("ScannedCount", 0)
        if count and scanned > count:
            total = _ceil_div(total * scanned, count)
        halves = read_halves(total, bool(req.get("ConsistentRead")))
    wru, idx = writes.units() if writes.items else (0, 0)
    record(*who, "dynamodb", op, rru_halves=halves, wru=wru, index_wru=idx)
    return out


def _call(app, environ, start_response):
    """Runs the request; its answer's chunks (passed on) and body."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"] = status
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    chunks = list(app(environ, capture))
    return chunks, b"".join(c for c in chunks if isinstance(c, bytes))


# ---- SQS and S3 -------------------------------------------------------------------------


def _sqs(app, environ, start_response, who, op, body):
    out, answer = _call(app, environ, start_response)
    if op == "ReceiveMessage":
        try:
            got = json.loads(answer or b"{}").get("Messages") if environ.get("HTTP_X_AMZ_TARGET") else (b"<Message>" in answer)
        except ValueError:
            got = None
        if not got:
            op = "ReceiveMessage (empty)"
    record(*who, "sqs", op, sqs_chunks=max(1, _ceil_div(max(len(body), len(answer)), 65536)))
    return out


def _s3_action(method, key, query, environ, form):
    if form:
        return "PostObject"
    if not key:
        return "ListObjects" if method in ("GET", "HEAD") else f"{method.title()}Bucket"
    if method == "PUT":
        if "tagging" in query:
            return "PutObjectTagging"
        if "partNumber" in query:
            return "UploadPart"
        return "CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "PutObject"
    if method == "POST":
        return "CompleteMultipartUpload" if "uploadId" in query else "CreateMultipartUpload"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    if "tagging" in query:
        return "GetObjectTagging"
    return "HeadObject" if method == "HEAD" else "GetObject"


def _s3(app, environ, start_response, who, query, form):
    method = environ["REQUEST_METHOD"]
    parts = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)
    action = _s3_action(method, parts[1] if len(parts) > 1 else "", query, environ, form)
    size_in = 0
    if method in ("PUT", "POST"):
        size_in = int(environ.get("HTTP_X_AMZ_DECODED_CONTENT_LENGTH") or environ.get("CONTENT_LENGTH") or 0)

    def capture(status, headers, exc_info=None):
        size_out = 0
        if method == "GET":
            size_out = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
        record(*who, "s3", action, bytes_in=size_in, bytes_out=size_out)
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return app(environ, capture)


# ---- the WSGI layer ----------------------------------------------------------------------


def middleware(app):
    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_vn/meter"):
            return _admin(environ, start_response)
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        body = iam._read_body(environ) if iam._needs_body(environ) else b""
        form = iam._form_fields(environ, body) if environ["REQUEST_METHOD"] == "POST" else {}
        key, region, service = iam._identity(environ, query, form)
        principal = iam._principals.get(key) if key else None
        if principal is None:
            return app(environ, start_response)
        who = (key, principal["name"])
        region = region or "us-east-1"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            return _dynamodb(app, environ, start_response, who, target.split(".", 1)[1], body, region)
        if target.startswith("AmazonSQS."):
            return _sqs(app, environ, start_response, who, target.split(".", 1)[1], body)
        if service == "sqs":
            params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            return _sqs(app, environ, start_response, who, params.get("Action", [""])[0], body)
        if service == "s3" or form:
            return _s3(app, environ, start_response, who, query, form)
        record(*who, service or "unknown", target.split(".", 1)[-1] or environ["REQUEST_METHOD"])
        return app(environ, start_response)

    return wrapped


def _admin(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "")
    if method == "GET" and path == "/_vn/meter":
        prefix = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("key", [""])[0]
        out = {"calls": snapshot(prefix)}
    elif method == "POST" and path == "/_vn/meter/reset":
        reset(json.loads(iam._read_body(environ) or b"{}").get("key", ""))
        out = {"ok": True}
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error":"unknown"}']
    data = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
