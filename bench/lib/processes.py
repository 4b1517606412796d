"""A function binary's process under the local Runtime API: spawned, timed (init, each
invocation; CPU from /proc), fed events, killed."""
import asyncio
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

from bench_common import now_ns
from runtime_api import RuntimeApi


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
