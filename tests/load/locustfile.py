"""The mixed load run (issue #13): Locust users against the local gateway (`scripts/load.sh`).

Each Locust user takes one of the accounts `scripts/load.sh` created (LOAD_ACCOUNTS_FILE, a JSON
list of {"name", "password"}), logs in once through the emulator's Cognito like the browser does,
then mixes reads (me, models, assets list, jobs list, jobs get, usage, sets list) with
generations (cheap image models) and restorations of its own results (an edit with
`real-esrgan`).

Outcomes are judged here, not by Locust's defaults:
- reads expect 200, generations and edits 202;
- a 429 `rate_limited` that carries `Retry-After` is an expected answer of the per-user start
  limit or of a busy store: it is counted on its own (`limited`), the user backs off for the
  time it names, and it is not an error;
- anything else (any 5xx, any other 4xx, a timeout, a body that is not the documented shape)
  is an error, recorded with its route, status and the start of its body.

Generations are spread below JOB_STARTS_PER_MINUTE: a user starts at most one job every
LOAD_MIN_GAP_S seconds (default 4, so at most 15 a minute against the limit's 30).

At the end of the run everything the checker needs is written to LOAD_OUT: the accounts with
their token and `sub`, every job id answered 202, the outcome counts and the errors.
"""

import itertools
import json
import os
import random
import threading
import time
from collections import Counter

from locust import HttpUser, between, events, task

ACCOUNTS = json.load(open(os.environ["LOAD_ACCOUNTS_FILE"]))
OUT = os.environ["LOAD_OUT"]
MIN_GAP_S = float(os.environ.get("LOAD_MIN_GAP_S", "4"))
TIMEOUT_S = float(os.environ.get("LOAD_TIMEOUT_S", "60"))

GEN_MODELS = ["imagen-4-fast", "seedream-4", "nano-banana"]
EDIT_MODEL = "real-esrgan"
PROMPTS = ["a lighthouse at dusk", "an owl reading a map", "a bowl of ramen, top view", "a red bicycle in the rain"]

_next_account = itertools.count()
_lock = threading.Lock()
SESSIONS = {}  # account name -> {"name", "sub", "token"}
JOBS = []  # {"id", "account", "route", "model"}
OUTCOMES = Counter()  # "route status code" -> count
ERRORS = []  # first errors, for the report
LATENCY = {}  # route -> [ms], every request Locust saw (its CSV misses those of the graceful stop)
FAILURES = Counter()  # route -> requests Locust counted as failed (exceptions, r.failure())


def _record(route, status, code, error=None):
    with _lock:
        OUTCOMES[f"{route} {status} {code or '-'}"] += 1
        if error is not None and len(ERRORS) < 50:
            ERRORS.append({"route": route, "status": status, "detail": error})


def _code(resp):
    try:
        return resp.json().get("error", {}).get("code")
    except Exception:
        return None


class StudioUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        acct = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.account = acct["name"]
        self.assets = []  # ids of this user's own results, to restore
        self.jobs = []  # ids of this user's jobs
        self.next_start = time.monotonic() + random.uniform(0, MIN_GAP_S)
        with _lock:
            known = SESSIONS.get(self.account)
        if known:
            self.token = known["token"]
            return
        cfg = self.client.get("/config.json", name="GET /config.json", timeout=TIMEOUT_S).json()
        with self.client.post(
            cfg["cognito"]["endpoint"],
            name="login (emulated Cognito)",
            timeout=TIMEOUT_S,
            catch_response=True,
            headers={
                "content-type": "application/x-amz-json-1.1",
                "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
            },
            data=json.dumps(
                {
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": cfg["cognito"]["client_id"],
                    "AuthParameters": {"USERNAME": acct["name"], "PASSWORD": acct["password"]},
                }
            ),
        ) as r:
            token = (r.json() if r.status_code == 200 else {}).get("AuthenticationResult", {}).get("IdToken")
            if not token:
                r.failure(f"login {r.status_code}")
                _record("login", r.status_code, None, r.text[:200])
                raise RuntimeError(f"login of {acct['name']} failed: {r.status_code}")
        self.token = token
        me = self._get("/api/me", "GET /api/me")
        with _lock:
            SESSIONS[self.account] = {"name": self.account, "sub": me["user"]["id"] if me else None, "token": token}

    # ---- requests ---------------------------------------------------------------------------

    def _headers(self):
        return {"authorization": f"Bearer {self.token}"}

    def _get(self, path, route):
        """A read: 200 and a JSON object, else an error. Returns the body or None."""
        with self.client.get(path, name=route, headers=self._headers(), timeout=TIMEOUT_S, catch_response=True) as r:
            body = None
            try:
                body = r.json()
            except Exception:
                pass
            if r.status_code == 200 and isinstance(body, dict):
                r.success()
                _record(route, 200, None)
                return body
            r.failure(f"{r.status_code}")
            _record(route, r.status_code, _code(r), r.text[:200])
            return None

    def _start(self, path, route, body):
        """A generation or edit: 202 with a job, or 429 rate_limited with Retry-After."""
        now = time.monotonic()
        if now < self.next_start:
            return self.jobs_list()  # spread starts: read instead
        self.next_start = now + MIN_GAP_S
        with self.client.post(
            path, name=route, headers=self._headers(), json=body, timeout=TIMEOUT_S, catch_response=True
        ) as r:
            code = _code(r)
            if r.status_code == 202:
                job = r.json().get("job", {})
                if not job.get("id") or job.get("status") not in ("queued", "running"):
                    r.failure("202 without a queued job")
                    _record(route, 202, "bad-body", r.text[:200])
                    return
                r.success()
                _record(route, 202, None)
                self.jobs.append(job["id"])
                with _lock:
                    JOBS.append({"id": job["id"], "account": self.account, "route": route, "model": body["model"]})
            elif r.status_code == 429 and code == "rate_limited" and r.headers.get("retry-after", "").isdigit():
                # Expected under load: counted as `limited`, not as an error; honour Retry-After.
                r.success()
                _record(route, 429, "rate_limited")
                self.next_start = time.monotonic() + max(MIN_GAP_S, int(r.headers["retry-after"]))
            else:
                r.failure(f"{r.status_code} {code}")
                _record(route, r.status_code, code, r.text[:200])

    # ---- tasks ------------------------------------------------------------------------------

    @task(3)
    def generate(self):
        model = random.choice(GEN_MODELS)
        body = {"model": model, "prompt": f"{random.choice(PROMPTS)} #{random.randrange(10**6)}"}
        self._start("/api/images/generate", "POST /api/images/generate", body)

    @task(1)
    def restore_own_result(self):
        if not self.assets:
            return self.me()
        body = {"model": EDIT_MODEL, "prompt": "", "source_asset_ids": [random.choice(self.assets)]}
        self._start("/api/images/edit", "POST /api/images/edit", body)

    @task(4)
    def job_get(self):
        if not self.jobs:
            return self.models()
        job_id = random.choice(self.jobs[-5:])
        body = self._get(f"/api/jobs/{job_id}", "GET /api/jobs/{id}")
        if body and body.get("job", {}).get("status") == "succeeded":
            for a in body.get("assets", []):
                if a.get("kind") == "image" and a["id"] not in self.assets:
                    self.assets.append(a["id"])

    @task(3)
    def jobs_list(self):
        self._get("/api/jobs?limit=24", "GET /api/jobs")

    @task(2)
    def assets_list(self):
        self._get("/api/assets?limit=24", "GET /api/assets")

    @task(2)
    def me(self):
        self._get("/api/me", "GET /api/me")

    @task(2)
    def models(self):
        self._get("/api/models", "GET /api/models")

    @task(1)
    def usage(self):
        self._get("/api/usage", "GET /api/usage")

    @task(1)
    def sets_list(self):
        self._get("/api/sets", "GET /api/sets")


@events.request.add_listener
def _on_request(name, response_time, exception=None, **_kwargs):
    with _lock:
        LATENCY.setdefault(name, []).append(response_time)
        if exception is not None:
            FAILURES[name] += 1


@events.test_stop.add_listener
def _dump(**_kwargs):
    with _lock:
        data = {
            "sessions": list(SESSIONS.values()),
            "jobs": list(JOBS),
            "outcomes": dict(OUTCOMES),
            "errors": list(ERRORS),
            "latency_ms": LATENCY,
            "failures": dict(FAILURES),
        }
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
