#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (committed; rerun after changing a source).

Sources: signed webhook bodies in Replicate's prediction shape, the request bodies and cursors
of local/tests/fixtures/bad-requests.json, the built-in catalog and a valid request per model,
small PNG/JPEG/WebP images and the simulator's MP4 fixture. Crash inputs found by the loop are
added by hand as `found-*` files (named after their test in fuzz/tests/found.rs) and kept here.
"""
import base64, hashlib, hmac, json, os, re, struct, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
NOW = 1_763_900_000  # targets/webhook.rs NOW
SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:60]


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def sign(msg_id, ts, body):
    key = base64.b64decode(SECRET[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def webhooks():
    out = "https://replicate.delivery/xezq/a.png"
    bodies = {
        "succeeded-image": {"id": "p1", "model": "google/imagen-4", "version": "hidden", "input": {"prompt": "a cat"},
                            "output": [out], "error": None, "status": "succeeded", "logs": "",
                            "created_at": "2026-11-23T18:00:00Z", "completed_at": "2026-11-23T18:00:09Z",
                            "metrics": {"predict_time": 8.1, "image_count": 1}, "urls": {"get": "https://api.replicate.com/v1/predictions/p1"}},
        "succeeded-video": {"id": "p2", "model": "google/veo-3.1", "output": "https://replicate.delivery/v.mp4",
                            "status": "succeeded", "metrics": {"predict_time": 70.2}},
        "succeeded-text": {"id": "p3", "model": "meta/meta-llama-3-8b-instruct", "output": ["A ", "cat"],
                           "status": "succeeded", "metrics": {"input_token_count": 12, "output_token_count": 40}},
        "failed": {"id": "p4", "status": "failed", "error": "E005: The input was flagged as sensitive", "output": None},
        "canceled": {"id": "p5", "status": "canceled", "data_removed": True},
        "starting": {"id": "p6", "status": "starting"},
        "error-object": {"id": "p7", "status": "failed", "error": {"detail": "x"}},
    }
    for name, b in bodies.items():
        body = json.dumps(b).encode()
        ts = NOW - 30
        write("webhook", f"signed-{name}", f"{SECRET}\nmsg_{name}\n{ts}\n{sign('msg_' + name, ts, body)}\n".encode() + body)
    body = json.dumps(bodies["succeeded-image"]).encode()
    write("webhook", "two-signatures", f"{SECRET}\nmsg_2\n{NOW}\nv1,AAAA {sign('msg_2', NOW, body)}\n".encode() + body)
    write("webhook", "no-signature", f"{SECRET}\nmsg_1\n{NOW}\n\n".encode() + body)
    write("webhook", "made-up-signature", f"{SECRET}\nmsg_1\n{NOW}\nv1,{'A' * 43}=\n".encode() + body)
    write("webhook", "hour-old", f"{SECRET}\nmsg_2\n{NOW - 3600}\n{sign('msg_2', NOW - 3600, body)}\n".encode() + body)
    write("webhook", "timestamp-not-a-number", f"{SECRET}\nmsg_3\nsoon\nv1,x\n".encode() + body)
    write("webhook", "secret-without-prefix", f"{SECRET[6:]}\nmsg_4\n{NOW}\nv2,abc\n{{}}".encode())


ROUTES = {"/api/images/generate": "generate", "/api/images/edit": "edit", "/api/uploads": "upload",
          "/api/assets/batch": "batch", "/api/videos/generate": "video", "/api/prompts/vary": "prompt",
          "/api/prompts/enhance": "prompt", "/api/sets": "sets"}
ULID = "01JAAAAAAAAAAAAAAAAAAAAAAA"


def fill(s, var):
    for k, v in var.items():
        s = s.replace("{" + k + "}", v)
    return re.sub(r"\{[a-z_]+\}", ULID, s) if "{" in s and '"' not in s[:1] else s


def requests_and_cursors():
    corpus = json.load(open(os.path.join(ROOT, "local", "tests", "fixtures", "bad-requests.json")))
    n = 0
    for g in corpus["groups"]:
        for var in g.get("vars") or [{}]:
            for c in g["cases"]:
                path = c["path"]
                for k, v in var.items():
                    path = path.replace("{" + k + "}", v)
                if "cursor=" in path:
                    cur = path.split("cursor=", 1)[1]
                    write("cursor", slug(c["name"].replace("{list}", "")), f"alice-sub-1\n\n{cur}\n01JAAAAAAAAAAAAAAAAAAAAAAA")
                    continue
                if "limit=" in path:
                    lim = path.split("limit=", 1)[1]
                    write("cursor", slug(c["name"].replace("{list}", "")), f"alice-sub-1\n{lim}\n\nk")
                    continue
                route = ROUTES.get(path)
                if route is None:
                    continue
                if "json" in c:
                    body = json.dumps(c["json"]).encode()
                elif "raw" in c:
                    body = c["raw"].encode()
                elif "raw_hex" in c:
                    body = bytes.fromhex(c["raw_hex"])
                elif "raw_repeat" in c:
                    body = "".join(s * k for s, k in c["raw_repeat"]).encode()
                else:
                    continue
                body = re.sub(rb"\{[a-z_]+\}", ULID.encode(), body)
                name = slug(c["name"].replace("{route}", route).replace("{r}", route))
                write("request", f"bad-{route}-{name}", f"{route}\nkey-{n}\n{ULID}\n".encode() + body)
                n += 1
    good = {
        "generate": {"model": "imagen-4", "prompt": "a cat", "options": {"aspect_ratio": "1:1"}},
        "edit": {"model": "nano-banana", "prompt": "make it blue", "source_asset_ids": [ULID]},
        "video": {"model": "veo-3.1", "prompt": "a wave", "options": {"duration": 8}, "start_frame_asset_id": ULID},
        "upload": {"content_type": "image/png", "bytes": 1000, "filename": "cat.png"},
        "batch": {"action": "save", "asset_ids": [ULID]},
        "prompt": {"prompt": "a cat", "model": "imagen-4"},
        "sets": {"prompt": "a cat", "models": ["imagen-4", "nano-banana"], "options": {"aspect_ratio": "1:1"}},
    }
    for route, b in good.items():
        write("request", f"good-{route}", f"{route}\nabc-123\n{ULID}-1\n{json.dumps(b)}")
    for key in ["01JAAAAAAAAAAAAAAAAAAAAAAA", "ASSET#01JA.B", "a", "k" * 64, "k" * 65, "é.ü", ""]:
        write("cursor", f"key-{slug(key) or 'empty'}-{len(key)}", f"alice-sub-1\n24\n\n{key}")
    # Valid cursors of alice's (tag: first 4 bytes of sha256("vn-cursor:alice-sub-1"), hex).
    tag = hashlib.sha256(b"vn-cursor:alice-sub-1").hexdigest()[:8]
    for key in ["01JAAAAAAAAAAAAAAAAAAAAAAA", "2026-11-23#01JA"]:
        c = base64.urlsafe_b64encode(f"{key}.{tag}".encode()).decode().rstrip("=")
        write("cursor", f"valid-{slug(key)}", f"alice-sub-1\n100\n{c}\n{key}")


def catalog():
    text = open(os.path.join(ROOT, "shared", "catalog", "models.json")).read()
    write("catalog", "builtin-catalog", "catalog\n" + text)
    models = json.loads(text)["models"]
    write("catalog", "one-model-catalog", "catalog\n" + json.dumps({"models": models[:1]}))
    for m in models:
        opts = {}
        for name, o in m.get("options", {}).items():
            if o.get("default") is not None:
                opts[name] = o["default"]
            elif o["type"] == "enum":
                opts[name] = o["values"][0]
        kind = m["kinds"][0]
        n = m.get("min_source_images", 1) if kind in ("edit", "restore") else 0
        frames = "1,," if m.get("frames") else ""
        prompt = "" if m.get("prompt") == "none" else "a cat"
        write("catalog", f"request-{m['id']}", f"request\n{kind}\n{m['id']}\n{prompt}\n{n}\n{frames}\n{json.dumps(opts)}")
    write("catalog", "unknown-option", 'request\nimage\nimagen-4\na cat\n0\n\n{"size": "2K"}')
    write("catalog", "reference-frames", 'request\nvideo\nveo-3.1\na wave\n0\n,,2\n{"duration": 4}')


def png(w, h):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\x00" + b"\x80" * (w * 3) for _ in range(h))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def media():
    p = png(3, 2)
    write("media", "png-3x2", p)
    write("media", "png-cut-short", p[:-12])
    write("media", "png-header-only", p[:33])
    jpeg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + \
        bytes.fromhex("ffc0000b080002000301011100") + bytes.fromhex("ffd9")
    write("media", "jpeg-3x2", jpeg)
    vp8l = b"\x2f" + struct.pack("<I", (3 - 1) | ((2 - 1) << 14)) + b"\x00" * 8
    webp = b"RIFF" + struct.pack("<I", 4 + 8 + len(vp8l)) + b"WEBP" + b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    write("media", "webp-3x2", webp)
    write("media", "webp-riff-too-long", webp[:4] + struct.pack("<I", 9999) + webp[8:])
    write("media", "gif", b"GIF89a\x03\x00\x02\x00\x00\x00\x00;")
    mp4 = open(os.path.join(ROOT, "local", "src", "simulator", "fixtures", "veo-4s-9x16.mp4"), "rb").read()
    write("media", "mp4-veo-4s-9x16", mp4)
    write("media", "mp4-first-4k", mp4[:4096])
    write("media", "empty", b"")


if __name__ == "__main__":
    # Everything but the crash inputs kept by hand (`found-*`, each named by a test).
    for d, _, files in os.walk(OUT):
        for f in files:
            if not f.startswith("found-"):
                os.remove(os.path.join(d, f))
    webhooks()
    requests_and_cursors()
    catalog()
    media()
    for t in sorted(os.listdir(OUT)):
        print(t, len(os.listdir(os.path.join(OUT, t))))
