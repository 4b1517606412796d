#!/usr/bin/env python3
"""Runs Lambda function binaries against a local Lambda Runtime API and measures them.

Used by scripts/bench.sh (run it with the repo's .venv python, which has boto3 from moto).
Everything listens on and talks to 127.0.0.1 only.

* init: time from spawn to the binary's first `GET /2018-06-01/runtime/invocation/next`,
  repeated, interleaved across binaries; production-like environment (no AWS_ENDPOINT_URL,
  static env credentials), plus a "canary" variant where every endpoint (AWS, Replicate)
  points at a local listener that counts connections: init must make none.
* warm: one process per binary, AWS calls to moto; per-invocation latency measured at the
  Runtime API (event written to the socket -> response read), and peak RSS (VmHWM).
* moto: the emulator's own round-trip for a DynamoDB Query over keep-alive HTTP.

Every function's environment is built from infra/environment.json, the one list of its names
that Terraform and the local stack read too: the bench gives a value to each name whose set_by
has "bench" and refuses to start (naming it) when one has none, or when it would set a name the
list lacks.

--smoke runs one cold request per binary on whatever build it is given (scripts/test.sh: a
debug build), and fails unless every one started and answered without an error: it proves the
harness runs, it times nothing.

Writes a JSON file with every sample and prints/writes a Markdown summary.
"""
import argparse
import asyncio
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = "/2018-06-01/runtime"
USER = "bench-user-0001"
ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WEBHOOK_SECRET = "whsec_YmVuY2gtb25seS13ZWJob29rLXNlY3JldC1ub3QtcmVhbA=="


def now_ns():
    return time.perf_counter_ns()


def pct(xs, p):
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fake_ulid():
    return "01" + "".join(random.choice(ULID_ALPHABET) for _ in range(24))


# --------------------------------------------------------------------------- Runtime API


class RuntimeApi:
    """The subset of the Lambda Runtime API a function uses: next, response, error, init/error."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.first_next_ns = None
        self.first_next_cpu = None
        self.cpu = lambda: None  # set by the cold phase: the process's CPU time so far, ns
        self.first_next = asyncio.Event()
        self.init_error = None
        self.inflight = {}  # request id -> (future, sent_ns)
        # A new queue per process: a killed process's pending /next stays parked on the old one.
        self.queue = asyncio.Queue()

    async def handle(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                t = now_ns()
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, v = h.decode("latin-1").split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                body = b""
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    while True:
                        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            await reader.readline()
                            break
                        body += await reader.readexactly(size)
                        await reader.readline()
                elif int(headers.get("content-length", "0") or 0):
                    body = await reader.readexactly(int(headers["content-length"]))
                await self.route(method, path, body, t, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def reply(self, writer, status, body=b"", headers=()):
        head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in headers]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    async def route(self, method, path, body, t, writer):
        if method == "GET" and path == f"{API}/invocation/next":
            if self.first_next_ns is None:
                self.first_next_ns = t
                self.first_next_cpu = self.cpu()
                self.first_next.set()
            queue = self.queue
            req_id, event, fut = await queue.get()
            deadline = int(time.time() * 1000) + 30_000
            hdrs = [
                ("Lambda-Runtime-Aws-Request-Id", req_id),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:bench"),
                ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"),
            ]
            self.reply(writer, "200 OK", json.dumps(event).encode(), hdrs)
            await writer.drain()
            self.inflight[req_id] = (fut, now_ns())
        elif method == "POST" and path.startswith(f"{API}/invocation/") and (path.endswith("/response") or path.endswith("/error")):
            req_id = path[len(f"{API}/invocation/"):].rsplit("/", 1)[0]
            cpu = self.cpu()
            fut, sent = self.inflight.pop(req_id, (None, None))
            self.reply(writer, "202 Accepted", b'{"status":"OK"}')
            if fut is not None and not fut.done():
                fut.set_result((t - sent, path.endswith("/error"), body, cpu))
        elif method == "POST" and path == f"{API}/init/error":
            self.init_error = body.decode("utf-8", "replace")
            self.reply(writer, "202 Accepted", b'{"status":"OK"}')
        else:
            self.reply(writer, "404 Not Found", b"{}")


class Canary:
    """Counts connections: where every endpoint points during the canary init runs."""

    def __init__(self):
        self.count = 0

    async def handle(self, reader, writer):
        self.count += 1
        writer.close()


# --------------------------------------------------------------------------- events


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
        ctx["authorizer"] = {"jwt": {"claims": {"sub": USER, "cognito:username": "bench"}, "scopes": None}}
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


def route_event(fn):
    """Any other HTTP function: its first route in routes.json, a fresh id for `{id}`, an empty
    JSON body for a write (most answer 400 or 404: the request reaches the handler)."""
    routes = json.loads((ROOT / "routes.json").read_text())["routes"]
    r = next((r for r in routes if r["function"] == fn), None)
    if r is None:
        raise ValueError(f"{fn}: no route in routes.json and no event in bench/lambda_bench.py")
    aid = fake_ulid()
    path = r["path"].replace("{id}", aid)
    body = {} if r["method"] in ("POST", "PUT", "PATCH") else None
    ev = http_event(r["method"], path, body=body, auth=r["auth"], path_params={"id": aid} if "{id}" in r["path"] else None)
    ev["routeKey"] = ev["requestContext"]["routeKey"] = f"{r['method']} {r['path']}"
    return ev


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
        if fn == "worker":
            body = json.dumps({"user_id": USER, "job_id": fake_ulid()})
            return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench-generation", "awsRegion": "us-east-1"}]}
        if fn == "reconciler":
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


# --------------------------------------------------------------------------- environment


EXTRA_ENV = {}
ENV_LIST = json.loads((ROOT / "infra/environment.json").read_text())["variables"]
MEDIA_KEY_PAIR_ID = "KBENCHMEDIAKEY"

# What Lambda itself gives every process (the runtime's variables and the role's credentials),
# and what only the bench's harness adds: none of it is the functions' configuration, so none of
# it is in infra/environment.json.
LAMBDA_RUNTIME_ENV = {
    "PATH": "/usr/bin:/bin",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
    "AWS_LAMBDA_LOG_LEVEL": "WARN",
    "AWS_ACCESS_KEY_ID": "AKIDBENCHONLY",
    "AWS_SECRET_ACCESS_KEY": "bench-only-not-a-secret",
    "AWS_SESSION_TOKEN": "bench-only",
    "AWS_EC2_METADATA_DISABLED": "true",
}
HARNESS_ENV = {"SSL_CERT_FILE"}  # builds that load the system store (a "before" binary of docs/benchmarks.md)

# The bench's values for the names of infra/environment.json (set_by "bench" must all be here).
BENCH_VALUES = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "JOBS_TABLE": "bench-jobs",
    "ASSETS_TABLE": "bench-assets",
    "USAGE_TABLE": "bench-usage",
    "IDEMPOTENCY_TABLE": "bench-idempotency",
    "MEDIA_BUCKET": "bench-media",
    "GENERATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/bench-generation",
    "REPLICATE_TOKEN_SECRET_ID": "bench/replicate-api-token",
    "WEBHOOK_SECRET_ID": "bench/replicate-webhook-secret",
    "MEDIA_SIGNING_KEY_SECRET_ID": "bench/media-signing-key",
    "PUBLIC_BASE_URL": "https://bench.invalid",
    "MONTHLY_LIMIT_USD": "1000000",
    # One bench user starts hundreds of jobs a minute: without this, all but the first 30
    # generate requests would measure the 429 of the rate limit instead of a queued job.
    "JOB_STARTS_PER_MINUTE": "0",
    "LOG_LEVEL": "info",  # what Terraform deploys (var.log_level)
}


def check_env(config):
    """The function configuration part of an environment against infra/environment.json: every
    name the bench must set has a value, and every name set is listed. Exits naming them."""
    missing = sorted(k for k, v in ENV_LIST.items() if "bench" in v["set_by"] and not config.get(k))
    unlisted = sorted(k for k in config if k not in ENV_LIST)
    if missing or unlisted:
        raise SystemExit(f"bench: the function environment does not match infra/environment.json: no value for {missing}; not in the list: {unlisted}")


def lambda_env(fn, runtime_port, endpoint=None, replicate=None, extra=None):
    config = dict(BENCH_VALUES)
    if endpoint:
        config["AWS_ENDPOINT_URL"] = endpoint
    if replicate:
        config["REPLICATE_API_BASE"] = replicate
    harness = {}
    for k, v in {**(extra or {}), **EXTRA_ENV}.items():
        (harness if k in HARNESS_ENV else config)[k] = v
    check_env(config)
    return {
        **LAMBDA_RUNTIME_ENV,
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{runtime_port}",
        "AWS_LAMBDA_FUNCTION_NAME": f"vn-bench-{fn}",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/vn-bench-{fn}",
        **harness,
        **config,
    }


def media_signing_key_secret():
    """The media signing key secret as an operator stores it (docs/deploy.md): a fresh ECDSA
    P-256 key, its id and private key in one JSON object."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps({"key_pair_id": MEDIA_KEY_PAIR_ID, "private_key": pem.decode()})


def vm_hwm_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


async def run_process(binary, make_env, events, fn, n, log, timeout=20.0):
    """Spawns, waits for the first /next, serves n events; returns init ns, latencies, RSS.

    Each process gets its own Runtime API listener, so a late request of the previous
    (killed) process can never be taken for this one's."""
    api = RuntimeApi()
    server = await asyncio.start_server(api.handle, "127.0.0.1", 0)
    env = make_env(server.sockets[0].getsockname()[1])
    t0 = now_ns()
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        waiter = asyncio.create_task(api.first_next.wait())
        deadline = time.monotonic() + timeout
        while not waiter.done():
            if proc.poll() is not None:
                waiter.cancel()
                return {"error": f"exited with {proc.returncode} before asking for an event (init error: {api.init_error})"}
            if time.monotonic() > deadline:
                waiter.cancel()
                return {"error": "no /next within timeout"}
            await asyncio.wait({waiter}, timeout=0.05)
        init_ns = api.first_next_ns - t0
        lat, errors, statuses = [], 0, {}
        loop = asyncio.get_running_loop()
        for _ in range(n):
            fut = loop.create_future()
            await api.queue.put((str(uuid.uuid4()), events.make(fn), fut))
            try:
                dt, is_err, body, _ = await asyncio.wait_for(fut, 30)
            except asyncio.TimeoutError:
                return {"error": f"invocation {len(lat) + 1} got no response within 30 s (exit code {proc.poll()})"}
            lat.append(dt)
            errors += is_err
            try:
                code = json.loads(body).get("statusCode")
            except (ValueError, AttributeError):
                code = None
            statuses[str(code)] = statuses.get(str(code), 0) + 1
            events.observe(fn, body)
        return {"init_ns": init_ns, "lat_ns": lat, "errors": errors, "statuses": statuses, "vm_hwm_kb": vm_hwm_kb(proc.pid)}
    finally:
        proc.kill()
        proc.wait()
        server.close()


# --------------------------------------------------------------------------- moto


def start_moto(moto_bin, port):
    proc = subprocess.Popen([moto_bin, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/moto-api/")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto did not start")


def create_resources(endpoint):
    import boto3

    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
    ddb = boto3.client("dynamodb", **kw)
    defs = json.loads((ROOT / "infra/tables.json").read_text())["tables"]
    for key, d in defs.items():
        schema = [{"AttributeName": d["hash_key"], "KeyType": "HASH"}] + ([{"AttributeName": d["range_key"], "KeyType": "RANGE"}] if d.get("range_key") else [])
        args = dict(
            TableName=f"bench-{key}",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=schema,
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in d["attributes"].items()],
        )
        gsis = []
        for g in d.get("global_secondary_indexes", []):
            ks = [{"AttributeName": g["hash_key"], "KeyType": "HASH"}] + ([{"AttributeName": g["range_key"], "KeyType": "RANGE"}] if g.get("range_key") else [])
            gsis.append({"IndexName": g["name"], "KeySchema": ks, "Projection": {"ProjectionType": g["projection"]}})
        if gsis:
            args["GlobalSecondaryIndexes"] = gsis
        ddb.create_table(**args)
    boto3.client("s3", **kw).create_bucket(Bucket=BENCH_VALUES["MEDIA_BUCKET"])
    q = boto3.client("sqs", **kw).create_queue(QueueName="bench-generation")["QueueUrl"]
    sm = boto3.client("secretsmanager", **kw)
    sm.create_secret(Name=BENCH_VALUES["REPLICATE_TOKEN_SECRET_ID"], SecretString="r8_bench_only_not_a_token")
    sm.create_secret(Name=BENCH_VALUES["WEBHOOK_SECRET_ID"], SecretString=WEBHOOK_SECRET)
    sm.create_secret(Name=BENCH_VALUES["MEDIA_SIGNING_KEY_SECRET_ID"], SecretString=media_signing_key_secret())
    return q


def moto_rtt(port, n):
    """DynamoDB Query on the jobs table over one keep-alive connection, as the SDK would."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"TableName": "bench-jobs", "KeyConditionExpression": "user_id = :u", "ExpressionAttributeValues": {":u": {"S": USER}}, "ScanIndexForward": False, "Limit": 20})
    hdrs = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.Query",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20261122/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    }
    out = []
    for _ in range(n):
        t = now_ns()
        c.request("POST", "/", body=body, headers=hdrs)
        r = c.getresponse()
        r.read()
        out.append(now_ns() - t)
    return out


# --------------------------------------------------------------------------- cold requests

VCPU_MB = 1769  # Lambda gives one full vCPU at 1769 MB, and CPU in proportion to memory


def cpu_ns(pid):
    """CPU time of a process so far, ns: the sum over its threads of /proc/.../schedstat's first
    field (time on CPU; /proc/<pid>/stat's ticks are 10 ms, too coarse)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


class CpuCap:
    """A cgroup whose CPU is capped at memory/1769 of one CPU (Lambda's share), if this machine
    lets us make one: cgroup v2 `cpu.max`, else v1 `cpu.cfs_quota_us`. `why` says why not."""

    def __init__(self, memory_mb, period_us):
        self.path, self.procs, self.why = None, None, None
        quota = max(1000, int(period_us * memory_mb / VCPU_MB))
        name = f"vn-bench-{os.getpid()}-{memory_mb}"
        v2 = Path("/sys/fs/cgroup")
        try:
            if "cpu" in (v2 / "cgroup.controllers").read_text().split():
                d = v2 / name
                d.mkdir()
                (d / "cpu.max").write_text(f"{quota} {period_us}")
                self.path, self.procs = d, d / "cgroup.procs"
                return
        except OSError as e:
            self.why = f"cgroup v2: {e.strerror}"
        v1 = Path("/sys/fs/cgroup/cpu")
        try:
            if v1.is_dir():
                d = v1 / name
                d.mkdir()
                (d / "cpu.cfs_period_us").write_text(str(period_us))
                (d / "cpu.cfs_quota_us").write_text(str(quota))
                self.path, self.procs = d, d / "cgroup.procs"
                return
            self.why = self.why or "no cgroup v2 cpu controller and no v1 cpu hierarchy"
        except OSError as e:
            self.why = f"cgroup v1 {v1}: {e.strerror}"

    def join(self):
        """preexec_fn: moves the child into the cgroup before it execs the binary."""
        with open(self.procs, "w") as f:
            f.write(str(os.getpid()))

    def close(self):
        if self.path:
            try:
                self.path.rmdir()
            except OSError:
                pass


async def run_cold(binary, make_env, make_event, warm_n, log, cap=None, timeout=30.0):
    """One container's life: spawn, init, the cold request, then warm_n warm requests. CPU
    (process, all threads) and wall time of each part."""
    api = RuntimeApi()
    server = await asyncio.start_server(api.handle, "127.0.0.1", 0)
    env = make_env(server.sockets[0].getsockname()[1])
    t0 = now_ns()
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=cap.join if cap else None)
    api.cpu = lambda: cpu_ns(proc.pid)
    try:
        try:
            await asyncio.wait_for(api.first_next.wait(), timeout)
        except asyncio.TimeoutError:
            return {"error": f"no /next within {timeout} s (exit code {proc.poll()}, init error: {api.init_error})"}
        out = {"init_wall_ns": api.first_next_ns - t0, "init_cpu_ns": api.first_next_cpu, "req": []}
        loop = asyncio.get_running_loop()
        prev_cpu = api.first_next_cpu
        for _ in range(1 + warm_n):
            fut = loop.create_future()
            await api.queue.put((str(uuid.uuid4()), make_event(), fut))
            try:
                dt, is_err, body, cpu = await asyncio.wait_for(fut, timeout)
            except asyncio.TimeoutError:
                return {"error": f"no response within {timeout} s (exit code {proc.poll()})"}
            try:
                outer = json.loads(body)
                status = outer.get("statusCode") if "statusCode" in outer else ("failures" if outer.get("batchItemFailures") else "ok")
            except (ValueError, AttributeError):
                status = None
            out["req"].append({"wall_ns": dt, "cpu_ns": cpu - prev_cpu, "status": "error" if is_err else status, "body": body[:300].decode("utf-8", "replace")})
            prev_cpu = cpu
        return out
    finally:
        proc.kill()
        proc.wait()
        server.close()


def memory_of(fn):
    routes = json.loads((ROOT / "routes.json").read_text())["functions"]
    return routes.get(fn, {}).get("memory_mb", 128)


async def cold_phase(args, bins, events, log, moto_port, queue_url):
    """Cold requests over TLS: a fresh process per run (init + first request + a few warm ones),
    AWS calls through the keep-alive TLS proxy, the worker's Replicate call too."""
    import tempfile

    import tls_proxy

    res = {"runs": {n: [] for n in bins}, "capped": {}, "errors": [], "cap_note": None}
    with tempfile.TemporaryDirectory(prefix="vn-bench-ca-") as d:
        certs = tls_proxy.make_ca(d)
        proxy = tls_proxy.TlsProxy(certs, moto_port)
        try:
            q = queue_url.split("://", 1)[1].split("/", 1)[1]  # moto's queue path, behind the proxy
            extra = {
                "GENERATION_QUEUE_URL": f"{proxy.url}/{q}",
                "VN_BENCH_CA_FILE": certs["ca"],  # bench builds (feature bench-ca)
                "SSL_CERT_FILE": certs["bundle"],  # builds that load the system store
            }
            fn_of = lambda name: name.split("@", 1)[0]  # noqa: E731  "me-get@before" runs me-get

            # Queued jobs for the worker's cold requests: one per worker run.
            jobs = []
            workers = sum(1 for n in bins if fn_of(n) == "worker") * (args.cold_reps + args.capped_reps * len(args.capped_mem or [1]) + 2)
            # Made by images-generate, run from the worker's binary (the function name picks the handler).
            gen = next((b for n, b in bins.items() if fn_of(n) == "worker"), None)
            if workers and gen:
                seen = len(events.job_ids)
                r = await run_process(gen, lambda port: lambda_env("images-generate", port, endpoint=proxy.url, replicate=f"{proxy.url}/v1", extra=extra), events, "images-generate", workers * 2, log)
                jobs = events.job_ids[seen:]
                del events.job_ids[seen:]
                if "error" in r:
                    res["errors"].append(f"job seeding: {r['error']}")

            def make_event_for(fn):
                if fn == "worker":
                    def ev():
                        body = json.dumps({"user_id": USER, "job_id": jobs.pop() if jobs else fake_ulid()})
                        return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench-generation", "awsRegion": "us-east-1"}]}
                    return ev
                return lambda: events.make(fn)

            async def one(name, cap=None):
                fn = fn_of(name)
                make_env = lambda port: lambda_env(fn, port, endpoint=proxy.url, replicate=f"{proxy.url}/v1", extra=extra)  # noqa: E731
                return await run_cold(bins[name], make_env, make_event_for(fn), args.cold_warm, log, cap)

            for _ in range(args.cold_reps):
                order = list(bins)
                random.shuffle(order)
                for name in order:
                    r = await one(name)
                    if "error" in r:
                        res["errors"].append(f"cold {name}: {r['error']}")
                    else:
                        res["runs"][name].append(r)
            print(f"bench: cold done ({args.cold_reps} rounds; {proxy.handshakes} TLS handshakes)", file=sys.stderr)

            # Cross-check: wall time with the CPU capped at each memory's share.
            for mem in args.capped_mem or []:
                cap = CpuCap(mem, args.cap_period_us)
                if not cap.path:
                    res["cap_note"] = cap.why
                    break
                try:
                    res["capped"][str(mem)] = {n: [] for n in bins}
                    for _ in range(args.capped_reps):
                        for name in bins:
                            r = await one(name, cap)
                            if "error" in r:
                                res["errors"].append(f"capped {mem} {name}: {r['error']}")
                            else:
                                res["capped"][str(mem)][name].append(r)
                finally:
                    cap.close()
                print(f"bench: capped at {mem} MB done", file=sys.stderr)
        finally:
            proxy.close()
    return res


def summarize_cold(cold, args):
    lines = []
    lines.append(f"Cold requests over TLS, {args.cold_reps} fresh processes per binary, interleaved. CPU is the process's own (all threads, `/proc/<pid>/task/*/schedstat`); wall is as seen by the Runtime API. *init* = spawn → first `/next`; *first* = the cold request (event written → response read); *warm* = the median of the next {args.cold_warm} requests of the same process. AWS calls go to moto through a keep-alive TLS proxy (test CA, RSA 2048 root → intermediate → leaf); the worker's Replicate call goes to the same proxy. Medians. *projected* = CPU ms × {VCPU_MB} / memory MB (Lambda's CPU share), for init + first request: what a user waits for. Goal: under 150 ms for every function that calls AWS or Replicate.")
    lines.append("")
    lines.append("| binary | MB | CPU ms: init / first / warm | wall ms: init / first / warm | projected ms at its MB: init / first / warm | cold (init + first) CPU ms | **cold projected at its MB** | cold projected at 128 MB | first request's status |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    for name, runs in cold["runs"].items():
        if not runs:
            lines.append(f"| {name} | failed | | | | | | | |")
            continue
        mem = memory_of(name.split("@", 1)[0]) if name != "hello" else 128
        ic = med([r["init_cpu_ns"] for r in runs]) / 1e6
        fc = med([r["req"][0]["cpu_ns"] for r in runs]) / 1e6
        wc = med([x["cpu_ns"] for r in runs for x in r["req"][1:]]) / 1e6
        iw = med([r["init_wall_ns"] for r in runs]) / 1e6
        fw = med([r["req"][0]["wall_ns"] for r in runs]) / 1e6
        ww = med([x["wall_ns"] for r in runs for x in r["req"][1:]]) / 1e6
        cc = med([(r["init_cpu_ns"] + r["req"][0]["cpu_ns"]) for r in runs]) / 1e6
        st = {}
        for r in runs:
            s = str(r["req"][0]["status"])
            st[s] = st.get(s, 0) + 1
        sts = ", ".join(f"{k}×{v}" for k, v in sorted(st.items()))
        pj = lambda ms: ms * VCPU_MB / mem  # noqa: E731
        lines.append(f"| {name} | {mem} | {ic:.2f} / {fc:.2f} / {wc:.2f} | {iw:.2f} / {fw:.2f} / {ww:.2f} | {pj(ic):.1f} / {pj(fc):.1f} / {pj(wc):.1f} | {cc:.2f} | **{pj(cc):.0f}** | {cc * VCPU_MB / 128:.0f} | {sts} |")
    if cold["capped"]:
        lines.append("")
        lines.append(f"Cross-check: the same runs with the process's CPU capped by a cgroup at memory/{VCPU_MB} of one CPU (CFS period {args.cap_period_us // 1000} ms), {args.capped_reps} runs each. Each cell: median wall time of init + first request (spawn → first response) when capped / what the projection predicts for it, that is the uncapped wall time plus the projected CPU time minus the CPU time (the emulator's own latency is in both; the function's CPU stretches by {VCPU_MB}/MB).")
        lines.append("")
        mems = list(cold["capped"])
        lines.append("| binary | " + " | ".join(f"{m} MB: capped / predicted ms" for m in mems) + " |")
        lines.append("|---|" + "---:|" * len(mems) + "")
        for name, runs in cold["runs"].items():
            cells = []
            cc = med([(r["init_cpu_ns"] + r["req"][0]["cpu_ns"]) for r in runs]) / 1e6 if runs else float("nan")
            uw = med([r["init_wall_ns"] + r["req"][0]["wall_ns"] for r in runs]) / 1e6 if runs else float("nan")
            for m in mems:
                cr = cold["capped"][m].get(name) or []
                w = med([r["init_wall_ns"] + r["req"][0]["wall_ns"] for r in cr]) / 1e6 if cr else float("nan")
                cells.append(f"{w:.0f} / {uw + cc * (VCPU_MB / int(m) - 1):.0f}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    elif args.capped_mem:
        lines.append("")
        lines.append(f"No cgroup-capped cross-check on this machine: {cold['cap_note']}.")
    if cold["errors"]:
        lines.append("")
        lines.append("Errors: " + "; ".join(cold["errors"][:10]))
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def ms(ns):
    return ns / 1e6


async def amain(args):
    # Handlers of killed processes' connections are cancelled at exit: nothing to report.
    asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: None)
    bins = dict(b.split("=", 1) for b in args.bin)
    names = list(bins)
    canary = Canary()
    cserver = await asyncio.start_server(canary.handle, "127.0.0.1", 0)
    canary_url = f"http://127.0.0.1:{cserver.sockets[0].getsockname()[1]}"
    log = open(args.log, "ab")
    events = Events()
    res = {"init": {n: [] for n in names}, "init_canary": {n: [] for n in names}, "canary_connections": {}, "warm": {}, "errors": []}

    # 1. init, production-like env, interleaved in a fresh random order each round.
    for variant in () if args.cold_only else ("init",) if args.no_canary else ("init", "init_canary"):
        for rep in range(args.reps):
            order = names[:]
            random.shuffle(order)
            for fn in order:
                if variant == "init":
                    make_env = lambda port, fn=fn: lambda_env(fn, port)
                else:
                    before = canary.count
                    make_env = lambda port, fn=fn: lambda_env(fn, port, endpoint=canary_url, replicate=canary_url, extra={"GENERATION_QUEUE_URL": f"{canary_url}/000000000000/bench-generation"})
                r = await run_process(bins[fn], make_env, events, fn, 0, log)
                if "error" in r:
                    res["errors"].append(f"{variant} {fn}: {r['error']}")
                    continue
                res[variant][fn].append(r["init_ns"])
                if variant == "init_canary":
                    # Give a lazy connection a moment to show up before the process is gone.
                    res["canary_connections"][fn] = res["canary_connections"].get(fn, 0) + canary.count - before
        print(f"bench: {variant} done ({args.reps} rounds)", file=sys.stderr)

    # 2. warm latency + peak RSS, AWS calls to moto.
    if args.moto:
        port = args.moto_port
        moto = start_moto(args.moto, port)
        try:
            endpoint = f"http://127.0.0.1:{port}"
            queue_url = create_resources(endpoint)
            res["moto_rtt_ns"] = moto_rtt(port, args.n) if not args.cold_only else []
            order = [f for f in ["hello", "health", "models-list", "images-generate", "jobs-list", "jobs-get", "me-get", "assets-get", "webhook-replicate", "worker", "reconciler"] if f in bins]
            order += [f for f in names if f not in order]
            for fn in order if not args.cold_only else []:
                n = args.n if fn in args.full else args.n_small
                make_env = lambda port, fn=fn: lambda_env(fn, port, endpoint=endpoint, replicate=canary_url, extra={"GENERATION_QUEUE_URL": queue_url})
                r = await run_process(bins[fn], make_env, events, fn, n + args.warmup, log)
                if "error" in r:
                    res["errors"].append(f"warm {fn}: {r['error']}")
                    continue
                r["lat_ns"] = r["lat_ns"][args.warmup:]
                res["warm"][fn] = r
                print(f"bench: warm {fn} n={n} p50={ms(pct(r['lat_ns'], 50)):.2f} ms statuses={r['statuses']}", file=sys.stderr)
                if fn == "images-generate":
                    # The emulator's Query cost grows with the items it holds: measure it again.
                    res["moto_rtt_after_ns"] = moto_rtt(port, args.n)
            if args.cold_reps:
                res["cold"] = await cold_phase(args, bins, events, log, port, queue_url)
        finally:
            moto.send_signal(signal.SIGTERM)
            try:
                moto.wait(5)
            except subprocess.TimeoutExpired:
                moto.kill()
    cserver.close()
    return res


def summarize(res, args):
    lines = []
    if args.cold_only:
        return summarize_cold(res["cold"], args) if res.get("cold") else "no cold runs"
    names = [n for n in res["init"]]
    hello = res["init"].get("hello") or []
    h50 = pct(hello, 50) if hello else float("nan")
    lines.append(f"Init (spawn → first `GET …/invocation/next`), {args.reps} runs each, interleaved; production-like env. Canary: endpoints pointed at a local listener during {args.reps} more runs, connections counted.")
    lines.append("")
    lines.append("| binary | init p50 ms | init p90 ms | × hello (p50) | canary p50 ms | connections during init |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for n in names:
        xs, cs = res["init"][n], res["init_canary"][n]
        if not xs:
            lines.append(f"| {n} | failed | | | | |")
            continue
        lines.append(f"| {n} | {ms(pct(xs, 50)):.2f} | {ms(pct(xs, 90)):.2f} | {pct(xs, 50) / h50:.2f} | {ms(pct(cs, 50)) if cs else float('nan'):.2f} | {res['canary_connections'].get(n, 'n/a')} |")
    if res.get("warm"):
        lines.append("")
        rtt = res.get("moto_rtt_ns") or []
        rtt2 = res.get("moto_rtt_after_ns") or []
        lines.append(f"Warm invocations through the Runtime API (event written → response read), AWS calls to moto on loopback. moto's own DynamoDB Query round-trip for the jobs list (keep-alive, from Python): empty table p50 {ms(pct(rtt, 50)):.2f} ms / p99 {ms(pct(rtt, 99)):.2f} ms; after images-generate filled it p50 {ms(pct(rtt2, 50)):.2f} ms / p99 {ms(pct(rtt2, 99)):.2f} ms. Subtract these to get the function's own share.")
        lines.append("")
        lines.append("| binary | request | n | p50 ms | p99 ms | statuses | peak RSS (VmHWM) MB |")
        lines.append("|---|---|---:|---:|---:|---|---:|")
        for n, r in res["warm"].items():
            req = {"hello": "echo", "health": "GET /api/health", "models-list": "GET /api/models", "me-get": "GET /api/me (1 usage read)", "images-generate": "POST generate (idempotency, quota, job, SQS)", "jobs-list": "GET /api/jobs (1 Query)", "jobs-get": "GET /api/jobs/{id}", "assets-get": "GET /api/assets/{id} (404)", "webhook-replicate": "bad signature → 401 (secret fetched once)", "worker": "SQS msg for unknown job", "reconciler": "scheduled scan"}.get(n, "")
            st = ", ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items()))
            lines.append(f"| {n} | {req} | {len(r['lat_ns'])} | {ms(pct(r['lat_ns'], 50)):.2f} | {ms(pct(r['lat_ns'], 99)):.2f} | {st} | {r['vm_hwm_kb'] / 1024:.1f} |")
    if res["errors"]:
        lines.append("")
        lines.append("Errors: " + "; ".join(res["errors"][:10]))
    if res.get("cold"):
        lines.append("")
        lines.append(summarize_cold(res["cold"], args))
    return "\n".join(lines)


def smoke_problems(res):
    """What makes a --smoke run fail: a binary that did not start or answer, a function error,
    a 5xx, a worker batch failure."""
    cold = res.get("cold")
    if not cold:
        return ["no cold runs (is --moto given?)"]
    problems = list(cold["errors"])
    for name, runs in cold["runs"].items():
        if not runs:
            problems.append(f"{name}: no cold run")
        for r in runs:
            st, body = r["req"][0]["status"], r["req"][0]["body"]
            if st in (None, "error", "failures") or (isinstance(st, int) and st >= 500):
                problems.append(f"{name}: first request {st}: {body}")
    return problems


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", action="append", required=True, help="name=path; name 'hello' is the baseline")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--moto", help="path to moto_server; enables the warm/RSS phase")
    p.add_argument("--moto-port", type=int, default=0)
    p.add_argument("--n", type=int, default=200, help="warm invocations for --full functions")
    p.add_argument("--n-small", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--full", default="hello,health,models-list,jobs-list,me-get,images-generate")
    p.add_argument("--json", required=True)
    p.add_argument("--markdown", required=True)
    p.add_argument("--log", default="/dev/null")
    p.add_argument("--env", action="append", default=[], help="K=V added to every function's environment")
    p.add_argument("--no-canary", action="store_true", help="skip the canary init runs")
    p.add_argument("--cold-reps", type=int, default=0, help="cold-request runs per binary (needs --moto); 0 = none")
    p.add_argument("--cold-warm", type=int, default=5, help="warm requests after each cold one")
    p.add_argument("--cold-only", action="store_true", help="only the cold-request phase")
    p.add_argument("--capped-mem", default="", help="memory sizes (MB) for the cgroup-capped cross-check, e.g. 128,256,512")
    p.add_argument("--capped-reps", type=int, default=5)
    p.add_argument("--cap-period-us", type=int, default=20_000)
    p.add_argument("--smoke", action="store_true", help="one cold request per binary (needs --moto); fails unless each starts and answers without an error or a 5xx; times nothing")
    args = p.parse_args()
    args.full = args.full.split(",")
    args.capped_mem = [int(m) for m in args.capped_mem.split(",") if m]
    if args.smoke:
        args.cold_only, args.cold_reps, args.cold_warm, args.capped_mem, args.capped_reps = True, 1, 1, [], 0
    EXTRA_ENV.update(e.split("=", 1) for e in args.env)
    lambda_env("health", 0)  # the environment matches infra/environment.json, or exit before anything runs
    if args.moto and not args.moto_port:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        args.moto_port = s.getsockname()[1]
        s.close()
    res = asyncio.run(amain(args))
    Path(args.json).write_text(json.dumps(res))
    md = summarize(res, args)
    Path(args.markdown).write_text(md + "\n")
    print(md)
    if args.smoke:
        problems = smoke_problems(res)
        if problems:
            raise SystemExit("bench --smoke: FAILED\n" + "\n".join(problems))
        print(f"bench --smoke: every binary started and answered its cold request ({len(res['cold']['runs'])} binaries)", file=sys.stderr)


if __name__ == "__main__":
    main()
