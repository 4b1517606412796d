"""After the Locust run (`scripts/load.sh`): settle, check, report. Exits 1 on any failure.

1. Waits until every job answered 202 is final (the stack's worker, webhooks and reconciler
   run meanwhile), reading each account's job list through the API, up to LOAD_SETTLE_S.
2. Checks:
   - errors 0: every answer was 200/202, or 429 rate_limited with Retry-After (counted apart);
   - jobs lost 0: every 202 job id is in its owner's job list and final (succeeded, or failed
     or canceled with an error code and message); and no job exists that no 202 announced;
   - money, in integer micro-dollars straight from DynamoDB (the emulator): per user, the
     month item's `spent_micros` = the sum of `cost_micros` of their succeeded jobs, `count` =
     the number of succeeded jobs, no cost on a job that did not succeed, and no reservation
     left (`committed_micros` = `spent_micros`).
3. Prints p50/p99 per route (every request the Locust run saw), requests, outcomes, errors, jobs created/final/lost.

Usage: check.py DUMP.json STACK_STATE.json BASE_URL
"""

import json
import math
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3
from boto3.dynamodb.conditions import Key

FINAL = {"succeeded", "failed", "canceled"}


def api(base, token, path):
    req = urllib.request.Request(base + path, headers={"authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None


def all_jobs(base, token):
    """Every job of the token's user, through the API's pages; None if a page failed."""
    out, cursor = {}, None
    while True:
        path = "/api/jobs?limit=100" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        status, body = api(base, token, path)
        if status != 200:
            return None
        for j in body["jobs"]:
            out[j["id"]] = j
        cursor = body.get("next_cursor")
        if not cursor:
            return out


def classify(outcomes):
    ok, limited, errors = Counter(), Counter(), Counter()
    for key, n in outcomes.items():
        route, status, code = key.rsplit(" ", 2)
        if status in ("200", "202") and code == "-":
            ok[route] += n
        elif status == "429" and code == "rate_limited":
            limited[route] += n
        else:
            errors[key] += n
    return ok, limited, errors


def pct(sorted_ms, p):
    """Nearest-rank percentile."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def stats_table(dump):
    """Per route: requests, failures, p50, p99, max, from every request of the run."""
    lines = ["| route | requests | failures | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    every = []
    for name in sorted(dump["latency_ms"]):
        ms = sorted(dump["latency_ms"][name])
        every += ms
        lines.append(
            f"| {name} | {len(ms)} | {dump['failures'].get(name, 0)} | {pct(ms, 50):.0f} | {pct(ms, 99):.0f} | {ms[-1]:.0f} |"
        )
    every.sort()
    total_failures = sum(dump["failures"].values())
    if every:
        lines.append(
            f"| **all** | {len(every)} | {total_failures} | {pct(every, 50):.0f} | {pct(every, 99):.0f} | {every[-1]:.0f} |"
        )
    return "\n".join(lines), total_failures


def main():
    dump_path, state_path, base = sys.argv[1:4]
    settle_s = float(os.environ.get("LOAD_SETTLE_S", "1200"))
    dump = json.load(open(dump_path))
    state = json.load(open(state_path))
    sessions = {s["name"]: s for s in dump["sessions"]}
    jobs = dump["jobs"]
    by_account = {}
    for j in jobs:
        by_account.setdefault(j["account"], set()).add(j["id"])
    problems = []

    # 1. settle
    t0 = time.monotonic()
    seen = {}  # account -> {job id -> job}

    def poll(name):
        return name, all_jobs(base, sessions[name]["token"])

    # Polled gently (4 at a time, every LOAD_POLL_S): the poll shares the emulator with the
    # worker it is waiting for.
    poll_s = float(os.environ.get("LOAD_POLL_S", "10"))
    pending = set(by_account)
    with ThreadPoolExecutor(4) as pool:
        while pending and time.monotonic() - t0 < settle_s:
            for name, listed in pool.map(poll, sorted(pending)):
                if listed is None:
                    continue
                seen[name] = listed
                if all(i in listed and listed[i]["status"] in FINAL for i in by_account[name]):
                    pending.discard(name)
            if pending:
                time.sleep(poll_s)
    settle_took = time.monotonic() - t0

    # 2a. jobs lost / final / unannounced
    statuses, failed_reasons = Counter(), Counter()
    lost, unannounced = [], []
    for name, ids in by_account.items():
        listed = seen.get(name, {})
        for i in ids:
            j = listed.get(i)
            if j is None or j["status"] not in FINAL:
                lost.append((name, i, j["status"] if j else "missing"))
                continue
            statuses[j["status"]] += 1
            if j["status"] != "succeeded":
                err = j.get("error") or {}
                if not err.get("code") or not err.get("message"):
                    lost.append((name, i, f"{j['status']} without a reason"))
                failed_reasons[f"{j['status']}: {err.get('code')}"] += 1
        unannounced += [(name, i) for i in listed if i not in ids]
    for name in sessions:
        if name not in by_account:
            status, body = api(base, sessions[name]["token"], "/api/jobs?limit=1")
            if status == 200 and body["jobs"]:
                unannounced.append((name, body["jobs"][0]["id"]))
    if lost:
        problems.append(f"{len(lost)} jobs lost or not final after {settle_s:.0f} s, e.g. {lost[:5]}")
    if unannounced:
        problems.append(f"{len(unannounced)} jobs exist that no 202 announced, e.g. {unannounced[:5]}")

    # 2b. money, integer micros from DynamoDB
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=state["moto_url"],
        region_name=state["pool"].get("region", "us-east-1"),
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    usage_t = ddb.Table(state["usage_table"])
    jobs_t = ddb.Table(state["usage_table"][: -len("usage")] + "jobs")
    money_ok = 0
    for name, s in sessions.items():
        items, kw = [], {"KeyConditionExpression": Key("user_id").eq(s["sub"]), "ConsistentRead": True}
        while True:
            page = jobs_t.query(**kw)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        spent = sum(int(j.get("cost_micros", 0)) for j in items if j["status"] == "succeeded")
        succeeded = sum(1 for j in items if j["status"] == "succeeded")
        stray = [j["job_id"] for j in items if j["status"] != "succeeded" and int(j.get("cost_micros", 0) or 0)]
        months = {j.get("quota_period") for j in items if j.get("quota_period")}
        m_spent = m_committed = m_count = 0
        for p in months:
            m = usage_t.get_item(Key={"user_id": s["sub"], "period": f"month#{p}"}, ConsistentRead=True).get("Item", {})
            m_spent += int(m.get("spent_micros", 0))
            m_committed += int(m.get("committed_micros", 0))
            m_count += int(m.get("count", 0))
        bad = []
        if m_spent != spent:
            bad.append(f"spent_micros {m_spent} != sum of succeeded jobs' cost_micros {spent}")
        if m_count != succeeded:
            bad.append(f"count {m_count} != {succeeded} succeeded jobs")
        if m_committed != m_spent:
            bad.append(f"reservation left: committed_micros {m_committed} != spent_micros {m_spent}")
        if stray:
            bad.append(f"cost on jobs that did not succeed: {stray[:3]}")
        if bad:
            problems.append(f"{name}: " + "; ".join(bad))
        else:
            money_ok += 1

    # 3. report
    ok, limited, errors = classify(dump["outcomes"])
    table, locust_failures = stats_table(dump)
    n_errors = max(sum(errors.values()), locust_failures)
    if not jobs or not sessions or sum(ok.values()) <= len(jobs):
        problems.append("the run did nothing worth checking: no job created, or no read answered")
    if n_errors:
        problems.append(f"{n_errors} errors: {dict(errors)}; first: {dump['errors'][:3]}")
    print("\n## Load run: per route (ms, every request, from Locust's request events)\n")
    print(table)
    print()
    print(f"requests ok: {sum(ok.values())}; 429 rate_limited with Retry-After (expected, not errors): "
          f"{sum(limited.values())} {dict(limited) if limited else ''}")
    print(f"errors (5xx, unexpected 4xx, timeouts, bad bodies): {n_errors}")
    print(f"accounts: {len(sessions)} logged in; usage = sum of succeeded costs and no reservation left: "
          f"{money_ok}/{len(sessions)}")
    print(f"jobs created (202): {len(jobs)}; final: {sum(statuses.values())} {dict(statuses)}; lost: {len(lost)}; "
          f"not announced: {len(unannounced)}; settled {settle_took:.0f} s after the run")
    if failed_reasons:
        print(f"failed/canceled jobs by reason: {dict(failed_reasons)}")
    if problems:
        print("\nLOAD CHECK FAILED:")
        for p in problems:
            print(f"  - {p}")
        sys.exit(1)
    print("load check passed: 0 errors, 0 jobs lost, usage matches, no reservation left")


if __name__ == "__main__":
    main()
