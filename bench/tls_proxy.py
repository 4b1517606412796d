"""A test CA and a keep-alive TLS proxy on 127.0.0.1, for the cold-request phase of
bench/lambda_bench.py.

* The CA: a root and an intermediate (RSA 2048, like the chains AWS endpoints present), and a
  leaf for IP 127.0.0.1. Made fresh for every run in a temporary directory; nothing is kept.
  Shipped builds compile their roots in and never trust it: bench builds of vn-lambda have the
  `bench-ca` feature, which adds the file named by VN_BENCH_CA_FILE (shared/src/tls.rs). Builds
  that still load the system store (the "before" column) get SSL_CERT_FILE: the system bundle
  plus this CA.
* The proxy: HTTPS with HTTP/1.1 keep-alive in front of moto. moto answers `Connection: close`,
  which would make every request a new TLS handshake; a real AWS endpoint keeps the connection.
  Paths under /v1/ are answered as Replicate's API would (create prediction), so the worker's
  cold request includes its Replicate call over TLS too.
"""
import datetime
import http.client
import json
import socket
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}


def make_ca(dir_):
    """Writes ca.pem (root), chain.pem (leaf + intermediate), key.pem; returns their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    dir_ = Path(dir_)
    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Visual Neurons bench"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(subject, subject_key, issuer, issuer_key, ca, path_len=None, ip=None):
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(subject_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        )
        if ca:
            b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        else:
            b = b.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(ip))]), critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    rk, ik, lk = key(), key(), key()
    root = cert(name("bench root CA"), rk, name("bench root CA"), rk, True, 1)
    inter = cert(name("bench intermediate CA"), ik, root.subject, rk, True, 0)
    leaf = cert(name("127.0.0.1"), lk, inter.subject, ik, False, ip="127.0.0.1")
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    (dir_ / "ca.pem").write_bytes(pem(root))
    (dir_ / "chain.pem").write_bytes(pem(leaf) + pem(inter))
    (dir_ / "key.pem").write_bytes(lk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    (dir_ / "system-plus-ca.pem").write_bytes((system.read_bytes() if system.exists() else b"") + pem(root))
    return {"ca": str(dir_ / "ca.pem"), "chain": str(dir_ / "chain.pem"), "key": str(dir_ / "key.pem"), "bundle": str(dir_ / "system-plus-ca.pem")}


class TlsProxy:
    """HTTPS (keep-alive) on 127.0.0.1:<port> → plain HTTP to moto, one upstream connection per
    request (moto closes them). Counts the TLS handshakes it accepted."""

    def __init__(self, certs, moto_port):
        self.moto_port = moto_port
        self.handshakes = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                proxy.handshakes += 1
                # Like a real endpoint: no Nagle delay on small responses (a header and a body
                # written separately would otherwise wait for a delayed ACK, ~40 ms).
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                super().setup()

            def _body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status, reason, headers, data):
                self.send_response_only(status, reason)
                for k, v in headers:
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                if self.command != "HEAD":
                    self._headers_buffer.append(b"\r\n" + data)  # headers and body in one write
                    self.flush_headers()
                else:
                    self.end_headers()

            def _any(self):
                body = self._body()
                if self.path.startswith("/v1/"):  # Replicate's API
                    if self.command == "POST" and self.path.endswith("/predictions"):
                        model = self.path[len("/v1/models/"):-len("/predictions")]
                        p = {"id": "bench" + uuid.uuid4().hex[:20], "model": model, "version": "hidden", "input": {}, "output": None, "error": None, "status": "starting", "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(), "urls": {}}
                        return self._reply(201, "Created", [("Content-Type", "application/json")], json.dumps(p).encode())
                    return self._reply(404, "Not Found", [("Content-Type", "application/json")], b'{"detail":"not found"}')
                c = http.client.HTTPConnection("127.0.0.1", proxy.moto_port, timeout=60)
                try:
                    c.request(self.command, self.path, body=body, headers={k: v for k, v in self.headers.items() if k.lower() not in HOP})
                    r = c.getresponse()
                    data = r.read()
                    self._reply(r.status, r.reason, r.getheaders(), data)
                finally:
                    c.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certs["chain"], certs["key"])
        ctx.set_alpn_protocols(["http/1.1"])
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
