"""The parts of scripts/smoke.py that are not the journey: HTTP answers, the security headers
infra/security-headers.json asks for, a PNG drawn here, the upload form, money. Standard
library only."""
import json
import struct
import urllib.request
import uuid
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

HEADERS_FILE = Path(__file__).resolve().parent.parent.parent / "infra" / "security-headers.json"


class Failed(Exception):
    """A check failed; the message says why (already free of secrets)."""


class TimeUp(Exception):
    """The run's time limit was reached."""


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self, default=None):
        try:
            return json.loads(self.body, parse_float=Decimal)
        except ValueError:
            if default is not None:
                return default
            raise Failed(f"answered {self.status} with a body that is not JSON: {self.text(120)}") from None

    def text(self, n):
        t = self.body.decode("utf-8", "replace").strip()
        return t[:n] + ("…" if len(t) > n else "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Statuses as the site answers them: a redirect is reported, not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


def expected_headers(cognito_endpoint, https):
    """(header, check) from infra/security-headers.json, rendered as the gateway and CloudFront do."""
    src = json.loads(HEADERS_FILE.read_text())
    # Without config.json's endpoint, a directive naming Cognito is checked up to that host.
    endpoint = cognito_endpoint.rstrip("/")
    csp = [d.replace("{cognito}", endpoint) if endpoint else d.split("{cognito}")[0] for d in src["content_security_policy"]]
    if https:
        csp += src["content_security_policy_https_only"]
    hsts = src["strict_transport_security"]
    xss = src["xss_protection"]
    xss_value = "0" if not xss["protection"] else "1; mode=block" if xss["mode_block"] else "1"

    def norm(v):
        return " ".join(v.replace(";", "; ").split()).lower()

    def present(value):
        return "is missing" if value is None else None

    def equals(want):
        return lambda v: present(v) or (None if norm(v) == norm(want) else f"is {v!r}, expected {want!r}")

    def csp_check(v):
        have = {norm(d) for d in (v or "").split(";") if d.strip()}
        missing = [d for d in csp if norm(d) not in have and not any(h.startswith(norm(d) + " ") for h in have if not endpoint)]
        return present(v) or (f"lacks {missing}" if missing else None)

    def hsts_check(v):
        parts = {norm(p) for p in (v or "").split(";")}
        want = [f"max-age={hsts['max_age_s']}"] + ["includesubdomains"] * hsts["include_subdomains"] + ["preload"] * hsts["preload"]
        missing = [w for w in want if w not in parts]
        return present(v) or (f"lacks {missing}" if missing else None)

    return [
        ("content-security-policy", csp_check),
        ("strict-transport-security", hsts_check),
        ("x-frame-options", equals(src["frame_options"])),
        ("x-content-type-options", equals(src["content_type_options"])),
        ("referrer-policy", equals(src["referrer_policy"])),
        ("x-xss-protection", equals(xss_value)),
    ]


def draw_png(w, h):
    """A real RGB PNG (a colour gradient), made here so the smoke carries no binary."""
    rows = b"".join(b"\x00" + bytes(c for x in range(w) for c in (x * 4 % 256, y * 4 % 256, (x + y) * 2 % 256)) for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def multipart(fields, data):
    """The presigned POST as a browser sends it: every field, then the file as the last part."""
    boundary = f"----vn-smoke-{uuid.uuid4().hex}"
    out = b""
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    out += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="smoke.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
    out += data + f"\r\n--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def to_micros(value):
    try:
        return None if value is None else int((Decimal(str(value)) * 1_000_000).to_integral_value())
    except InvalidOperation:
        return None


def run_price_micros(model):
    """What one restoration run costs at most (per run, or per image for its one image)."""
    price = model.get("price") or {}
    if price.get("per") not in ("run", "image"):
        return None
    candidates = [price.get("usd")] + [v for o in (price.get("by_option") or {}).values() for v in o.values()]
    micros = [to_micros(c) for c in candidates]
    return None if None in micros else max(micros)


def usd(micros):
    return "unknown" if micros is None else "$" + format(Decimal(micros).scaleb(-6).normalize(), "f")


def short(value):
    return json.dumps(value, default=str)[:300]
