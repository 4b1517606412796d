"""The events the bench invokes each function with: a representative request per function."""
import json
import random
import time
import uuid

from bench_common import ROOT, USER, fake_ulid


def http_event(method, path, query="", body=None, auth=True, headers=None, path_params=None):
    hs = {"host": "bench.local", "user-agent": "bench", "content-type": "application/json"}
    hs.update(headers or {})
    route = {"/api/jobs/": "/api/jobs/{id}", "/api/assets/": "/api/assets/{id}"}
    route_path = next((v for k, v in route.items() if path.startswith(k)), path)
    ctx = {
        "accountId": "000000000000",
        "apiId": "bench",
        "domainName": "bench.local",
        "domainPrefix": "bench",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
        "requestId": str(uuid.uuid4()),
        "routeKey": f"{method} {route_path}",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "timeEpoch": int(time.time() * 1000),
    }
    if auth:
        # `iat` as API Gateway passes it (a string): the account gate reads it.
        claims = {"sub": USER, "cognito:username": "bench", "iat": str(int(time.time()))}
        ctx["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    qs = dict(p.split("=", 1) for p in query.split("&") if "=" in p) or None
    return {
        "version": "2.0",
        "routeKey": f"{method} {route_path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": hs,
        "queryStringParameters": qs,
        "pathParameters": path_params,
        "requestContext": ctx,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def is_scheduled(fn):
    """A function EventBridge Scheduler starts (routes.json `"trigger": "schedule"`: the
    reconciler, the provider audit): it gets a scheduled event."""
    functions = json.loads((ROOT / "routes.json").read_text())["functions"]
    return functions.get(fn, {}).get("trigger") == "schedule"


def route_event(fn):
    """Any other HTTP function: its first route in routes.json, a fresh id for `{id}`, an empty
    JSON body for a write (most answer 400 or 404: the request reaches the handler)."""
    routes = json.loads((ROOT / "routes.json").read_text())["routes"]
    r = next((r for r in routes if r["function"] == fn), None)
    if r is None:
        raise ValueError(f"{fn}: no route in routes.json and no event in bench/lib/bench_events.py")
    aid = fake_ulid()
    path = r["path"].replace("{id}", aid)
    body = {} if r["method"] in ("POST", "PUT", "PATCH") else None
    ev = http_event(r["method"], path, body=body, auth=r["auth"], path_params={"id": aid} if "{id}" in r["path"] else None)
    ev["routeKey"] = ev["requestContext"]["routeKey"] = f"{r['method']} {r['path']}"
    return ev


def worker_event(job_id):
    """The SQS batch of one generation message for `job_id`, as the worker receives it."""
    body = json.dumps({"user_id": USER, "job_id": job_id})
    return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench-generation", "awsRegion": "us-east-1"}]}


class Events:
    """A representative request per function; images-generate's job ids feed jobs-get."""

    def __init__(self):
        self.job_ids = []

    def make(self, fn):
        if fn in ("hello", "health"):
            return http_event("GET", "/api/health", auth=False)
        if fn == "models-list":
            return http_event("GET", "/api/models")
        if fn == "me-get":
            return http_event("GET", "/api/me")
        if fn == "images-generate":
            return http_event("POST", "/api/images/generate", body={"model": "imagen-4-fast", "prompt": "a lighthouse at dawn, bench"}, headers={"idempotency-key": str(uuid.uuid4())})
        if fn == "jobs-list":
            return http_event("GET", "/api/jobs", query="limit=20")
        if fn == "jobs-get":
            jid = random.choice(self.job_ids) if self.job_ids else fake_ulid()
            return http_event("GET", f"/api/jobs/{jid}", path_params={"id": jid})
        if fn == "assets-get":
            aid = fake_ulid()
            return http_event("GET", f"/api/assets/{aid}", path_params={"id": aid})
        if fn == "webhook-replicate":
            return http_event("POST", "/webhooks/replicate", auth=False, body={"id": "p1", "status": "succeeded"}, headers={"webhook-id": "msg_" + uuid.uuid4().hex, "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"})
        if fn == "account-sign-out":
            # A user of its own each time: the mark it writes would refuse the bench user's
            # next requests (401 token_revoked) and time the refusal instead of the function.
            ev = http_event("POST", "/api/account/sign-out-everywhere", body={})
            ev["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = str(uuid.uuid4())
            return ev
        if fn == "worker":
            return worker_event(fake_ulid())
        if is_scheduled(fn):
            return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events", "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": "us-east-1", "resources": [], "detail": {}}
        return route_event(fn)

    def observe(self, fn, body):
        if fn != "images-generate":
            return
        try:
            outer = json.loads(body)
            job = json.loads(outer.get("body") or "{}").get("job", {})
            jid = job.get("id") or job.get("job_id")
            if jid:
                self.job_ids.append(jid)
        except (ValueError, AttributeError):
            pass
