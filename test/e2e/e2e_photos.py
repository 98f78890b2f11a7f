"""End-to-end tests of review photos through nginx and the media pool: an upload with GPS EXIF
comes back without it, served by nginx with its type, nosniff and a year's cache; the 10 MiB cap
at nginx; refusals through the pool; the media pool serves uploads; the files go with the photo;
backups carry the files and restores bring them back. Images are made with the vips command
(libvips-tools) and EXIF is written by hand."""

import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib

from checks import *  # noqa: F401,F403  the registry, Ctx and the shared checks
from checks import ctl, must, test, user_body

HEX64 = re.compile(r"^/photos/([0-9a-f]{2})/\1[0-9a-f]{62}\.jpg$")


def signup(ctx, tag):
    r = ctx.c.post("/api/users", user_body(ctx.name(tag), tag.capitalize()))
    if r.status != 201:
        raise RuntimeError("sign-up failed: %s" % r.describe())
    return r.json["token"]


def review(ctx, token, park):
    r = ctx.c.post("/api/parks/%d/reviews" % park, {"stars": 5, "title": "Photos", "body": "Look."}, token=token)
    if r.status != 201:
        raise RuntimeError("review failed: %s" % r.describe())
    return r.json["id"]


def vips_jpeg(w, h, sigma=20):
    """A w x h JPEG of noise, made by the vips command."""
    d = tempfile.mkdtemp(prefix="frostbyte-img-")
    try:
        subprocess.run(["vips", "gaussnoise", d + "/n.v", str(w), str(h), "--sigma", str(sigma)], check=True)
        subprocess.run(["vips", "copy", d + "/n.v", d + "/n.jpg[Q=90]"], check=True)
        with open(d + "/n.jpg", "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def with_gps_exif(jpeg):
    """jpeg with an APP1 EXIF block after SOI: a camera model and a GPS position."""
    def entry(tag, typ, count, value):
        return struct.pack("<HHII", tag, typ, count, value)
    tiff = b"II*\x00" + struct.pack("<I", 8)
    tiff += struct.pack("<H", 2) + entry(0x0110, 2, 10, 38) + entry(0x8825, 4, 1, 48) + struct.pack("<I", 0)
    tiff += b"SpyCam 3\x00\x00"  # at 38
    tiff += struct.pack("<H", 2) + entry(1, 2, 2, ord("N")) + entry(2, 5, 3, 78) + struct.pack("<I", 0)
    tiff += struct.pack("<6I", 44, 1, 27, 1, 36, 1)  # at 78
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    return jpeg[:2] + app1 + jpeg[2:]


def png_claiming(w, h):
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b""))


def metadata_segments(jpeg):
    """The APPn and COM markers before the image data."""
    out, at = [], 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF:
        m = jpeg[at + 1]
        if m == 0xDA:
            break
        if 0xE0 <= m <= 0xEF or m == 0xFE:
            out.append(hex(m))
        at += 2 + struct.unpack(">H", jpeg[at + 2:at + 4])[0]
    return out


def upload(ctx, token, rid, data, ctype="image/jpeg", query="alt=A%20view"):
    return ctx.c.request("POST", "/api/reviews/%d/photos?%s" % (rid, query), body=data, token=token, ctype=ctype)


@test
def photo_upload_strips_exif_and_is_served(ctx):
    token = signup(ctx, "ph_a")
    rid = review(ctx, token, 20)
    raw = with_gps_exif(vips_jpeg(1200, 900))
    must(b"SpyCam" in raw and b"Exif" in raw, "the test file has no EXIF")
    r = upload(ctx, token, rid, raw, query="alt=Geysers&caption=Morning")
    ctx.ok(r.status == 201 and r.json["large"]["width"] == 1200 and r.json["thumb"]["width"] == 400
           and r.json["alt"] == "Geysers" and r.json["caption"] == "Morning",
           "POST /api/reviews/{id}/photos through nginx: 201 with both sizes", r.describe())
    if r.status != 201:
        return
    for size in ("thumb", "large"):
        url = r.json[size]["url"]
        f = ctx.c.get(url)
        ctx.ok(HEX64.match(url) and f.status == 200 and f.header("Content-Type") == "image/jpeg"
               and f.header("X-Content-Type-Options") == "nosniff"
               and "max-age=31536000" in (f.header("Cache-Control") or "")
               and "immutable" in (f.header("Cache-Control") or ""),
               "GET %s (%s): nginx serves it as image/jpeg, nosniff, cached a year" % (size, url), f.describe(200))
        ctx.ok(f.body[:2] == b"\xff\xd8" and not metadata_segments(f.body) and b"Exif" not in f.body
               and b"SpyCam" not in f.body,
               "... and the served file has no EXIF, GPS, APP or comment segment",
               str(metadata_segments(f.body)))
    with open(os.path.join(ctx.stack.data, "log", "media.log"), "rb") as f:
        log = f.read().decode("utf-8", "replace")
    ctx.ok("POST /api/reviews/:id/photos 201" in log,
           "the upload was served by the media pool (its log has the line)", log[-500:])

    def loads_libvips(pool):
        found = []
        for pid in ctx.stack.worker_pids(pool):
            with open("/proc/%d/maps" % pid) as f:
                found.append("/libvips.so" in f.read())
        return found
    media, others = loads_libvips("media"), [loads_libvips(p) for p in ("api", "write", "auth", "chat")]
    ctx.ok(media and all(media) and all(o and not any(o) for o in others),
           "only the media pool's workers (frostbyte-media) load libvips; the api, write, auth and chat "
           "workers (frostbyte-fcgi) do not", "media %s, api/write/auth/chat %s" % (media, others))
    g = ctx.c.get("/api/parks/20/photos")
    ctx.ok(g.status == 200 and g.json["items"] and g.json["items"][0]["id"] == r.json["id"],
           "GET /api/parks/20/photos lists it (api pool)", g.describe())
    for bad in ("/photos/", "/photos/ab/", "/photos/../frostbyte.db", "/photos/ab/x.jpg",
                "/photos/frostbyte.db"):
        b = ctx.c.get(bad)
        ctx.ok(b.status == 404, "GET %s: 404 (only hash names are served, no listing)" % bad, b.describe(200))
    d = ctx.c.delete("/api/photos/%d" % r.json["id"], token=token)
    gone = ctx.c.get(r.json["large"]["url"])
    ctx.ok(d.status == 204 and gone.status == 404, "DELETE /api/photos/{id}: 204, and the file is gone (404)",
           d.describe() + gone.describe(200))


@test
def photo_refusals_through_nginx(ctx):
    token = signup(ctx, "ph_b")
    rid = review(ctx, token, 21)
    big = b"\xff\xd8\xff" + b"\x00" * (12 * 1024 * 1024)
    r = upload(ctx, token, rid, big)
    ctx.ok(r.status == 413 and r.json and r.json["error"]["code"] == "payload_too_large",
           "a 12 MB upload: nginx answers 413 payload_too_large in the envelope", r.describe(300))
    r = upload(ctx, token, rid, png_claiming(100000, 100000), ctype="image/png")
    ctx.ok(r.status == 422 and r.json["error"]["code"] == "image_too_large",
           "a PNG claiming 100000 x 100000: 422 image_too_large", r.describe())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = upload(ctx, token, rid, svg, ctype="image/svg+xml")
    ctx.ok(r.status == 415 and r.json["error"]["code"] == "unsupported_media_type", "an SVG: 415", r.describe())
    r = upload(ctx, token, rid, vips_jpeg(64, 64)[:300])
    ctx.ok(r.status == 422 and r.json["error"]["code"] == "invalid_image", "a truncated JPEG: 422 invalid_image",
           r.describe())
    other = signup(ctx, "ph_c")
    r = upload(ctx, other, rid, vips_jpeg(64, 64))
    ctx.ok(r.status == 404 and r.json["error"]["code"] == "not_found", "an upload to someone else's review: 404",
           r.describe())
    r = ctx.c.request("POST", "/api/reviews/%d/photos?alt=x" % rid, body=b"\xff\xd8\xff", ctype="image/jpeg")
    ctx.ok(r.status == 401, "no token: 401", r.describe())
    m = ctx.c.get("/api/media/metrics")
    ctx.ok(m.status == 200 and "frostbyte_http_requests_total" in m.body.decode(),
           "GET /api/media/metrics: the media pool's counters", m.describe(200))


@test
def photo_backup_and_restore(ctx):
    token = signup(ctx, "ph_d")
    rid = review(ctx, token, 22)
    r = upload(ctx, token, rid, vips_jpeg(300, 200, sigma=33))
    if r.status != 201:
        raise RuntimeError("upload failed: %s" % r.describe())
    names = [r.json[s]["url"][len("/photos/"):] for s in ("thumb", "large")]
    bdir = tempfile.mkdtemp(prefix="frostbyte-backups-")
    fresh = tempfile.mkdtemp(prefix="frostbyte-restore-")
    try:
        rc, out = ctl(ctx, "backup", bdir, "2")
        ctx.ok(rc == 0 and all(os.path.exists(os.path.join(bdir, "photos", n)) for n in names),
               "frostbyte-ctl backup copies the photos' files into DIR/photos/", out)
        m = re.search(r"^backup (\S+): integrity ok", out, re.M)
        if not m:
            return
        rc, out = ctl(ctx, "restore", m.group(1),
                      env_extra={"FROSTBYTE_DATABASE": os.path.join(fresh, "frostbyte.db")})
        ctx.ok(rc == 0 and all(os.path.exists(os.path.join(fresh, "photos", n)) for n in names),
               "frostbyte-ctl restore into a fresh folder brings the photos' files back beside it", out)
    finally:
        shutil.rmtree(bdir, ignore_errors=True)
        shutil.rmtree(fresh, ignore_errors=True)
