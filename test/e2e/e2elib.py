"""Helpers for the end-to-end suite (test/e2e/run.py): TAP output, the stack started by
scripts/run, and HTTP through nginx (http.client, plus raw sockets for malformed requests).

Python 3 standard library only.
"""

import base64
import http.client
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# --- TAP ------------------------------------------------------------------------------------

class Tap:
    """Prints one TAP line per assertion; `1..N` comes last (plan at the end)."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.n = 0
        self.failed = 0

    def _line(self, text):
        self.out.write(text + "\n")
        self.out.flush()

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            self._line("# " + line)

    def ok(self, cond, desc, diag=None):
        """Records one assertion. diag: text or a callable giving text, shown only on failure."""
        self.n += 1
        desc = desc.replace("\n", " ").replace("#", "\\#")
        if cond:
            self._line("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            self._line("not ok %d - %s" % (self.n, desc))
            if diag is not None:
                try:
                    self.diag(diag() if callable(diag) else diag)
                except Exception as e:  # a broken diagnostic must not hide the failure
                    self.diag("(diagnostic failed: %r)" % e)
        return bool(cond)

    def crashed(self, name, exc):
        """A test function raised: one `not ok` line with the traceback as diagnostics."""
        self.ok(False, "%s (raised %s: %s)" % (name, type(exc).__name__, exc),
                lambda: "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))

    def plan(self):
        self._line("1..%d" % self.n)


# --- HTTP -----------------------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.json = None
        if body:
            try:
                self.json = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def describe(self, limit=600):
        body = self.body[:limit].decode("utf-8", "replace")
        if len(self.body) > limit:
            body += "...(%d bytes)" % len(self.body)
        heads = "; ".join("%s: %s" % (k, v[:120]) for k, v in self.headers
                          if k.lower() in ("content-type", "allow", "retry-after", "set-cookie"))
        return "status %s %s\nheaders: %s\nbody: %s" % (self.status, self.reason, heads, body)


class Client:
    """One new connection per request, through nginx."""

    def __init__(self, port, host="127.0.0.1", timeout=15, source=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.source = (source, 0) if source else None  # another loopback address, e.g. 127.0.0.2
        self.origin = "http://%s:%d" % (host, port)

    def request(self, method, path, body=None, json_body=None, token=None, cookie=None,
                headers=None, ctype="application/json"):
        h = {}
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None and ctype is not None:
            h["Content-Type"] = ctype
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if cookie is not None:
            h["Cookie"] = "frostbyte_session=" + cookie
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                          source_address=self.source)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, r.reason, r.getheaders(), data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, json_body=body, **kw)

    def raw(self, data, after="keep", timeout=10):
        """Sends raw bytes on a fresh socket and reads until the server closes or timeout.

        after: "keep" (leave the socket open for reading), "shut" (shut the write side after
        sending). Returns (responses, closed, leftover): the parsed responses, whether the server
        closed the connection (rather than our read timing out), and unparsed bytes."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer (e.g. 413) and stop reading early
            if after == "shut":
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            buf = b""
            closed = False
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    closed = True
                    break
                if not chunk:
                    closed = True
                    break
                buf += chunk
            responses, rest = parse_responses(buf)
            return responses, closed, rest
        finally:
            s.close()

    def raw_close(self, data):
        """Sends raw bytes and closes the socket at once, reading nothing."""
        s = socket.create_connection((self.host, self.port), timeout=10)
        try:
            s.sendall(data)
        except OSError:
            pass
        finally:
            s.close()


def parse_responses(buf):
    """Parses as many complete HTTP/1.x responses as buf holds. Returns (list, leftover)."""
    out = []
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf
        head = buf[:end].decode("iso-8859-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3}) ?(.*)", head[0])
        if not m:
            return out, buf
        headers = []
        for line in head[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers.append((k.strip(), v.strip()))
        rest = buf[end + 4:]
        lengths = [v for k, v in headers if k.lower() == "content-length"]
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower()
                      for k, v in headers)
        if chunked:
            body, pos = b"", 0
            while True:
                eol = rest.find(b"\r\n", pos)
                if eol < 0:
                    return out, buf
                size = int(rest[pos:eol].split(b";")[0], 16)
                if size == 0:  # the last chunk, then optional trailers and an empty line
                    if rest[eol + 2:eol + 4] == b"\r\n":
                        pos = eol + 4
                    else:
                        t = rest.find(b"\r\n\r\n", eol + 2)
                        pos = t + 4 if t >= 0 else len(rest)
                    break
                body += rest[eol + 2:eol + 2 + size]
                pos = eol + 2 + size + 2
            rest = rest[pos:]
        elif lengths:
            n = int(lengths[0])
            if len(rest) < n:
                return out, buf
            body, rest = rest[:n], rest[n:]
        else:
            body, rest = rest, b""
        out.append(Response(int(m.group(1)), m.group(2), headers, body))
        buf = rest


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the stack ------------------------------------------------------------------------------

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("%s: %s" % (os.path.basename(path), l) for l in lines[-n:])
    except OSError as e:
        return "%s: (unreadable: %s)" % (path, e)


def port_open(port):
    """True when something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def children_of(pid):
    """The pids whose parent is pid (via /proc/PID/task/PID/children, else a /proc scan)."""
    path = "/proc/%d/task/%d/children" % (pid, pid)
    try:
        with open(path) as f:
            return {int(x) for x in f.read().split()}
    except OSError:
        pass
    kids = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            kids.add(int(name))
    return kids


class Stack:
    """scripts/run --no-build on a free port with its data in a fresh temporary folder.

    With gemini=True (the default) a fake Gemini server (fake_gemini.py) runs on loopback and the
    stack's chat pool is pointed at it with a random key in DATA/gemini.key; with gemini=False there
    is no key, so the chat routes answer 503 chat_unavailable."""

    # The chat pool gives up on the fake server after this long (the fake stalls for longer).
    GEMINI_TIMEOUT_MS = 3000

    def __init__(self, repo, workers=3, own_session=False, gemini=True, env=None):
        self.own_session = own_session  # its own process group, as in a terminal, for Ctrl-C tests
        self.repo = repo
        self.workers = workers
        self.gemini = None
        self.gemini_key = None
        self.want_gemini = gemini
        self.env = env or {}  # extra environment for scripts/run, e.g. FROSTBYTE_<setting>
        self.tmpdir = tempfile.mkdtemp(prefix="frostbyte-e2e-")
        self.data = self.tmpdir
        self.port = None
        self.proc = None
        self.log_path = os.path.join(self.tmpdir, "scripts-run.log")
        self._lines = queue.Queue()
        self.stdout_lines = []

    def start(self, timeout=60):
        """Starts scripts/run; returns None when it printed 'running at', else a reason."""
        self.port = free_port()
        cmd = [os.path.join(self.repo, "scripts", "run"), "--no-build", "--port", str(self.port),
               "--data", self.data, "--workers", str(self.workers)]
        env = dict(os.environ, **self.env)
        if self.want_gemini:
            from fake_gemini import FakeGemini
            self.gemini_key = "fake-" + secrets.token_hex(16)
            self.gemini = FakeGemini(self.gemini_key, "gemini-test-model").start()
            fd = os.open(os.path.join(self.data, "gemini.key"), os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, (self.gemini_key + "\n").encode())
            os.close(fd)
            env.update(FROSTBYTE_GEMINI_BASE_URL=self.gemini.base_url,
                       FROSTBYTE_GEMINI_MODEL="gemini-test-model",
                       FROSTBYTE_GEMINI_CONNECT_TIMEOUT_MS="1000",
                       FROSTBYTE_GEMINI_TIMEOUT_MS=str(self.GEMINI_TIMEOUT_MS))
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, env=env,
                                     stdin=subprocess.DEVNULL, start_new_session=self.own_session)
        threading.Thread(target=self._reader, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    return "scripts/run exited with status %s before it was ready" % self.proc.returncode
                continue
            if line is None:
                try:
                    rc = self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    rc = "still running"
                return "scripts/run closed its output (exit status %s) before it was ready" % rc
            if "running at" in line:
                return None
        return "scripts/run did not print 'running at' within %d s" % timeout

    def _reader(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def pool_pid(self, pool="api"):
        with open(os.path.join(self.data, "run", pool + ".pid")) as f:
            return int(f.read().strip())

    def worker_pids(self, pool="api"):
        return children_of(self.pool_pid(pool))

    def app_worker_pids(self):
        """The workers that serve the API outside the chat: the api pool's and the write pool's."""
        return self.worker_pids("api") | self.worker_pids("write")

    def app_log(self):
        """What the api and write pools logged (one line per request)."""
        out = []
        for name in ("api.log", "write.log"):
            with open(os.path.join(self.data, "log", name), "rb") as f:
                out.append(f.read().decode("utf-8", "replace"))
        return "\n".join(out)

    def logs(self, n=15):
        return "\n".join(tail(os.path.join(self.data, p), n) for p in (
            "scripts-run.log", "log/api.log", "log/chat.log", "log/write.log", "log/nginx-error.log"))

    def server_pids(self):
        """nginx's master pid, the pools' pids and their workers: what scripts/run must stop."""
        pids = set()
        for name in ("nginx", "api", "chat", "write"):
            try:
                with open(os.path.join(self.data, "run", name + ".pid")) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                continue
            pids.add(pid)
            pids |= children_of(pid)
        return pids

    def stop(self):
        """SIGTERM to scripts/run (it stops nginx and the pool), wait up to 20 s, then SIGKILL it.
        If it had to be killed, the servers it started are stopped by the pids it recorded."""
        if self.proc is None:
            return
        killed = False
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                killed = True
                try:
                    os.kill(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.stopped_by_itself = not killed
        if killed:
            self._stop_recorded_servers()
        if self.gemini is not None:
            self.gemini.stop()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()

    def _stop_recorded_servers(self):
        for name, expect in (("nginx", "nginx"), ("api", "multiwatch"), ("chat", "multiwatch"),
                             ("write", "multiwatch")):
            try:
                with open(os.path.join(self.data, "run", name + ".pid")) as f:
                    pid = int(f.read().strip())
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if expect.encode() not in f.read():
                        continue  # the pid was reused by something else
                os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                continue
            for _ in range(100):
                if not pid_alive(pid):
                    break
                time.sleep(0.05)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def cleanup(self, keep=False):
        if keep:
            return
        shutil.rmtree(self.tmpdir, ignore_errors=True)
