"""Cold requests over TLS (what a user waits for): fresh processes, AWS calls through the
keep-alive TLS proxy, optionally with the CPU capped by a cgroup at each memory size's share."""
import json
import os
import random
import sys
from pathlib import Path

from bench_common import ROOT, fake_ulid
from bench_events import worker_event
from function_env import lambda_env
from processes import run_cold, run_process

VCPU_MB = 1769  # Lambda gives one full vCPU at 1769 MB, and CPU in proportion to memory


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
                    return lambda: worker_event(jobs.pop() if jobs else fake_ulid())
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
