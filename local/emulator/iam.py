"""Each function's own permissions, enforced in front of moto (docs/decisions/0002-local-iam.md).

moto forgives IAM: any signed request may do anything. AWS doesn't. This WSGI layer gives each
function of a local stack its own access key and checks every request signed with it against
that function's identity policy, the one the local stack renders from routes.json the way
Terraform does (local/src/iam.rs). A request outside the grants is refused the way the service
refuses it (AccessDenied in the service's own error shape), and S3 answers a GET or HEAD of a
missing object with 403, not 404, unless the identity may `s3:ListBucket` (S3 HeadObject API
reference, "Permissions"). Requests signed with any other key (the test harness, the bootstrap,
moto's own clients) pass unchanged, so one emulator serves many stacks and tests.

The stack registers its identities with `POST /_vn/iam/principals`
`{"principals": {"<access key id>": {"name": "<function>", "policy": {<IAM policy>}}}}`;
`GET /_vn/iam/denials?key=<access key prefix>` lists the refusals (newest last).
`POST /_vn/iam/latency` `{"key": "<access key prefix>", "ms": N}` makes every call signed with
such a key take N ms longer: a slow AWS, for tests of the functions' timeouts.

Actions and resources follow the service authorization reference: a HeadObject is
`s3:GetObject`, an upload part or a multipart complete `s3:PutObject`, a transaction asks for
each item's own action (`dynamodb:PutItem`, ...) on each item's table, a Query of an index is
`dynamodb:Query` on `table/<name>/index/<index>`, a ListObjectVersions `s3:ListBucketVersions` on
the bucket's own ARN (a bucket-level action: routes.json `media_bucket`), a DeleteObject naming a
version `s3:DeleteObjectVersion` on the object, a browser's form POST is `s3:PutObject` by the
key that signed the form's policy, a presigned URL is the action of its signer.
"""

import fnmatch
import io
import json
import re
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

ACCOUNT = "123456789012"

_principals = {}  # access key id -> {"name", "policy"}
_latency = {}  # access key prefix -> seconds every request signed with such a key is held
_denials = []  # {"key", "name", "action", "resource", "at"}
_lock = threading.Lock()

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


def register(body):
    with _lock:
        for key, p in (body.get("principals") or {}).items():
            _principals[key] = {"name": p["name"], "policy": p["policy"]}


def denials(prefix):
    with _lock:
        return [d for d in _denials if d["key"].startswith(prefix)]


# ---- policy evaluation -------------------------------------------------------------------


def _as_list(v):
    return v if isinstance(v, list) else [v]


def _matches(pattern, value, case_insensitive=False):
    if case_insensitive:
        pattern, value = pattern.lower(), value.lower()
    # IAM wildcards: * any run (including '/'), ? one character. fnmatch also knows [..]: escape it.
    pattern = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, pattern)


def allowed(policy, action, resource):
    """Identity-policy evaluation without conditions: an explicit Deny wins, then an Allow,
    else the implicit deny. A statement with a Condition is not applied (our rendered policies
    have none; KMS and logging statements are not rendered locally)."""
    allow = False
    for st in _as_list(policy.get("Statement", [])):
        if st.get("Condition"):
            continue
        if not any(_matches(a, action, True) for a in _as_list(st.get("Action", []))):
            continue
        if not any(_matches(r, resource) for r in _as_list(st.get("Resource", []))):
            continue
        if st.get("Effect") == "Deny":
            return False
        if st.get("Effect") == "Allow":
            allow = True
    return allow


# ---- requests -> (action, resource) -----------------------------------------------------


def _region(environ, scope_region):
    return scope_region or "us-east-1"


def _dynamodb(target, body, region):
    op = target.split(".", 1)[1]
    table_arn = lambda t: f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{t}"  # noqa: E731
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{op}", table_arn(t)) for t in (body.get("RequestItems") or {})]
    if op == "TransactWriteItems":
        names = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
        out = []
        for item in body.get("TransactItems") or []:
            for kind, spec in item.items():
                out.append((f"dynamodb:{names.get(kind, kind)}", table_arn(spec.get("TableName", ""))))
        return out
    if op == "TransactGetItems":
        return [("dynamodb:GetItem", table_arn(i.get("Get", {}).get("TableName", ""))) for i in body.get("TransactItems") or []]
    table = body.get("TableName", "")
    resource = table_arn(table)
    if op in ("Query", "Scan") and body.get("IndexName"):
        resource += f"/index/{body['IndexName']}"
    return [(f"dynamodb:{op}", resource)]


def _sqs(op, params, region):
    url = params.get("QueueUrl") or ""
    name = url.rstrip("/").rsplit("/", 1)[-1] if url else params.get("QueueName", "")
    action = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage", "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}.get(op, op)
    return [(f"sqs:{action}", f"arn:aws:sqs:{region}:{ACCOUNT}:{name}")]


def _secret_arn(secret_id, region):
    if secret_id.startswith("arn:"):
        return secret_id
    try:
        from moto.secretsmanager.models import secretsmanager_backends

        secret = secretsmanager_backends[ACCOUNT][region].secrets.get(secret_id)
        if secret is not None:
            return secret.arn
    except Exception:  # noqa: BLE001 - an unknown secret is the service's own error
        pass
    return f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{secret_id}"


def _s3(method, path, query, headers):
    """(action, resource) pairs of an S3 request (path style: /bucket/key), and whether it reads
    one object (so a missing key is the 403-or-404 question)."""
    parts = path.lstrip("/").split("/", 1)
    bucket = urllib.parse.unquote(parts[0])
    key = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
    q = query
    if not key:
        if method == "GET" and "versions" in q:
            return [("s3:ListBucketVersions", f"arn:aws:s3:::{bucket}")], False
        if method == "GET" and "uploads" in q:
            return [("s3:ListBucketMultipartUploads", f"arn:aws:s3:::{bucket}")], False
        if method in ("GET", "HEAD") and not any(k in q for k in ("location", "policy", "tagging", "lifecycle", "cors", "versioning", "acl")):
            return [("s3:ListBucket", f"arn:aws:s3:::{bucket}")], False
        if method == "POST" and "delete" in q:
            return [], False  # DeleteObjects: checked per key by the caller (not used by our code)
        return [(f"s3:{method.title()}Bucket", f"arn:aws:s3:::{bucket}")], False
    obj = f"arn:aws:s3:::{bucket}/{key}"
    out = []
    reads = False
    if method in ("GET", "HEAD"):
        if "tagging" in q:
            out.append(("s3:GetObjectTagging", obj))
        elif "uploadId" in q:
            out.append(("s3:ListMultipartUploadParts", obj))
        else:
            out.append(("s3:GetObjectVersion" if "versionId" in q else "s3:GetObject", obj))
            reads = True
    elif method == "PUT":
        out.append(("s3:PutObjectTagging" if "tagging" in q else "s3:PutObject", obj))
        if "tagging" not in q and headers.get("x-amz-tagging"):
            out.append(("s3:PutObjectTagging", obj))
        source = headers.get("x-amz-copy-source")
        if source:
            src = urllib.parse.unquote(source.split("?", 1)[0]).lstrip("/")
            out.append(("s3:GetObject", f"arn:aws:s3:::{src}"))
    elif method == "POST":
        out.append(("s3:PutObject", obj))  # CreateMultipartUpload, CompleteMultipartUpload
    elif method == "DELETE":
        if "uploadId" in q:
            out.append(("s3:AbortMultipartUpload", obj))
        else:
            out.append(("s3:DeleteObjectVersion" if "versionId" in q else "s3:DeleteObject", obj))
    return out, reads


# ---- the WSGI layer ----------------------------------------------------------------------


def _needs_body(environ):
    """Only the JSON and query protocols and the browser's form carry what is checked in the
    body; an object's bytes are never read here."""
    ctype = environ.get("CONTENT_TYPE", "")
    return bool(environ.get("HTTP_X_AMZ_TARGET")) or ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded"))


def _read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        body = environ["wsgi.input"].read(length)
    elif environ.get("wsgi.input_terminated"):
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _form_fields(environ, body):
    """The text fields of a multipart form (the browser's S3 POST), without the file."""
    ctype = environ.get("CONTENT_TYPE", "")
    m = re.search(r"boundary=\"?([^\";]+)\"?", ctype)
    if not ctype.startswith("multipart/form-data") or not m:
        return {}
    fields = {}
    for part in body.split(b"--" + m.group(1).encode()):
        head, _, value = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if not name or b"filename=" in head:
            continue
        fields[name.group(1).decode().lower()] = value.rstrip(b"\r\n").decode("utf-8", "replace")
    return fields


def _identity(environ, query, form):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = _CREDENTIAL.search(auth)
    if m:
        return m.group(1), m.group(2), m.group(3)
    cred = (query.get("X-Amz-Credential") or [form.get("x-amz-credential", "")])[0]
    bits = cred.split("/")
    if len(bits) >= 4:
        return bits[0], bits[2], bits[3]
    return None, None, None


def _requested(environ, service, region, body, query, form):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "s3" or form:
        if method == "POST" and form.get("key") is not None:
            bucket = path.lstrip("/").split("/", 1)[0]
            return [("s3:PutObject", f"arn:aws:s3:::{bucket}/{form['key']}")], False
        headers = {"x-amz-copy-source": environ.get("HTTP_X_AMZ_COPY_SOURCE"), "x-amz-tagging": environ.get("HTTP_X_AMZ_TAGGING")}
        return _s3(method, path, query, headers)
    if target.startswith("DynamoDB_"):
        return _dynamodb(target, json.loads(body or b"{}"), region), False
    if target.startswith("AmazonSQS."):
        return _sqs(target.split(".", 1)[1], json.loads(body or b"{}"), region), False
    if service == "sqs":
        params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        return _sqs(params.get("Action", ""), params, region), False
    if target.startswith("secretsmanager."):
        b = json.loads(body or b"{}")
        return [(f"secretsmanager:{target.split('.', 1)[1]}", _secret_arn(b.get("SecretId", ""), region))], False
    if target.startswith("AWSCognitoIdentityProviderService."):
        b = json.loads(body or b"{}")
        pool = b.get("UserPoolId", "*")
        return [(f"cognito-idp:{target.split('.', 1)[1]}", f"arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/{pool}")], False
    return [(f"{service}:Unknown", "*")], False


def _deny_response(service, environ, who, action, resource, start_response):
    message = (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{who}-role/{who} is not authorized to perform: "
        f"{action} on resource: {resource} because no identity-based policy allows the {action} action"
    )
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{escape(message)}</Message><RequestId>local</RequestId><HostId>local</HostId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml")]
        status = "403 Forbidden"
    else:
        kind = "AccessDenied" if service == "sqs" else "AccessDeniedException"
        body = json.dumps({"__type": f"com.amazon.coral.service#{kind}", "message": message, "Message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", kind)]
        if service == "sqs":
            headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
        status = "403 Forbidden" if service == "sqs" else "400 Bad Request"
    if environ["REQUEST_METHOD"] == "HEAD":
        body = b""
    start_response(status, headers + [("Content-Length", str(len(body)))])
    return [body]


def middleware(app):
    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_vn/iam/"):
            return _admin(environ, start_response)
        if not _principals:
            return app(environ, start_response)
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        body = _read_body(environ) if _needs_body(environ) else b""
        form = _form_fields(environ, body) if environ["REQUEST_METHOD"] == "POST" else {}
        key, region, service = _identity(environ, query, form)
        principal = _principals.get(key) if key else None
        if principal is None:
            return app(environ, start_response)
        with _lock:
            delay = max((v for p, v in _latency.items() if key.startswith(p)), default=0)
        if delay:
            time.sleep(delay)
        region = _region(environ, region)
        wanted, reads_object = _requested(environ, service, region, body, query, form)
        for action, resource in wanted:
            if not allowed(principal["policy"], action, resource):
                with _lock:
                    _denials.append({"key": key, "name": principal["name"], "action": action, "resource": resource, "at": time.time()})
                print(f"[iam] denied {principal['name']}: {action} on {resource}", flush=True)
                return _deny_response(service or "s3", environ, principal["name"], action, resource, start_response)
        if not reads_object:
            return app(environ, start_response)
        bucket = path.lstrip("/").split("/", 1)[0]
        may_list = allowed(principal["policy"], "s3:ListBucket", f"arn:aws:s3:::{urllib.parse.unquote(bucket)}")
        if may_list:
            return app(environ, start_response)
        return _missing_is_forbidden(app, environ, start_response)

    return wrapped


def _missing_is_forbidden(app, environ, start_response):
    """A GET/HEAD of an object: S3 answers a missing key with 403 AccessDenied when the caller
    may not list the bucket, so that a key's existence does not leak."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None

    chunks = list(app(environ, capture))
    if captured.get("status", "").startswith("404"):
        body = b"" if environ["REQUEST_METHOD"] == "HEAD" else (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
            b"<RequestId>local</RequestId><HostId>local</HostId></Error>"
        )
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]
    start_response(captured["status"], captured["headers"])
    return chunks


def _admin(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "")
    if method == "POST" and path == "/_vn/iam/principals":
        register(json.loads(_read_body(environ) or b"{}"))
        out = {"ok": True}
    elif method == "POST" and path == "/_vn/iam/latency":
        b = json.loads(_read_body(environ) or b"{}")
        with _lock:
            _latency[b["key"]] = max(0, int(b.get("ms", 0))) / 1000.0
        out = {"ok": True}
    elif method == "GET" and path == "/_vn/iam/denials":
        prefix = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("key", [""])[0]
        out = {"denials": denials(prefix)}
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error":"unknown"}']
    body = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
