#!/usr/bin/env python3
"""`make smoke`: a short journey against a running deployment (or the local stack), one line per
check, PASS or FAIL, and a non-zero exit on any failure. Python 3 standard library only.

    SMOKE_URL=https://studio.example.com SMOKE_USERNAME=smoke SMOKE_PASSWORD=... scripts/smoke.py

It signs in through Cognito's JSON API as the page does, uploads a small PNG it draws itself,
runs one restoration of it with the cheapest restoration model (refused before anything is
spent when its price is over SMOKE_MAX_USD, default $0.05), fetches the result's signed media
URL and two tampered copies of it, posts an unsigned webhook, checks the security headers of
infra/security-headers.json, and deletes what it made. Every HTTP call has a timeout and the
whole run gives up after SMOKE_TIMEOUT seconds (default 180). No token, password or signed URL
is ever printed. docs/deploy.md, "Check that it works", says what each check proves.
"""
import http.client
import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from smoke_parts import (  # noqa: E402
    Answer, Failed, NoRedirect, TimeUp, draw_png, expected_headers, multipart, run_price_micros, short, to_micros, usd,
)

CALL_TIMEOUT_S = 20
MAX_BODY = 32 * 1024 * 1024
CLEANUP_GRACE_S = 20
COGNITO_TARGET = "AWSCognitoIdentityProviderService."


class Smoke:
    def __init__(self, url, username, password, max_micros, timeout_s):
        self.base = url.rstrip("/")
        self.username = username
        self.password = password
        self.max_micros = max_micros
        self.deadline = time.monotonic() + timeout_s
        self.secrets = [password]
        self.token = None
        self.results = []
        self.made = []  # asset ids to delete at the end, newest last
        self.spent = None
        self.unsettled = None  # what a job that has not settled may still be charged
        self.opener = urllib.request.build_opener(NoRedirect)

    # ---- output ---------------------------------------------------------------------------

    def redact(self, text):
        text = str(text)
        for s in self.secrets:
            if s:
                text = text.replace(s, "[redacted]")
        # Signed URLs: keep scheme, host and path, never the query that carries the signature.
        text = re.sub(r"(https?://[^\s\"'?]+)\?[^\s\"']*", r"\1?[redacted]", text)
        text = re.sub(r"(?i)\b(signature|policy|key-pair-id|x-amz-[a-z-]+)=[^&\s\"']+", r"\1=[redacted]", text)
        return text

    def report(self, ok, name, detail=""):
        self.results.append(ok)
        word = {True: "PASS", False: "FAIL", None: "SKIP"}[ok]
        line = f"{word}  {name}" + (f": {self.redact(detail)}" if detail else "")
        print(line, flush=True)

    def check(self, name, fn, *args):
        """Runs one check; returns its value (True when it has none), or None when it failed."""
        try:
            value, detail = fn(*args)
        except Failed as e:
            self.report(False, name, str(e))
            return None
        except TimeUp:
            self.report(False, name, "the run's time limit was reached")
            return None
        self.report(True, name, detail)
        return True if value is None else value

    def step(self, name, needs, fn, *args):
        """A check that needs an earlier one's value: not run (SKIP) when that one failed."""
        if needs is None:
            self.report(None, name, "not run: an earlier check failed")
            return None
        return self.check(name, fn, *args)

    # ---- HTTP -------------------------------------------------------------------------------

    def call(self, method, url, body=None, headers=None, auth=True):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeUp()
        if not url.startswith("http"):
            url = self.base + url
        h = dict(headers or {})
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if auth and self.token:
            h["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            with self.opener.open(req, timeout=min(CALL_TIMEOUT_S, max(1, remaining))) as r:
                return Answer(r.status, r.headers, self.read(r))
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.headers, self.read(e))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", None) or type(e).__name__
            raise Failed(f"{method} {self.redact(url)}: no answer ({reason})") from None

    def read(self, r):
        """The body, a piece at a time, within the run's deadline and MAX_BODY bytes."""
        body = b""
        while len(body) <= MAX_BODY:
            if time.monotonic() > self.deadline:
                raise TimeUp()
            piece = r.read1(65536)
            if not piece:
                return body
            body += piece
        raise Failed(f"an answer over {MAX_BODY} bytes")

    def api(self, method, path, body=None, want=200, headers=None):
        a = self.call(method, path, body, headers)
        if a.status != want:
            raise Failed(f"{method} {path} answered {a.status}, expected {want}: {a.text(200)}")
        return a.json() if a.body else None

    # ---- the checks ---------------------------------------------------------------------------

    def config(self):
        a = self.call("GET", "/config.json", auth=False)
        if a.status != 200:
            raise Failed(f"GET /config.json answered {a.status}: {a.text(200)}")
        cfg = a.json()
        cognito = cfg.get("cognito") or {}
        if not all(cognito.get(k) for k in ("endpoint", "user_pool_id", "client_id")):
            raise Failed("config.json lacks cognito.endpoint, user_pool_id or client_id")
        return cfg, f"user pool {cognito['user_pool_id']} at {cognito['endpoint']}"

    def headers(self, path, cfg):
        a = self.call("GET", path, auth=False)
        if a.status != 200:
            raise Failed(f"GET {path} answered {a.status}: {a.text(200)}")
        endpoint = ((cfg or {}).get("cognito") or {}).get("endpoint", "")
        wrong = []
        for name, check in expected_headers(endpoint, self.base.startswith("https://")):
            problem = check(a.headers.get(name))
            if problem:
                wrong.append(f"{name} {problem}")
        if wrong:
            raise Failed("; ".join(wrong))
        return None, "CSP, HSTS, X-Frame-Options, X-Content-Type-Options, Referrer-Policy, X-XSS-Protection"

    def webhook(self):
        a = self.call("POST", "/webhooks/replicate", b"{}", {"Content-Type": "application/json"}, auth=False)
        if a.status != 401:
            raise Failed(f"an unsigned POST /webhooks/replicate answered {a.status}, expected 401: {a.text(200)}")
        return None, "an unsigned delivery is refused (401)"

    def sign_in(self, cfg):
        cognito = cfg["cognito"]
        body = {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": cognito["client_id"],
            "AuthParameters": {"USERNAME": self.username, "PASSWORD": self.password},
        }
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": COGNITO_TARGET + "InitiateAuth"}
        a = self.call("POST", cognito["endpoint"], json.dumps(body).encode(), headers, auth=False)
        answer = a.json(default={})
        if a.status != 200:
            kind = str(answer.get("__type") or f"HTTP {a.status}").split("#")[-1].split(":")[0]
            raise Failed(f"Cognito refused {self.username!r}: {kind}: {answer.get('message') or answer.get('Message') or ''}")
        result = answer.get("AuthenticationResult") or {}
        if not result.get("IdToken"):
            challenge = answer.get("ChallengeName", "no tokens")
            hint = " (sign in once in the browser to choose a permanent password)" if challenge == "NEW_PASSWORD_REQUIRED" else ""
            raise Failed(f"Cognito asks for {challenge}{hint}; use a user that signs in with a password alone")
        self.secrets += [result.get("IdToken"), result.get("AccessToken"), result.get("RefreshToken")]
        self.token = result["IdToken"]
        return None, f"{self.username} signed in (USER_PASSWORD_AUTH)"

    def me(self):
        me = self.api("GET", "/api/me")
        quota = me.get("quota") or {}
        left, limit = to_micros(quota.get("remaining_usd")), to_micros(quota.get("monthly_limit_usd"))
        return me, f"{me['user']['username']}, {usd(left)} of {usd(limit)} left this month"

    def upload(self):
        data = draw_png(64, 64)
        form = self.api("POST", "/api/uploads", {"content_type": "image/png", "bytes": len(data), "filename": "smoke.png"}, 201)
        asset_id, upload = form["asset_id"], form["upload"]
        if urllib.parse.urlsplit(upload["url"]).path != "/upload":
            raise Failed(f"the form posts to {upload['url']}, not the site's own /upload")
        body, ctype = multipart(upload["fields"], data)
        a = self.call(upload.get("method", "POST"), upload["url"], body, {"Content-Type": ctype}, auth=False)
        if a.status not in (200, 201, 204):
            raise Failed(f"the form's POST to /upload answered {a.status}: {a.text(300)}")
        asset = self.api("POST", f"/api/uploads/{asset_id}/complete", {})["asset"]
        self.made.append(asset["id"])
        if (asset.get("source"), asset.get("width"), asset.get("height"), asset.get("bytes")) != ("upload", 64, 64, len(data)):
            raise Failed(f"complete made an unexpected asset: {short(asset)}")
        return asset, f"a {len(data)}-byte 64x64 PNG posted to /upload and completed as asset {asset['id']}"

    def pick_model(self, me):
        models = self.api("GET", "/api/models")["models"]
        priced = [(run_price_micros(m), m) for m in models if "restore" in (m.get("kinds") or [])]
        priced = [(p, m) for p, m in priced if p is not None]
        if not priced:
            raise Failed("/api/models lists no restoration model priced per run or image")
        price, model = min(priced, key=lambda pm: (pm[0], "restore" not in (pm[1].get("default_for") or [])))
        if price > self.max_micros:
            raise Failed(f"the cheapest restoration ({model['id']}) costs {usd(price)}, over the cap of {usd(self.max_micros)}: nothing was run")
        left = to_micros((me or {}).get("quota", {}).get("remaining_usd"))
        if left is not None and left < price:
            raise Failed(f"{model['id']} costs {usd(price)} but the user has {usd(left)} left this month")
        return (model, price), f"{model['id']} at {usd(price)} (cap {usd(self.max_micros)})"

    def restore(self, model, price, source):
        body = {"model": model["id"], "prompt": "", "source_asset_ids": [source["id"]]}
        key = {"Idempotency-Key": f"smoke-{uuid.uuid4()}"}
        job = self.api("POST", "/api/images/edit", body, 202, key)["job"]
        estimate = to_micros(job.get("estimated_cost_usd"))
        self.unsettled = estimate
        if estimate is None or estimate > self.max_micros:
            raise Failed(f"the job reserved {usd(estimate)}, over the cap of {usd(self.max_micros)}: {self.cancel(job['id'])}")
        started = time.monotonic()
        while True:
            try:
                got = self.api("GET", f"/api/jobs/{job['id']}")
            except TimeUp:
                raise Failed(f"job {job['id']} did not finish within the time limit: {self.cancel(job['id'])}") from None
            status = got["job"]["status"]
            if status == "succeeded":
                break
            if status in ("failed", "canceled"):
                self.unsettled = None
                raise Failed(f"job {job['id']} {status}: {got['job'].get('error')}")
            time.sleep(1)
        assets = got["assets"]
        self.made.extend(a["id"] for a in assets)
        self.spent, self.unsettled = to_micros(got["job"].get("cost_usd")), None
        if not assets or source["id"] not in (assets[0].get("parent_ids") or []):
            raise Failed(f"job {job['id']} succeeded without a result made from the upload: {short(got)}")
        took = time.monotonic() - started
        return assets[0], f"{model['id']} job {job['id']} succeeded in {took:.0f} s, charged {usd(self.spent)}, asset {assets[0]['id']}"

    def cancel(self, job_id):
        """Cancels the job; says how that went (a job that finished meanwhile is still charged)."""
        self.deadline = max(self.deadline, time.monotonic() + CLEANUP_GRACE_S)
        try:
            a = self.call("POST", f"/api/jobs/{job_id}/cancel", {})
        except Failed as e:
            return f"could not cancel it ({e})"
        if a.status == 200:
            self.unsettled = None
            return "canceled it"
        return f"the cancel answered {a.status}: {a.text(200)}"

    def media(self, result, upload):
        sizes = []
        for what, asset in (("result", result), ("upload", upload)):
            a = self.call("GET", asset["url"], auth=False)
            if a.status != 200:
                raise Failed(f"the {what}'s signed URL answered {a.status}: {a.text(200)}")
            if not a.body.startswith((b"\x89PNG", b"\xff\xd8\xff", b"RIFF")):
                raise Failed(f"the {what}'s signed URL answered 200 but not an image ({a.headers.get('content-type')})")
            sizes.append(f"the {what}: {len(a.body)} bytes of {a.headers.get('content-type')}")
        return None, ", ".join(sizes)

    def tampered(self, result, upload):
        url = urllib.parse.urlsplit(result["url"])
        parts = url.query.split("&")
        sig = [i for i, p in enumerate(parts) if p.startswith("Signature=")]
        if not sig:
            raise Failed("the result's URL has no Signature parameter")
        value = parts[sig[0]][len("Signature="):]
        i = len(value) // 2
        parts[sig[0]] = "Signature=" + value[:i] + ("B" if value[i] == "A" else "A") + value[i + 1:]
        other = urllib.parse.urlsplit(upload["url"]).path
        cases = [
            ("one character of the Signature changed", url._replace(query="&".join(parts)).geturl()),
            ("the result's signature on the upload's path", url._replace(path=other).geturl()),
            ("no signature", url._replace(query="").geturl()),
        ]
        for what, tampered_url in cases:
            a = self.call("GET", tampered_url, auth=False)
            if a.status != 403:
                raise Failed(f"{what}: answered {a.status}, expected 403")
        return None, "; ".join(what for what, _ in cases) + ": each answers 403"

    def cleanup(self):
        self.deadline = max(self.deadline, time.monotonic() + CLEANUP_GRACE_S)
        for asset_id in reversed(self.made):
            a = self.call("DELETE", f"/api/assets/{asset_id}")
            if a.status not in (204, 404):
                raise Failed(f"DELETE /api/assets/{asset_id} answered {a.status}: {a.text(200)}")
            # A delete goes to the trash, where it still counts: purge it for good.
            a = self.call("DELETE", f"/api/trash/{asset_id}")
            if a.status not in (204, 404):
                raise Failed(f"DELETE /api/trash/{asset_id} answered {a.status}: {a.text(200)}")
        return None, f"deleted the {len(self.made)} asset(s) it made, for good"

    # ---- the journey ----------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        cfg = self.check("config.json names the Cognito user pool", self.config)
        self.check("security headers on /", self.headers, "/", cfg)
        self.check("security headers on /api/health", self.headers, "/api/health", cfg)
        self.check("webhook refuses an unsigned delivery", self.webhook)
        try:
            signed_in = self.step("Cognito sign-in", cfg, self.sign_in, cfg)
            me = self.step("GET /api/me", signed_in, self.me)
            # The price is read, and refused over the cap, before anything is made or spent.
            picked = self.step("price of the cheapest restoration", me, self.pick_model, me)
            source = self.step("upload and complete", picked, self.upload)
            result = self.step("one restoration", source, lambda: self.restore(picked[0], picked[1], source))
            self.step("signed media URLs answer 200", result, self.media, result, source)
            self.step("tampered media URLs answer 403", result, self.tampered, result, source)
        finally:
            if self.made:
                self.check("clean up", self.cleanup)
        return self.summary(started)

    def summary(self, started):
        failed = self.results.count(False)
        spent = usd(self.spent) if self.spent is not None else "$0"
        if self.unsettled is not None:
            spent = f"up to {usd(self.unsettled)} (a job has not settled)"
        print(f"{self.results.count(True)} passed, {failed} failed, {self.results.count(None)} not run; "
              f"spent {spent}; {time.monotonic() - started:.0f} s", flush=True)
        return 1 if failed or None in self.results else 0


def main():
    url, user, password = (os.environ.get(k, "") for k in ("SMOKE_URL", "SMOKE_USERNAME", "SMOKE_PASSWORD"))
    if not (url and user and password):
        print("usage: SMOKE_URL=https://... SMOKE_USERNAME=... SMOKE_PASSWORD=... scripts/smoke.py\n"
              "       (or make smoke URL=https://... USERNAME=... PASSWORD=...)", file=sys.stderr)
        return 2
    if not url.startswith(("http://", "https://")):
        print(f"SMOKE_URL must start with https:// (or http:// for a local stack), not {url!r}", file=sys.stderr)
        return 2
    max_micros = to_micros(os.environ.get("SMOKE_MAX_USD") or "0.05")
    timeout_s = int(os.environ.get("SMOKE_TIMEOUT") or 180)
    if max_micros is None or max_micros < 0 or timeout_s <= 0:
        print("SMOKE_MAX_USD must be a dollar amount and SMOKE_TIMEOUT a number of seconds", file=sys.stderr)
        return 2

    def hard_stop(*_):
        print(f"FAIL  the whole run: still going after {timeout_s + 2 * CLEANUP_GRACE_S} s, stopped", flush=True)
        os._exit(1)

    signal.signal(signal.SIGALRM, hard_stop)
    signal.alarm(timeout_s + 2 * CLEANUP_GRACE_S)
    print(f"smoke: {url} as {user}, at most {usd(max_micros)}, at most {timeout_s} s", flush=True)
    return Smoke(url, user, password, max_micros, timeout_s).run()


if __name__ == "__main__":
    sys.exit(main())
