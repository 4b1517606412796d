"""The local Lambda Runtime API a function binary talks to, and the canary listener."""
import asyncio
import json
import time

from bench_common import now_ns

API = "/2018-06-01/runtime"


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
