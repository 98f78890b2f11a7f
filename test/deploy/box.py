"""test/deploy/box.py: a bare Debian 12 box for the deploy test.

A debootstrap --variant=minbase root with systemd, systemd-sysv and dbus (what a cloud image
has), built once and kept under the cache folder (FROSTBYTE_TEST_CACHE, default
/var/cache/frostbyte-test, outside the repository); each run boots a fresh copy of it with
`systemd-nspawn -b` in a network namespace of its own, joined to the host by a veth pair (and no
default route), so the box's firewall never touches the host's. The only way out of the box is a forwarding HTTP proxy
on the host's end of the veth that lets through the Debian mirrors named in the host's apt
sources, and nothing else: apt works inside, nothing else reaches the outside.

Python 3 standard library only; needs root, debootstrap, systemd-container (systemd-nspawn),
iproute2 and util-linux (nsenter) on the host.
"""
import fcntl
import glob
import http.client
import http.server
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
import urllib.parse

CACHE = os.environ.get("FROSTBYTE_TEST_CACHE", "/var/cache/frostbyte-test")
SUITE = "bookworm"
INCLUDE = "systemd,systemd-sysv,dbus"


def run(cmd, **kw):
    """subprocess.run with its output captured as text; raises on a non-zero exit when check."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    return subprocess.run(cmd, universal_newlines=True, **kw)


def mirror_hosts():
    """The host names of the Debian mirrors in this machine's apt sources (deb.debian.org)."""
    hosts = set()
    for path in ["/etc/apt/sources.list"] + glob.glob("/etc/apt/sources.list.d/*"):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        for url in re.findall(r"(?:^URIs:|^deb(?:-src)?(?:\s+\[[^]]*\])?)\s+(\S+)", text, re.M):
            host = urllib.parse.urlsplit(url).hostname or ""
            if host == "debian.org" or host.endswith(".debian.org"):
                hosts.add(host)
    return hosts or {"deb.debian.org"}


def mirror_url():
    for host in sorted(mirror_hosts()):
        return "http://%s/debian" % host


def pristine_root(log):
    """The cached debootstrap root, made the first time (under a lock: two runs may start at once)."""
    os.makedirs(CACHE, exist_ok=True)
    name = "%s-minbase-%s" % (SUITE, INCLUDE.replace(",", "-"))
    root, done = os.path.join(CACHE, name), os.path.join(CACHE, name + ".done")
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(done) and os.path.isfile(os.path.join(root, "usr/lib/systemd/systemd")):
            return root
        shutil.rmtree(root, ignore_errors=True)
        log("debootstrap %s into %s (once; later runs copy it)" % (SUITE, root))
        p = run(["debootstrap", "--variant=minbase", "--include=" + INCLUDE, SUITE, root, mirror_url()])
        if p.returncode != 0:
            raise RuntimeError("debootstrap failed:\n" + p.stdout[-3000:])
        with open(done, "w") as f:
            f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
        return root


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A forwarding HTTP proxy for apt: GET and HEAD of http:// URLs on the allowed hosts only."""
    daemon_threads = True

    def __init__(self, address, allowed):
        self.allowed = allowed
        self.refused = []
        http.server.HTTPServer.__init__(self, address, ProxyHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def refuse(self, why):
        self.server.refused.append("%s %s (%s)" % (self.command, self.path, why))
        body = b"refused by the test's proxy: only the Debian mirror\n"
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        u = urllib.parse.urlsplit(self.path)
        if u.scheme != "http" or u.hostname not in self.server.allowed:
            return self.refuse("not an allowed mirror")
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
        path = u.path + ("?" + u.query if u.query else "")
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection", "keep-alive")}
        try:
            conn.request(self.command, path, headers=headers)
            r = conn.getresponse()
            self.send_response(r.status, r.reason)
            length = r.getheader("Content-Length")
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding"):
                    self.send_header(k, v)
            if length is None and self.command != "HEAD":
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                while True:
                    chunk = r.read(65536)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
        finally:
            conn.close()

    do_GET = forward
    do_HEAD = forward

    def do_CONNECT(self):
        self.refuse("no tunnels")

    do_POST = do_PUT = do_DELETE = do_CONNECT


class Box:
    """One booted copy of the pristine root in its own network namespace. Addresses: the host's end
    of the veth is self.host4 / self.host6, the box's self.ip4 / self.ip6."""

    def __init__(self, log):
        self.log = log
        self.tag = "fbt%d" % (os.getpid() % 100000)
        self.netns = self.tag
        self.dir = "/var/tmp/frostbyte-box-%d" % os.getpid()
        n = os.getpid() % 250 + 1
        self.host4, self.ip4 = "10.231.%d.1" % n, "10.231.%d.2" % n
        self.host6, self.ip6 = "fd42:fb:%x::1" % n, "fd42:fb:%x::2" % n
        self.nspawn = None
        self.proxy = None
        self.boots = 0
        self.console = os.path.join(CACHE, "console-%d.log" % os.getpid())

    # --- the network -----------------------------------------------------------------------

    def net_up(self):
        host, box = self.tag + "h", self.tag + "b"
        # nsenter rather than "ip -n": ip remounts / for the namespace, which fails in a chroot
        # (scripts/test run inside a freshly debootstrapped root, say).
        inside = ["nsenter", "--net=/run/netns/" + self.netns, "ip"]
        for cmd in (["ip", "netns", "add", self.netns],
                    ["ip", "link", "add", host, "type", "veth", "peer", "name", box],
                    ["ip", "link", "set", box, "netns", self.netns],
                    ["ip", "addr", "add", self.host4 + "/30", "dev", host],
                    ["ip", "-6", "addr", "add", self.host6 + "/64", "dev", host, "nodad"],
                    ["ip", "link", "set", host, "up"],
                    inside + ["link", "set", "lo", "up"],
                    inside + ["addr", "add", self.ip4 + "/30", "dev", box],
                    inside + ["-6", "addr", "add", self.ip6 + "/64", "dev", box, "nodad"],
                    inside + ["link", "set", box, "up"]):
            p = run(cmd)
            if p.returncode != 0:
                raise RuntimeError("%s: %s" % (" ".join(cmd), p.stdout))
        self.proxy = Proxy((self.host4, 0), mirror_hosts())
        self.proxy_url = "http://%s:%d/" % (self.host4, self.proxy.server_address[1])

    def net_down(self):
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        run(["ip", "netns", "del", self.netns])   # takes the box's end of the veth, so both ends
        run(["ip", "link", "del", self.tag + "h"])

    # --- the box ---------------------------------------------------------------------------

    def create(self):
        root = pristine_root(self.log)
        shutil.rmtree(self.dir, ignore_errors=True)
        p = run(["cp", "-a", "--reflink=auto", root, self.dir])
        if p.returncode != 0:
            raise RuntimeError("copying the root: " + p.stdout)
        # apt's downloads are kept between runs (a cache, like a mirror close by): hard links into
        # the box's own archives folder, so boxes of runs at the same time never share apt's lock.
        self.archives_in(self.dir + "/var/cache/apt/archives")
        # apt goes out through the proxy: the box has no other way out.
        with open(self.dir + "/etc/apt/apt.conf.d/01test-proxy", "w") as f:
            f.write('Acquire::http::Proxy "%s";\nAcquire::https::Proxy "DIRECT";\n' % self.proxy_url)
        # The host's own release suites, as a cloud image has them (security updates included).
        with open(self.dir + "/etc/apt/sources.list", "w") as f:
            m = mirror_url()
            f.write("deb %s %s main\ndeb %s %s-updates main\ndeb %s-security %s-security main\n"
                    % (m, SUITE, m, SUITE, m, SUITE))
        with open(self.dir + "/etc/hostname", "w") as f:
            f.write("frostbyte-box\n")

    def boot(self, timeout=180):
        """Starts systemd in the box and waits until it is up (running or degraded)."""
        os.makedirs("/run/systemd/nspawn", exist_ok=True)
        self.boots += 1
        out = open(self.console, "a")
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "-D", self.dir, "-b", "--register=no", "--keep-unit",
             "--console=read-only", "--network-namespace-path=/run/netns/" + self.netns,
             "--machine", "frostbyte-box"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            if self.nspawn.poll() is not None:
                return "systemd-nspawn exited with %s:\n%s" % (self.nspawn.returncode, self.console_tail())
            if self.leader() is not None:
                rc, state = self.sh("systemctl is-system-running", timeout=20)
                state = state.strip()
                if state in ("running", "degraded"):
                    return None
            time.sleep(0.5)
        return "the box did not finish booting in %d s (state %r):\n%s" % (timeout, state, self.console_tail())

    def archives_in(self, box_archives):
        cache = os.path.join(CACHE, "apt-archives")
        os.makedirs(cache, exist_ok=True)
        os.makedirs(os.path.join(box_archives, "partial"), exist_ok=True)
        for name in os.listdir(cache):
            if name.endswith(".deb"):
                try:
                    os.link(os.path.join(cache, name), os.path.join(box_archives, name))
                except OSError:  # another file system: a copy
                    shutil.copy2(os.path.join(cache, name), os.path.join(box_archives, name))

    def archives_out(self):
        """The packages this box downloaded go into the cache (link, then rename: never half a file)."""
        cache = os.path.join(CACHE, "apt-archives")
        box_archives = self.dir + "/var/cache/apt/archives"
        try:
            names = [n for n in os.listdir(box_archives) if n.endswith(".deb")]
        except OSError:
            return
        for name in names:
            if os.path.exists(os.path.join(cache, name)):
                continue
            tmp = os.path.join(cache, ".%s.%d" % (name, os.getpid()))
            try:
                try:
                    os.link(os.path.join(box_archives, name), tmp)
                except OSError:  # another file system: a copy
                    shutil.copy2(os.path.join(box_archives, name), tmp)
                os.rename(tmp, os.path.join(cache, name))
            except OSError:
                pass

    def console_tail(self, n=30):
        try:
            with open(self.console, errors="replace") as f:
                lines = [re.sub(r"\x1b\[[0-9;]*m", "", l) for l in f.readlines() if l.strip()]
                return "".join(lines[-n:])
        except OSError:
            return ""

    def leader(self):
        """The host pid of the box's systemd (pid 1 inside), a descendant of systemd-nspawn."""
        todo = [self.nspawn.pid]
        while todo:
            pid = todo.pop()
            try:
                with open("/proc/%d/comm" % pid) as f:
                    comm = f.read().strip()
                children = []
                for task in os.listdir("/proc/%d/task" % pid):
                    with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                        children += [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                continue
            if comm == "systemd" and pid != self.nspawn.pid:
                return pid
            todo += children
        return None

    def sh(self, script, timeout=600, stdin=None):
        """(exit status, output) of a bash script run as root inside the box, as on its console."""
        pid = self.leader()
        if pid is None:
            return 255, "the box is not running"
        env = ["env", "-i", "HOME=/root", "TERM=dumb", "LANG=C.UTF-8",
               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        try:
            p = subprocess.run(["nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "--"] + env +
                               ["/bin/bash", "-c", "cd /root && " + script],
                               input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return 124, "timed out after %d s: %s" % (timeout, (e.output or b"")[-2000:])
        return p.returncode, p.stdout

    def reboot(self, timeout=180):
        """`systemctl reboot` in the box: its systemd stops everything, systemd-nspawn exits (133,
        its "reboot" status), and the same root boots again in the same namespace."""
        self.sh("systemctl reboot --no-block", timeout=30)
        try:
            rc = self.nspawn.wait(timeout=90)
        except subprocess.TimeoutExpired:
            return "the box did not stop for its reboot"
        if rc != 133:
            return "systemd-nspawn exited %s on reboot (expected 133)" % rc
        return self.boot(timeout)

    def stop(self):
        if self.nspawn is not None and self.nspawn.poll() is None:
            # The box is thrown away: SIGKILL to its pid 1 ends its pid namespace at once, and
            # systemd-nspawn exits and cleans up after it.
            pid = self.leader()
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.nspawn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.nspawn.kill()
                self.nspawn.wait()

    def destroy(self, keep=False):
        self.stop()
        self.net_down()
        self.archives_out()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
            try:
                os.unlink(self.console)
            except OSError:
                pass

    # --- from the host ---------------------------------------------------------------------

    def connect(self, port, family=socket.AF_INET, timeout=3.0):
        """'open', 'refused' (the firewall let it through, nothing listens) or 'dropped' (timeout)."""
        addr = self.ip4 if family == socket.AF_INET else self.ip6
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect((addr, port))
            return "open"
        except ConnectionRefusedError:
            return "refused"
        except socket.timeout:
            return "dropped"
        except OSError as e:
            return "error: %s" % e
        finally:
            s.close()
