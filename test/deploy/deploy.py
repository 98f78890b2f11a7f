"""test/deploy/deploy.py MODE: scripts/deploy on a bare Debian 12 box booted under systemd, exactly
as docs/operations.md tells an operator, checked from the host over the box's own network.

quick: boot, the release tarball (make dist) unpacked in the box, deploy.conf from
       deploy.conf.example, scripts/deploy; then from the host: HTTPS health and index page,
       sign-up, a review written and read back (and its row), HSTS and CSP, the HTTP redirect,
       IPv6, CORS for an allowed and a refused origin with a cookie write from the allowed one,
       metrics from loopback only, the firewall (22/80/443 through, another port dropped), the
       units, the files' owners and modes, frostbyte-ctl on the PATH.
full:  quick, then rate limits, log rotation, the backup and restore drill, an upgrade that adds
       an origin and moves HTTPS to 8443 (a migration, the health check and firewall follow the
       port), a broken release rolled back by itself (binaries, database, units and nginx
       configuration), and a reboot with every unit up again and the data kept.
Prints TAP; the last lines say how long each phase took.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "test", "e2e"))
sys.path.insert(0, HERE)
from e2elib import Tap  # noqa: E402
import box as boxlib  # noqa: E402

DOMAIN = "frostbyte.test"
PARTNER = "https://partner.example"      # in ORIGINS from the first deploy
LATE = "https://late.example"            # added to ORIGINS by the upgrade
EVIL = "https://evil.example"
SRC = "/root/src"                        # where the operator unpacks the tarballs

tap = Tap()
timings = []


def phase(name, t0):
    timings.append((name, time.monotonic() - t0))


def security_headers():
    """{lower-case name: value} of every add_header in security-headers.conf and hsts.conf."""
    want = {}
    for name in ("security-headers.conf", "hsts.conf"):
        with open(os.path.join(REPO, "nginx-conf", name)) as f:
            for m in re.finditer(r'^add_header\s+(\S+)\s+("([^"]*)"|(\S+))\s+always;', f.read(), re.M):
                want[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(4)
    return want


class Site:
    """curl from the host to the box's nginx, over the veth, with the box's own certificate."""

    def __init__(self, box):
        self.box = box
        self.https_port = 443
        self.http_port = 80

    def curl(self, path, method="GET", headers=(), body=None, scheme="https", v6=False, cookies=None,
             raw=None, ctype="application/json"):
        """body is sent as JSON; raw (bytes) as it is, with Content-Type ctype."""
        port = self.https_port if scheme == "https" else self.http_port
        addr = "[%s]" % self.box.ip6 if v6 else self.box.ip4
        cmd = ["curl", "-sS", "-i", "--max-time", "15", "-X", method, "--noproxy", "*",
               "--cacert", self.box.dir + "/etc/frostbyte/tls/placeholder.pem",
               "--resolve", "%s:%d:%s" % (DOMAIN, port, addr), "%s://%s:%d%s" % (scheme, DOMAIN, port, path)]
        for h in headers:
            cmd += ["-H", h]
        if cookies:
            cmd += ["-b", cookies]
        if body is not None or raw is not None:
            cmd += ["--data-binary", "@-", "-H", "Content-Type: " + ctype]
        data = raw if raw is not None else (json.dumps(body) if body is not None else "").encode()
        p = subprocess.run(cmd, input=data,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if p.returncode != 0:
            return None, {}, p.stderr.decode(errors="replace")
        raw = p.stdout.decode("utf-8", "replace")
        head, _, rest = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        return int(lines[0].split()[1]), hdrs, rest


def in_box(box, script, timeout=600, stdin=None):
    rc, out = box.sh(script, timeout=timeout, stdin=stdin)
    return rc, out


def make_tarball(tree, build, log):
    """`make dist` of TREE in the build folder BUILD: the release tarball an operator copies over."""
    os.makedirs(build, exist_ok=True)
    conf = os.path.join(tree, "configure")
    if not os.path.exists(conf) or os.path.getmtime(conf) < os.path.getmtime(conf + ".ac"):
        p = subprocess.run(["autoreconf", "--install", "--force"], cwd=tree, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise RuntimeError("autoreconf: " + p.stdout.decode(errors="replace")[-2000:])
    if not os.path.exists(os.path.join(build, "Makefile")):
        p = subprocess.run([os.path.join(tree, "configure")], cwd=build, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise RuntimeError("configure: " + p.stdout.decode(errors="replace")[-2000:])
    for old in os.listdir(build):
        if old.endswith(".tar.gz"):
            os.unlink(os.path.join(build, old))
    p = subprocess.run(["make", "dist"], cwd=build, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tars = [n for n in os.listdir(build) if n.endswith(".tar.gz")]
    if p.returncode != 0 or len(tars) != 1:
        raise RuntimeError("make dist: " + p.stdout.decode(errors="replace")[-2000:])
    return os.path.join(build, tars[0])


def variant(tmp, name, edits):
    """A copy of the repository's tracked tree with EDITS ({path: function(text) -> text}) applied."""
    tree = os.path.join(tmp, name)
    os.makedirs(tree)
    subprocess.run("git -C '%s' ls-files -z | (cd '%s' && tar --null -T - -cf -) | tar -C '%s' -xf -"
                   % (REPO, REPO, tree), shell=True, check=True)
    for path, fn in edits.items():
        full = os.path.join(tree, path)
        text = open(full).read() if os.path.exists(full) else ""
        with open(full, "w") as f:
            f.write(fn(text))
    return tree


def deploy_tarball(box, tarball, settings_edit):
    """What docs/operations.md says, in the box as root: unpack the tarball, the settings file
    (installed from deploy.conf.example the first time), then scripts/deploy."""
    shutil.copy(tarball, box.dir + "/root/")
    name = os.path.basename(tarball)
    folder = name[:-len(".tar.gz")]
    script = ("set -e; mkdir -p %s && cd %s && rm -rf %s && tar -xzf /root/%s && cd %s\n"
              "[ -f /etc/frostbyte/deploy.conf ] || "
              "install -D -m 0644 scripts/deploy.conf.example /etc/frostbyte/deploy.conf\n"
              "%s\nscripts/deploy --dry-run\nscripts/deploy\n"
              % (SRC, SRC, folder, name, folder, settings_edit))
    return in_box(box, script, timeout=1500)


def current(box):
    return os.path.realpath(box.dir + "/opt/frostbyte/current").replace(box.dir, "", 1)


def sql(box, query):
    rc, out = in_box(box, "runuser -u frostbyte -- sqlite3 -readonly /var/lib/frostbyte/frostbyte.db %s"
                     % shquote(query), timeout=60)
    return out.strip() if rc == 0 else "error: " + out


def shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def pool_units():
    """The pools' units, as scripts/deploy finds them: systemd/frostbyte-*.service running spawn-fcgi."""
    d = os.path.join(REPO, "systemd")
    return sorted(n[:-len(".service")] for n in os.listdir(d) if n.startswith("frostbyte-")
                  and n.endswith(".service") and "spawn-fcgi" in open(os.path.join(d, n)).read())


def units_active(box, extra=()):
    units = pool_units() + ["nginx", "frostbyte-backup.timer"] + list(extra)
    rc, out = in_box(box, "systemctl is-active " + " ".join(units), timeout=60)
    return rc == 0, "%s\n%s" % (units, out)


# --- the checks -----------------------------------------------------------------------------

def small_jpeg():
    """A 640 x 480 JPEG of noise, made by the vips command (libvips-tools, which scripts/test installs)."""
    d = tempfile.mkdtemp(prefix="frostbyte-img-")
    try:
        subprocess.run(["vips", "gaussnoise", d + "/n.v", "640", "480"], check=True)
        subprocess.run(["vips", "copy", d + "/n.v", d + "/n.jpg[Q=85]"], check=True)
        with open(d + "/n.jpg", "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def check_site(box, site, ctx):
    """HTTPS health, index, headers, redirect, IPv6, sign-up, a review and its read-back."""
    st, h, body = site.curl("/api/health")
    tap.ok(st == 200 and '"status":"ok"' in body, "HTTPS /api/health from the host: 200 ok", (st, body))
    st, h, body = site.curl("/")
    want = security_headers()
    bad = {k: h.get(k) for k, v in want.items() if h.get(k) != [v]}
    tap.ok(st == 200 and "<html" in body.lower(), "HTTPS / : the index page", (st, body[:300]))
    tap.ok(not bad and "strict-transport-security" in want and "content-security-policy" in want,
           "HSTS, CSP and the other security headers, once each, as nginx-conf sets them", bad)
    st, h, _ = site.curl("/api/parks?x=1", scheme="http")
    port = "" if site.https_port == 443 else ":%d" % site.https_port
    tap.ok(st == 301 and h.get("location") == ["https://%s%s/api/parks?x=1" % (DOMAIN, port)],
           "plain HTTP redirects (301) to HTTPS%s" % port, (st, h.get("location")))
    st, _, body = site.curl("/api/health", v6=True)
    tap.ok(st == 200 and '"status":"ok"' in body, "HTTPS over IPv6 ([%s]): 200" % box.ip6, (st, body))

    user = "camper%d" % int(time.time() * 1000 % 1e9)
    st, h, body = site.curl("/api/users", "POST", body={"username": user, "display_name": "Camper",
                                                        "password": "a long password here"})
    token = json.loads(body).get("token") if st == 201 else None
    tap.ok(st == 201 and token, "sign-up over HTTPS: 201 and a token", (st, body))
    title = "Geysers at dawn %s" % user
    st, _, body = site.curl("/api/parks/61/reviews", "POST", headers=["Authorization: Bearer %s" % token],
                            body={"stars": 5, "title": title, "body": "Go early.", "visited_on": "2025-09",
                                  "camper_type": "tent"})
    tap.ok(st == 201, "a review written (POST /api/parks/61/reviews): 201", (st, body))
    review_id = json.loads(body).get("id") if st == 201 else 0
    st, _, body = site.curl("/api/reviews/%d/photos?alt=Steam" % review_id, "POST",
                            headers=["Authorization: Bearer %s" % token], raw=small_jpeg(), ctype="image/jpeg")
    url = json.loads(body)["thumb"]["url"] if st == 201 else "/photos/none"
    pst, ph, pbody = site.curl(url)
    tap.ok(st == 201 and pst == 200 and ph.get("content-type") == ["image/jpeg"],
           "a photo uploaded to it (the media pool's frostbyte-media, libvips) and its thumbnail served by "
           "nginx", (st, body[:300], pst, ph.get("content-type")))
    st, _, body = site.curl("/api/parks/61/reviews")
    tap.ok(st == 200 and title in body, "... and read back (GET /api/parks/61/reviews)", (st, body[:500]))
    n = sql(box, "SELECT count(*) FROM ratings WHERE park_id = 61 AND title = '%s'" % title)
    tap.ok(n == "1", "... one row in the box's database", n)
    ctx["user"], ctx["token"], ctx["title"] = user, token, title


def check_cors(box, site, ctx, origin, what):
    """Preflight from ORIGIN passes; a cookie-authenticated write from it is accepted."""
    pre = ["Origin: " + origin, "Access-Control-Request-Method: POST",
           "Access-Control-Request-Headers: content-type"]
    st, h, _ = site.curl("/api/parks/61/reviews", "OPTIONS", headers=pre)
    tap.ok(st == 204 and h.get("access-control-allow-origin") == [origin]
           and h.get("access-control-allow-credentials") == ["true"],
           "CORS preflight from %s (%s): 204, that origin, credentials" % (origin, what), (st, h))
    st, h, body = site.curl("/api/session", "POST", body={"username": ctx["user"],
                                                          "password": "a long password here"})
    cookie = "; ".join(c.split(";", 1)[0] for c in h.get("set-cookie", []))
    tap.ok(st in (200, 201) and cookie, "sign-in over HTTPS sets the session cookie", (st, h, body))
    st, _, body = site.curl("/api/parks/62/reviews", "POST", headers=["Origin: " + origin],
                            cookies=cookie, body={"stars": 4, "title": "From %s" % origin,
                                                  "body": "Cookie write.", "visited_on": "2025-08",
                                                  "camper_type": "rv"})
    tap.ok(st == 201, "a cookie-authenticated write from %s (%s) is accepted: 201, not 403 "
           "csrf_rejected" % (origin, what), (st, body))
    st, _, body = site.curl("/api/parks/63/reviews", "POST", headers=["Origin: " + EVIL],
                            cookies=cookie, body={"stars": 1, "title": "Evil", "body": "x",
                                                  "visited_on": "2025-08", "camper_type": "rv"})
    tap.ok(st == 403 and "csrf_rejected" in body, "... and from a refused origin: 403 csrf_rejected",
           (st, body))
    st, h, _ = site.curl("/api/session", "OPTIONS", headers=["Origin: " + EVIL,
                                                              "Access-Control-Request-Method: POST"])
    tap.ok(st == 204 and not any(k.startswith("access-control-") for k in h),
           "CORS preflight from a refused origin: no Access-Control-* header", (st, h))


def check_metrics(box, site):
    st, _, body = site.curl("/api/metrics")
    tap.ok(st == 403, "/api/metrics from the host (not loopback): 403", (st, body))
    rc, out = in_box(box, "curl -sS -k --noproxy '*' --resolve %s:%d:127.0.0.1 https://%s:%d/api/metrics"
                     % (DOMAIN, site.https_port, DOMAIN, site.https_port), timeout=60)
    tap.ok(rc == 0 and "frostbyte_http_requests_total" in out, "/api/metrics from the box's loopback: "
           "the Prometheus text", out[:500])


def check_firewall(box, site, closed=()):
    """22, HTTP and HTTPS get through (22: refused, nothing listens in a minimal box); a port
    something listens on inside is dropped."""
    in_box(box, "systemd-run --unit=fbprobe --quiet systemd-socket-activate -l 0.0.0.0:9999 -a /bin/cat",
           timeout=30)
    rc, out = in_box(box, "sleep 0.5; exec 3<>/dev/tcp/127.0.0.1/9999 && echo listening", timeout=30)
    got = {p: box.connect(p) for p in (22, site.http_port, site.https_port, 9999) + tuple(closed)}
    want = {22: "refused", site.http_port: "open", site.https_port: "open", 9999: "dropped"}
    want.update({p: "dropped" for p in closed})
    tap.ok("listening" in out and got == want,
           "firewall: from the host 22 passes (refused: no sshd), %d and %d open, a port listening in "
           "the box (9999)%s dropped" % (site.http_port, site.https_port,
                                          "".join(", %d" % p for p in closed)), (got, out))
    got6 = box.connect(9999, socket.AF_INET6)
    tap.ok(got6 == "dropped" and box.connect(site.https_port, socket.AF_INET6) == "open",
           "... over IPv6 too", got6)
    in_box(box, "systemctl stop fbprobe", timeout=30)


def check_files(box, ctx):
    rc, out = in_box(box, "stat -c '%n %U:%G %a' /etc/frostbyte /etc/frostbyte/frostbyte.conf "
                     "/etc/frostbyte/secret /run/frostbyte /var/lib/frostbyte "
                     "/var/log/nginx/frostbyte.access.json /etc/sysusers.d/frostbyte.conf "
                     "/etc/tmpfiles.d/frostbyte.conf /etc/logrotate.d/frostbyte", timeout=30)
    want = ["/etc/frostbyte root:frostbyte 750", "/etc/frostbyte/frostbyte.conf root:frostbyte 640",
            "/etc/frostbyte/secret frostbyte:frostbyte 600", "/run/frostbyte frostbyte:www-data 750",
            "/var/lib/frostbyte frostbyte:www-data 710",
            "/var/log/nginx/frostbyte.access.json www-data:adm 640",
            "/etc/sysusers.d/frostbyte.conf root:root 644", "/etc/tmpfiles.d/frostbyte.conf root:root 644",
            "/etc/logrotate.d/frostbyte root:root 644"]
    tap.ok(rc == 0 and out.split("\n")[:len(want)] == want,
           "owners and modes as docs/operations.md says (config 0640, access log 0640, socket folder 0750, "
           "data folder 0710 for nginx to reach the photos)",
           out)
    rc, out = in_box(box, "command -v frostbyte-ctl && frostbyte-ctl check && "
                     "stat -c '%U' /var/lib/frostbyte/frostbyte.db*", timeout=60)
    tap.ok(rc == 0 and "/usr/local/bin/frostbyte-ctl" in out and "root\n" not in out,
           "frostbyte-ctl is on the PATH, runs as frostbyte (check passes; the database's files stay "
           "frostbyte's)", out)
    rc, out = in_box(box, "nginx -T 2>/dev/null | grep -E '^\\s*(worker_connections|multi_accept|"
                     "worker_rlimit_nofile|listen .*reuseport)'; "
                     # A worker's limits (the box has no procps: its /proc, read directly).
                     "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = nginx ] && "
                     "[ \"$(stat -c %U $p)\" = www-data ] && { grep 'Max open files' $p/limits; break; }; done",
                     timeout=30)
    tap.ok(rc == 0 and "worker_connections 4096;" in out and "multi_accept on;" in out
           and "reuseport" in out and re.search(r"Max open files\s+16384", out) is not None,
           "nginx takes a herd: 4096 connections a worker with the descriptors for them, "
           "multi_accept, one accept queue per worker (reuseport)", out)


def check_rate_limits(box, site):
    # A new user name each time: the app's own throttle (5 failures per user name) stays out of it.
    codes = []
    for i in range(12):
        st, h, body = site.curl("/api/session", "POST", body={"username": "nobody_%d" % i,
                                                              "password": "wrong password 1"})
        codes.append(st)
        if st == 429:
            break
    tap.ok(codes[-1] == 429 and "rate_limited" in body and h.get("retry-after"),
           "sign-in attempts from one address hit nginx's limit: 429 rate_limited with Retry-After",
           (codes, h, body))


def check_logrotate(box, site):
    site.curl("/api/health")
    rc, out = in_box(box, "logrotate -f /etc/logrotate.d/frostbyte && sleep 1 && "
                     "stat -c '%n %U:%G %a' /var/log/nginx/frostbyte.access.json* && "
                     "wc -c </var/log/nginx/frostbyte.access.json", timeout=60)
    before = out.strip().split("\n")[-1] if rc == 0 else "?"
    site.curl("/api/parks")
    time.sleep(0.5)
    rc2, after = in_box(box, "wc -c </var/log/nginx/frostbyte.access.json", timeout=30)
    tap.ok(rc == 0 and "frostbyte.access.json.1 www-data:adm 640" in out
           and "frostbyte.access.json www-data:adm 640" in out and before == "0"
           and rc2 == 0 and int(after.strip() or 0) > 0,
           "logrotate rotates frostbyte.access.json (0640 www-data:adm before and after) and nginx "
           "writes to the new file", out + after)


def check_backup_restore(box, site, ctx):
    """docs/operations.md's drill: frostbyte-ctl backup, a later write, stop, restore, start."""
    rc, out = in_box(box, "frostbyte-ctl backup", timeout=120)
    m = re.search(r"backup (\S+): integrity ok", out)
    tap.ok(rc == 0 and m, "frostbyte-ctl backup (as root, through the PATH command): a checked copy", out)
    if not m:
        return
    later = "After the backup %s" % ctx["user"]
    st, _, body = site.curl("/api/parks/1/reviews", "POST", headers=["Authorization: Bearer " + ctx["token"]],
                            body={"stars": 3, "title": later, "body": "x", "visited_on": "2025-07",
                                  "camper_type": "tent"})
    rc, out = in_box(box, "frostbyte-ctl restore %s; echo rc=$?" % m.group(1), timeout=120)
    tap.ok("rc=1" in out and "stop the pools first" in out,
           "restore refuses while the pools run, naming the pools to stop", out)
    rc, out = in_box(box, "systemctl stop frostbyte-api frostbyte-chat frostbyte-write && "
                     "frostbyte-ctl restore %s && systemctl start frostbyte-api frostbyte-chat frostbyte-write"
                     % m.group(1), timeout=180)
    time.sleep(1)
    st2, _, body2 = site.curl("/api/parks/61/reviews")
    st3, _, body3 = site.curl("/api/parks/1/reviews")
    tap.ok(rc == 0 and st == 201 and st2 == 200 and ctx["title"] in body2 and st3 == 200
           and later not in body3,
           "restore drill: stop, restore the backup, start: the review from before the backup is there, "
           "the one written after it is not", (rc, out, st, st2, body2[:300]))


def check_reboot(box, site, ctx):
    t0 = time.monotonic()
    why = box.reboot()
    tap.ok(why is None, "the box reboots (systemctl reboot) and systemd is up again", why)
    phase("reboot", t0)
    if why is not None:
        return
    for _ in range(60):
        if site.curl("/api/health")[0] == 200:
            break
        time.sleep(1)
    good, diag = units_active(box)
    tap.ok(good, "after the reboot every unit is active: the pools (%s), nginx, the backup timer"
           % ", ".join(pool_units()), diag)
    st, _, body = site.curl("/api/parks/61/reviews")
    tap.ok(st == 200 and ctx["title"] in body, "... the site answers over HTTPS with the data kept",
           (st, body[:300]))
    rc, out = in_box(box, "nft list table inet frostbyte", timeout=30)
    tap.ok(rc == 0 and "policy drop" in out, "... and the firewall is loaded again at boot", out)


# --- the run --------------------------------------------------------------------------------

def main(mode):
    t_all = time.monotonic()
    box = boxlib.Box(lambda s: tap.diag(s))
    tmp = tempfile.mkdtemp(prefix="frostbyte-deploytest-")
    keep = os.environ.get("DEPLOY_KEEP") == "1"
    ctx = {}
    try:
        t0 = time.monotonic()
        tarball = make_tarball(REPO, os.path.join(REPO, "build-deploy"), tap.diag)
        phase("make dist", t0)
        t0 = time.monotonic()
        box.net_up()
        box.create()
        why = box.boot()
        phase("boot", t0)
        tap.ok(why is None, "a minimal Debian 12 root (debootstrap minbase + systemd, dbus) boots under "
               "systemd-nspawn in its own network namespace", why)
        if why is not None:
            return
        rc, out = in_box(box, "test ! -e /etc/frostbyte && ! command -v nginx && ! command -v gcc "
                         "&& ! test -e /etc/protocols && ! test -d /etc/sysusers.d && echo bare", timeout=30)
        tap.ok("bare" in out, "the box is bare: no /etc/frostbyte, nginx, compiler, /etc/protocols or "
               "/etc/sysusers.d", out)
        rc, out = in_box(box, "curl -sS --max-time 5 https://example.com/ || "
                         "timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/80' || echo no-way-out", timeout=30)
        tap.ok("no-way-out" in out, "the box reaches nothing but the Debian mirror", out)

        t0 = time.monotonic()
        edit = ("sed -i -e 's|^DOMAIN=.*|DOMAIN=%s|' -e 's|^ORIGINS=.*|ORIGINS=\"https://%s %s\"|' "
                "-e 's|^ADMIN_EMAIL=.*|ADMIN_EMAIL=|' -e 's|^#API_WORKERS=.*|API_WORKERS=2|' "
                "-e 's|^#CHAT_WORKERS=.*|CHAT_WORKERS=2|' -e 's|^HEALTH_SECONDS=.*|HEALTH_SECONDS=90|' "
                "/etc/frostbyte/deploy.conf" % (DOMAIN, DOMAIN, PARTNER))
        rc, out = deploy_tarball(box, tarball, edit)
        phase("first deploy (apt, build, start)", t0)
        tap.ok(rc == 0 and "Frostbyte is up: https://%s/" % DOMAIN in out,
               "the first deploy, as docs/operations.md says (tarball, deploy.conf from the example, "
               "scripts/deploy): exit 0", out[-4000:])
        if rc != 0:
            return
        first = current(box)
        rc, out = in_box(box, "cd %s/*/ && scripts/deploy --help" % SRC, timeout=30)
        code = [ln for ln in out.splitlines()
                if re.match(r"(set|source|case|if|while|esac|fi)\b", ln) or "$(" in ln]
        tap.ok(rc == 0 and out.startswith("scripts/deploy: installs") and "--dry-run" in out and not code,
               "scripts/deploy --help prints its description, no code", out)
        good, diag = units_active(box)
        tap.ok(good, "the pools, nginx and the backup timer are active under systemd", diag)
        site = Site(box)
        check_site(box, site, ctx)
        check_cors(box, site, ctx, PARTNER, "in ORIGINS")
        check_metrics(box, site)
        check_firewall(box, site)
        check_files(box, ctx)
        if mode == "quick":
            return

        check_rate_limits(box, site)
        check_logrotate(box, site)
        check_backup_restore(box, site, ctx)

        # An upgrade: a migration, one more origin, HTTPS on 8443.
        t0 = time.monotonic()
        tree = variant(tmp, "upgrade", {
            "configure.ac": lambda t: t.replace("AC_INIT([frostbyte], [1.0.0]", "AC_INIT([frostbyte], [1.0.1]"),
            "schema/900_upgrade_probe.sql": lambda t: "CREATE TABLE upgrade_probe (x INTEGER);\n"})
        tar2 = make_tarball(tree, os.path.join(tmp, "upgrade-build"), tap.diag)
        edit = ("sed -i -e 's|^ORIGINS=.*|ORIGINS=\"https://%s %s %s\"|' -e 's|^#HTTPS_PORT=.*|HTTPS_PORT=8443|' "
                "/etc/frostbyte/deploy.conf" % (DOMAIN, PARTNER, LATE))
        rc, out = deploy_tarball(box, tar2, edit)
        phase("upgrade", t0)
        second = current(box)
        tap.ok(rc == 0 and second != first and "1.0.1" in second
               and os.path.realpath(box.dir + "/opt/frostbyte/previous").endswith(first)
               and sql(box, "SELECT count(*) FROM sqlite_master WHERE name = 'upgrade_probe'") == "1",
               "an upgrade to a new tarball (with a migration): exit 0, current is the new release, "
               "previous the old, the migration applied", out[-3000:])
        site.https_port = 8443
        st, _, body = site.curl("/api/parks/61/reviews")
        tap.ok(st == 200 and ctx["title"] in body, "... HTTPS now on 8443 (HTTPS_PORT): the health check "
               "passed on it, the data kept", (st, body[:300]))
        check_site(box, site, ctx)
        check_cors(box, site, ctx, LATE, "added to ORIGINS by the upgrade")
        check_firewall(box, site, closed=(443,))

        # A broken release: its health check fails; it also changes a unit, adds one, changes an
        # nginx snippet and migrates. All of it must go back.
        t0 = time.monotonic()
        extra_unit = "[Unit]\nDescription=Frostbyte broken-release probe\n[Service]\nType=oneshot\n" \
                     "ExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"
        tree = variant(tmp, "broken", {
            "configure.ac": lambda t: t.replace("AC_INIT([frostbyte], [1.0.0]", "AC_INIT([frostbyte], [1.0.2]"),
            "fcgi-app/health.c": lambda t: t.replace("version >= 0 ? 200 : 503", "503"),
            "schema/900_upgrade_probe.sql": lambda t: "CREATE TABLE upgrade_probe (x INTEGER);\n",
            "schema/901_broken_probe.sql": lambda t: "CREATE TABLE broken_probe (x INTEGER);\n",
            "nginx-conf/security-headers.conf": lambda t: t + "add_header X-Broken-Release yes always;\n",
            "systemd/frostbyte-api.service": lambda t: t.replace("Description=Frostbyte API pool",
                                                                 "Description=Broken Frostbyte API pool"),
            "systemd/frostbyte-probe.service": lambda t: extra_unit})
        tar3 = make_tarball(tree, os.path.join(tmp, "broken-build"), tap.diag)
        rc, out = deploy_tarball(box, tar3, "sed -i 's|^HEALTH_SECONDS=.*|HEALTH_SECONDS=20|' "
                                 "/etc/frostbyte/deploy.conf")
        phase("broken release and rollback", t0)
        failed = [d for d in os.listdir(box.dir + "/opt/frostbyte/releases")
                  if "1.0.2" in d and os.path.exists(box.dir + "/opt/frostbyte/releases/%s/FAILED" % d)]
        tap.ok(rc == 1 and "rolled back to" in out and current(box) == second and failed,
               "a release failing its health check: exit 1, rolled back to the previous release by "
               "itself, the failed one kept with a FAILED file", out[-3000:])
        same = []
        for mine, theirs in (("/etc/systemd/system/frostbyte-api.service", "systemd/frostbyte-api.service"),
                             ("/etc/nginx/frostbyte/security-headers.conf", "nginx-conf/security-headers.conf")):
            with open(box.dir + mine) as a, open(box.dir + second + "/" + theirs) as b:
                same.append(a.read() == b.read())
        rc2, loaded = in_box(box, "systemctl show -p Description --value frostbyte-api; "
                             "systemctl show -p LoadState --value frostbyte-probe; "
                             "test -e /etc/systemd/system/frostbyte-probe.service || echo probe-file-gone",
                             timeout=30)
        tap.ok(all(same) and "Broken" not in loaded and "\nnot-found\nprobe-file-gone" in loaded,
               "... the previous release's unit files are back (and loaded), the failed one's new unit "
               "is gone, its nginx snippets too", (same, loaded))
        st, h, body = site.curl("/api/parks/61/reviews")
        tap.ok(st == 200 and "x-broken-release" not in h and ctx["title"] in body,
               "... nginx serves the previous configuration (no header of the failed release), data kept",
               (st, h))
        tap.ok(sql(box, "SELECT count(*) FROM sqlite_master WHERE name = 'broken_probe'") == "0"
               and sql(box, "SELECT count(*) FROM sqlite_master WHERE name = 'upgrade_probe'") == "1",
               "... and the database is the one from before the failed release's migration")

        check_reboot(box, site, ctx)
    except Exception as e:
        tap.crashed("the deploy test", e)
    finally:
        if tap.failed:
            tap.diag("box console (last lines):\n" + box.console_tail(25))
            if box.proxy is not None and box.proxy.refused:
                tap.diag("refused by the proxy: %s" % box.proxy.refused[:10])
        t0 = time.monotonic()
        box.destroy(keep=keep)
        if keep:
            tap.diag("kept the box's root %s" % box.dir)
        shutil.rmtree(tmp, ignore_errors=True)
        phase("shut down", t0)
        tap.plan()
        for name, secs in timings:
            tap.diag("%-36s %6.1f s" % (name, secs))
        tap.diag("%s mode: %d tests, %d failed, %.1f s" % (mode, tap.n, tap.failed, time.monotonic() - t_all))
    return 0


if __name__ == "__main__":
    import signal
    # SIGTERM (a stopped CI job) unwinds through main's finally: the box, its namespace and the
    # proxy go away.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    m = sys.argv[1] if len(sys.argv) > 1 else "quick"
    if m not in ("quick", "full"):
        sys.exit("usage: deploy.py quick|full")
    main(m)
    sys.exit(1 if tap.failed else 0)
