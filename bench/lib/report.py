"""The Markdown summary of a run, and what makes a --smoke run fail."""
import statistics

from cold_phase import VCPU_MB, memory_of


def pct(xs, p):
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(ns):
    return ns / 1e6


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
            req = {"hello": "echo", "health": "GET /api/health", "models-list": "GET /api/models (1 run-times Query)", "me-get": "GET /api/me (1 usage read)", "images-generate": "POST generate (idempotency, quota, job, SQS)", "jobs-list": "GET /api/jobs (1 Query)", "jobs-get": "GET /api/jobs/{id}", "assets-get": "GET /api/assets/{id} (404)", "webhook-replicate": "bad signature → 401 (secret fetched once)", "worker": "SQS msg for unknown job", "reconciler": "scheduled scan", "provider-audit": "scheduled audit"}.get(n, "")
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
