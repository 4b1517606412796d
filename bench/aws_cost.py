"""Prices what one job of each kind makes AWS do (make bench, BENCH_ONLY=awscost).

Reads the counts local/tests/aws_cost.rs wrote (the emulator's meter per function and action,
each invocation's duration), each function's memory and trigger from routes.json and the list
prices of bench/aws-prices.json, and prints markdown: the calls per job, the projected cost of
1,000 jobs of each kind next to their model cost, and the biggest line items.

Money is integer micro-dollars (µ$), computed with Decimal and rounded half up once per figure.
A price "per million" in dollars is, conveniently, µ$ per unit.

    python3 bench/aws_cost.py COUNTS.json [--routes routes.json] [--prices bench/aws-prices.json]
        [--check]   fail (exit 1) unless every job kind made the calls it must make
"""

import argparse
import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30
JOBS = 1000

# S3 request classes (https://aws.amazon.com/s3/pricing/, "Requests & data retrievals").
S3_TIER1 = {"PutObject", "CopyObject", "PostObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "PutObjectTagging", "ListObjects"}
S3_TIER2 = {"GetObject", "HeadObject", "GetObjectTagging"}
S3_STORED = {"PutObject", "PostObject", "UploadPart"}  # request bodies that become stored objects

# Polls of GET /api/jobs/{id} while a job runs: frontend-static/js/jobs.js polls every 1 s for
# 30 s, then every 3 s. Assumed run times on Replicate (not measured here): an image or an edit
# ~10 s (10 polls), a restoration ~5 s (5), an 8 s Veo video ~90 s (30 + 20 = 50); a set's and
# a story's pages poll their own view at about the same cadence, counted as job polls; a prompt
# rewrite answers in its request and an upload needs none.
POLLS = {"image generate": 10, "image edit": 10, "restoration": 5, "video": 50, "compare set": 12, "story": 15}


def d(s):
    return Decimal(str(s))


def micros(x):
    """Decimal µ$ -> integer µ$."""
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def usd(m):
    """Integer µ$ as dollars, 4 decimals (a hundredth of a cent)."""
    return "$" + str((Decimal(m) / Decimal(1_000_000)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def usd6(m):
    """Integer µ$ as dollars: 4 decimals, or to the micro-dollar when that is less."""
    return usd(m) if m % 100 == 0 else "$" + str((Decimal(m) / Decimal(1_000_000)).quantize(Decimal("0.000001")))


class Prices:
    def __init__(self, p):
        self.checked = p["checked"]
        self.wru = d(p["dynamodb"]["usd_per_million_wru"])  # µ$ per unit
        self.rru = d(p["dynamodb"]["usd_per_million_rru"])
        self.sqs = d(p["sqs"]["usd_per_million_requests"])
        self.s3_tier1 = d(p["s3"]["usd_per_1000_put_copy_post_list"]) * 1000  # µ$ per request
        self.s3_tier2 = d(p["s3"]["usd_per_1000_get_head"]) * 1000
        self.s3_gb_month = d(p["s3"]["usd_per_gb_month"]) * 1_000_000
        self.gb_s = d(p["lambda"]["usd_per_gb_second_arm64"]) * 1_000_000
        self.lambda_req = d(p["lambda"]["usd_per_million_requests"])
        self.api = d(p["api_gateway"]["usd_per_million_http_api_requests"])
        self.cf_gb = d(p["cloudfront"]["usd_per_gb_out"]) * 1_000_000
        self.cf_req = d(p["cloudfront"]["usd_per_10000_https_requests"]) * 100
        self.secret = d(p["secrets_manager"]["usd_per_10000_calls"]) * 100


def counts(row, functions):
    """The billable quantities of one measured job or read."""
    c = dict.fromkeys(("rru_halves", "wru", "index_wru", "sqs", "s3_tier1", "s3_tier2", "s3_in", "s3_out", "stored", "cf_bytes", "cf_requests", "secrets", "invocations", "mb_ms", "api"), 0)
    for r in row["calls"]:
        s, a = r["service"], r["action"]
        if s == "dynamodb":
            c["rru_halves"] += r["rru_halves"]
            c["wru"] += r["wru"]
            c["index_wru"] += r["index_wru"]
        elif s == "sqs":
            c["sqs"] += r["sqs_chunks"]
        elif s == "s3" and r["name"] == "cloudfront":
            c["cf_bytes"] += r["bytes_out"]  # origin fetch: free; the bytes leave through CloudFront
            c["cf_requests"] += r["requests"]
        elif s == "s3":
            c["s3_tier1"] += r["requests"] if a in S3_TIER1 else 0
            c["s3_tier2"] += r["requests"] if a in S3_TIER2 else 0
            c["s3_in"] += r["bytes_in"]
            c["s3_out"] += r["bytes_out"]
            c["stored"] += r["bytes_in"] if a in S3_STORED else 0
        elif s == "secretsmanager":
            c["secrets"] += r["requests"]
    for fn, durations in row["invocations"].items():
        f = functions[fn]
        c["invocations"] += len(durations)
        c["mb_ms"] += sum(durations) * f["memory_mb"]
        c["api"] += len(durations) if f["trigger"] == "http" else 0
    return c


def line_items(row, functions, p):
    """(item, function) -> µ$ (Decimal) for ONE job or read."""
    items = {}

    def add(item, fn, v):
        if v:
            items[(item, fn)] = items.get((item, fn), Decimal(0)) + v

    for r in row["calls"]:
        s, a, fn = r["service"], r["action"], r["name"]
        if s == "dynamodb":
            add("DynamoDB writes", fn, d(r["wru"]) * p.wru)
            add("DynamoDB index writes", fn, d(r["index_wru"]) * p.wru)
            add("DynamoDB reads", fn, d(r["rru_halves"]) / 2 * p.rru)
        elif s == "sqs":
            add("SQS requests", fn, d(r["sqs_chunks"]) * p.sqs)
        elif s == "s3" and fn == "cloudfront":
            add("CloudFront transfer out", fn, d(r["bytes_out"]) / GIB * p.cf_gb)
            add("CloudFront requests", fn, d(r["requests"]) * p.cf_req)
        elif s == "s3":
            if a in S3_TIER1:
                add("S3 PUT/COPY/POST/LIST", fn, d(r["requests"]) * p.s3_tier1)
            elif a in S3_TIER2:
                add("S3 GET/HEAD", fn, d(r["requests"]) * p.s3_tier2)
            if a in S3_STORED:
                add("S3 storage (1 month)", fn, d(r["bytes_in"]) / GIB * p.s3_gb_month)
        elif s == "secretsmanager":
            add("Secrets Manager (cold starts)", fn, d(r["requests"]) * p.secret)
    for fn, durations in row["invocations"].items():
        f = functions[fn]
        add("Lambda compute", fn, d(sum(durations) * f["memory_mb"]) / 1024 / 1000 * p.gb_s)
        add("Lambda requests", fn, d(len(durations)) * p.lambda_req)
        if f["trigger"] == "http":
            add("API Gateway requests", fn, d(len(durations)) * p.api)
    return items


GROUPS = [
    ("DynamoDB", ("DynamoDB writes", "DynamoDB index writes", "DynamoDB reads")),
    ("SQS", ("SQS requests",)),
    ("S3 requests", ("S3 PUT/COPY/POST/LIST", "S3 GET/HEAD")),
    ("S3 storage, 1 month", ("S3 storage (1 month)",)),
    ("Lambda", ("Lambda compute", "Lambda requests")),
    ("API Gateway", ("API Gateway requests",)),
    ("CloudFront", ("CloudFront transfer out", "CloudFront requests")),
    ("Secrets Manager", ("Secrets Manager (cold starts)",)),
]


def report(data, functions, p):
    rows = data["kinds"]
    out = []
    out.append("Calls of ONE job or read (DynamoDB request units as on-demand bills them, \"idx\": the global secondary indexes' share of the WRU; Lambda GB-s from the measured durations at each function's memory_mb):")
    out.append("")
    out.append("| job or read | DDB RRU | DDB WRU (idx) | SQS req | S3 PUT-class | S3 GET-class | S3 MiB in / out | Lambda inv. | Lambda GB-s | API req | model cost |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        c = counts(r, functions)
        gbs = (Decimal(c["mb_ms"]) / 1024 / 1000).quantize(Decimal("0.001"))
        mib = lambda b: (Decimal(b) / (1 << 20)).quantize(Decimal("0.01"))  # noqa: E731
        out.append(
            f"| {r['kind']} | {Decimal(c['rru_halves']) / 2} | {c['wru'] + c['index_wru']} ({c['index_wru']}) | {c['sqs']} | {c['s3_tier1']} | {c['s3_tier2']} "
            f"| {mib(c['s3_in'])} / {mib(c['s3_out'] + c['cf_bytes'])} | {c['invocations']} | {gbs} | {c['api']} | {usd6(r['model_cost_micros'])} |"
        )
    out.append("")
    poll = next((r for r in rows if r["kind"] == "one job poll"), None)
    poll_items = line_items(poll, functions, p) if poll else {}
    poll_cost = sum(poll_items.values(), Decimal(0))
    out.append(f"Projected AWS cost of 1,000 of each at the list prices of bench/aws-prices.json (us-east-1, checked {p.checked}, no free tier), next to the model cost (the catalog price the user pays). \"+ polls\": the job's page polling it (POLLS in bench/aws_cost.py), at the cost of one measured poll:")
    out.append("")
    out.append("| 1,000 × | " + " | ".join(g for g, _ in GROUPS) + " | **AWS total** | + polls | model cost | AWS / model |")
    out.append("|---|" + "---:|" * (len(GROUPS) + 4))
    biggest = []
    for r in rows:
        items = line_items(r, functions, p)
        cells = [micros(sum((v for (i, _), v in items.items() if i in names), Decimal(0)) * JOBS) for _, names in GROUPS]
        total = micros(sum(items.values(), Decimal(0)) * JOBS)
        polls = next((n for k, n in POLLS.items() if r["kind"].startswith(k)), 0) if r["unit"] == "job" else 0
        with_polls = total + micros(poll_cost * polls * JOBS)
        model = r["model_cost_micros"] * JOBS
        share = f"{(Decimal(with_polls) * 100 / model).quantize(Decimal('0.01'))} %" if model else "–"
        out.append(f"| {r['kind']} | " + " | ".join(usd(x) for x in cells) + f" | **{usd(total)}** | {usd(with_polls)} ({polls}) | {usd(model)} | {share} |")
        top = sorted(items.items(), key=lambda kv: -kv[1])[:3]
        biggest.append((r["kind"], total, [(i, fn, micros(v * JOBS)) for (i, fn), v in top]))
    out.append("")
    out.append("Biggest line items (per 1,000, the function that makes the calls):")
    out.append("")
    for kind, total, top in biggest:
        named = "; ".join(f"{i} ({fn}) {usd(m)} = {Decimal(m * 100) / Decimal(total or 1):.0f} %" for i, fn, m in top)
        out.append(f"- {kind}: {named}")
    idle = sum(i["requests"] for r in rows for i in r.get("idle", []))
    out.append("")
    out.append(f"Not per job: the SQS poller's empty receives ({idle} during this run) are the event source mapping's idle traffic, counted apart.")
    return "\n".join(out) + "\n"


def check(data):
    """The harness can't rot unseen: every job kind made the calls it must make."""
    problems = []
    for r in data["kinds"]:
        services = {c["service"] for c in r["calls"]}
        if not r["invocations"] and not r.get("cdn_bytes"):
            problems.append(f"{r['kind']}: no function ran")
        if r.get("cdn_bytes") and not any(c["name"] == "cloudfront" and c["bytes_out"] for c in r["calls"]):
            problems.append(f"{r['kind']}: no origin fetch counted")
        if r["unit"] == "job" and not any(c["wru"] for c in r["calls"]):
            problems.append(f"{r['kind']}: no DynamoDB write counted")
        makes_files = r["unit"] == "job" and not r["kind"].startswith("prompt")
        if makes_files and "s3" not in services:
            problems.append(f"{r['kind']}: no S3 request counted")
        if makes_files and not r["kind"].startswith("upload") and "sqs" not in services:
            problems.append(f"{r['kind']}: no SQS request counted")
        if any(any(ms <= 0 for ms in v) for v in r["invocations"].values()):
            problems.append(f"{r['kind']}: an invocation of 0 ms")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("counts")
    ap.add_argument("--routes", default=str(ROOT / "routes.json"))
    ap.add_argument("--prices", default=str(ROOT / "bench" / "aws-prices.json"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    data = json.loads(Path(a.counts).read_text())
    functions = json.loads(Path(a.routes).read_text())["functions"]
    problems = check(data)
    if problems:
        print("aws cost: " + "\n  ".join(["the counts are incomplete:"] + problems), file=sys.stderr)
        if a.check:
            sys.exit(1)
    sys.stdout.write(report(data, functions, Prices(json.loads(Path(a.prices).read_text()))))


if __name__ == "__main__":
    main()
