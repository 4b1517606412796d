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

The parts live in bench/lib/: runtime_api (the Runtime API and the canary), bench_events (the
requests), function_env (the environment), processes (spawning and timing a binary), moto_setup
(the emulator and its resources), cold_phase (cold requests over TLS, the cgroup cross-check),
report (the summary and the smoke verdict).
"""
import argparse
import asyncio
import json
import random
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from bench_events import Events  # noqa: E402
from cold_phase import cold_phase  # noqa: E402
from function_env import EXTRA_ENV, lambda_env  # noqa: E402
from moto_setup import create_resources, moto_rtt, start_moto  # noqa: E402
from processes import run_process  # noqa: E402
from report import ms, pct, smoke_problems, summarize  # noqa: E402
from runtime_api import Canary  # noqa: E402


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
