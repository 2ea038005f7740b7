#!/usr/bin/env python3
"""Loopback HTTP(S) emulator core for agentcred's integration tests.

Standard library only (python3 on PATH here cannot see Debian's packages).
Plugins (tests/emulators/NAME.py) define handle(req, emu) and return
(status, headers, body) or None.  Several plugins may share one process
("oauth_cc,kube_api"): they share emu.state, so an API plugin can accept
exactly the tokens a token plugin issued.

The core owns what every emulator needs:
  GET  /_emu/stats   {"total": n, "paths": {path: n}, "state": {...}}
  POST /_emu/set     merge a JSON object into emu.config (null removes a key)
  POST /_emu/fault   queue a fault: {"path": "/oauth/token" (prefix, default
                     any), "status": 503, "body": "...", "headers": {...},
                     "retry_after": "2", "kind": "hang|reset|trickle|huge|
                     badjson|redirect|delay", "delay": s, "times": 1 (-1 =
                     forever)}
  POST /_emu/reset   clear counters, faults and plugin state
Flapping mode: config {"flap": "/oauth/token"} (a path prefix) faults
requests there on a cycle of flap_period s: bursts of 500s, hangs of
flap_hang s, resets, slow answers (the soak, tests/soak.sh).
Replies go out in one write with Nagle off: on TLS loopback anything else
stalls ~40 ms per reply.

--client-ca CA --mtls-port-file F adds a second HTTPS listener sharing the
same state, like XSUAA's authentication.cert host: its handshake requires
a client certificate issued by CA; plugins see req.mtls = True and
req.client_subject (the certificate's subject as a dict) there.
"""
import argparse
import base64
import http.server
import importlib
import json
import os
import random
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class BadRequest(Exception):
    pass


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self._form = None
        self.mtls = False
        self.client_subject = {}

    @property
    def form(self):
        """The form body; a repeated key is a malformed request (400)."""
        if self._form is None:
            ctype = self.headers.get("content-type", "")
            if not ctype.startswith("application/x-www-form-urlencoded"):
                raise BadRequest("content-type is not a form: %r" % ctype)
            form = {}
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("form body is not UTF-8")
            for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True,
                                               strict_parsing=bool(text)):
                if k in form:
                    raise BadRequest("repeated form parameter %s" % k)
                form[k] = v
            self._form = form
        return self._form

    def basic_auth(self):
        """(user, password) of an Authorization: Basic header, raw."""
        h = self.headers.get("authorization", "")
        if not h.lower().startswith("basic "):
            return None
        try:
            raw = base64.b64decode(h[6:].strip(), validate=True).decode()
        except Exception:
            raise BadRequest("undecodable Basic credentials")
        if ":" not in raw:
            raise BadRequest("Basic credentials without ':'")
        user, _, pw = raw.partition(":")
        return user, pw

    def bearer(self):
        h = self.headers.get("authorization", "")
        if h.startswith("Bearer "):
            return h[7:]
        return None


class Emu:
    def __init__(self, config, plugins):
        self.config = config
        self.plugins = plugins
        self.state = {}
        self.lock = threading.Lock()
        self.counts = {}
        self.total = 0
        self.faults = []
        self.seq = 0

    def now(self):
        return int(time.time()) + int(self.config.get("clock_offset", 0))

    def json(self, status, obj, headers=None):
        h = {"Content-Type": "application/json; charset=utf-8",
             "Cache-Control": "no-store"}
        if headers:
            h.update(headers)
        return status, h, json.dumps(obj).encode()

    def jwt(self, claims):
        """A JWT-shaped token: real header and claims, fake signature."""
        with self.lock:
            self.seq += 1
            seq = self.seq
        head = {"typ": "JWT", "alg": "RS256", "kid": "emu"}
        body = dict(claims)
        body.setdefault("jti", "%d-%d" % (os.getpid(), seq))
        return ".".join([b64url(json.dumps(head).encode()),
                         b64url(json.dumps(body).encode()),
                         b64url(os.urandom(32))])

    def flap_fault(self, path):
        """Flapping mode (config "flap": path prefix): a fault chosen by
        where we are in a cycle of flap_period seconds (default 20):
        bursts of 500s, hangs (flap_hang s), resets, slow answers, and a
        few stray 500s and slow answers in the calm parts."""
        prefix = self.config.get("flap")
        if not prefix or not path.startswith(prefix):
            return None
        period = float(self.config.get("flap_period", 20))
        phase = (time.time() % period) / period
        r = random.random()
        if 0.30 <= phase < 0.45:
            return {"status": 500}
        if 0.45 <= phase < 0.55:
            return {"kind": "hang", "delay": float(self.config.get("flap_hang", 8))}
        if 0.55 <= phase < 0.65:
            return {"kind": "reset"}
        if 0.65 <= phase < 0.80:
            return {"kind": "delay", "delay": 0.5 + 2.5 * r}
        if r < 0.05:
            return {"status": 500}
        if r < 0.15:
            return {"kind": "delay", "delay": 0.2 + r * 5}
        return None

    def take_fault(self, path):
        with self.lock:
            for f in self.faults:
                p = f.get("path")
                if p and not path.startswith(p):
                    continue
                times = f.get("times", 1)
                if times == 0:
                    continue
                if times > 0:
                    f["times"] = times - 1
                return dict(f)
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "agentcred-emu/1"

    def log_message(self, fmt, *args):
        if os.environ.get("EMU_LOG"):
            sys.stderr.write("emu: " + (fmt % args) + "\n")

    def reply(self, status, headers, body, close=False):
        lines = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("x",))[0])]
        hdrs = {"Date": self.date_time_string(), "Content-Length": str(len(body))}
        hdrs.update(headers or {})
        if close:
            hdrs["Connection"] = "close"
            self.close_connection = True
        for k, v in hdrs.items():
            lines.append("%s: %s" % (k, v))
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.wfile.write(data)
        self.wfile.flush()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 4 * 1024 * 1024:
            raise BadRequest("request body too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def control(self, method, path, body):
        emu = self.server.emu
        if path == "/_emu/stats":
            with emu.lock:
                out = {"total": emu.total, "paths": dict(emu.counts),
                       "state": emu.state}
                data = json.dumps(out, default=str).encode()
            return 200, {"Content-Type": "application/json"}, data
        if method != "POST":
            return 405, {}, b""
        obj = json.loads(body or b"{}")
        with emu.lock:
            if path == "/_emu/set":
                for k, v in obj.items():
                    if v is None:
                        emu.config.pop(k, None)
                    else:
                        emu.config[k] = v
            elif path == "/_emu/fault":
                emu.faults.append(obj)
            elif path == "/_emu/reset":
                emu.counts.clear()
                emu.total = 0
                emu.faults.clear()
                emu.state.clear()
            else:
                return 404, {}, b""
        return 204, {}, b""

    def dispatch(self, method):
        emu = self.server.emu
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        try:
            body = self.read_body()
        except BadRequest as e:
            self.reply(400, {}, str(e).encode(), close=True)
            return
        if path.startswith("/_emu/"):
            self.reply(*self.control(method, path, body))
            return
        with emu.lock:
            emu.total += 1
            emu.counts[path] = emu.counts.get(path, 0) + 1
        fault = emu.take_fault(path) or emu.flap_fault(path)
        if fault and self.inject(fault):
            return
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(method, path, query, headers, body)
        if self.server.mtls:
            req.mtls = True
            cert = self.connection.getpeercert() or {}
            req.client_subject = {k: v for rdn in cert.get("subject", ())
                                  for k, v in rdn}
        result = None
        try:
            for plugin in emu.plugins:
                result = plugin.handle(req, emu)
                if result is not None:
                    break
        except BadRequest as e:
            result = emu.json(400, {"error": "invalid_request",
                                    "error_description": str(e)})
        if result is None:
            result = (404, {"Content-Type": "text/plain"}, b"not found\n")
        self.reply(*result)

    def inject(self, f):
        """Apply a fault; True when the reply was fully handled here."""
        kind = f.get("kind")
        sock = self.connection
        if kind == "delay":
            time.sleep(float(f.get("delay", 1)))
            return False
        if kind == "hang":
            time.sleep(float(f.get("delay", 3600)))
            self.close_connection = True
            return True
        if kind == "reset":
            part = b'{"access_token": "abc'
            head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Content-Length: 4096\r\n\r\n").encode()
            self.wfile.write(head + part)
            self.wfile.flush()
            raw = getattr(sock, "_sock", sock)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            except OSError:
                pass
            try:
                raw.close()
            except OSError:
                pass
            self.close_connection = True
            return True
        if kind == "trickle":
            body = b'{"access_token": "trickled", "expires_in": 3600}'
            head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\n\r\n" % len(body)).encode()
            self.wfile.write(head)
            self.wfile.flush()
            for i in range(len(body)):
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    break
                time.sleep(float(f.get("delay", 1)))
            self.close_connection = True
            return True
        if kind == "huge":
            pad = "x" * (int(f.get("size", 2 * 1024 * 1024)))
            body = json.dumps({"access_token": "huge", "expires_in": 3600,
                               "pad": pad}).encode()
            self.reply(200, {"Content-Type": "application/json"}, body)
            return True
        if kind == "badjson":
            self.reply(200, {"Content-Type": "application/json"},
                       f.get("body", '{"access_token": "x", ').encode())
            return True
        if kind == "redirect":
            self.reply(f.get("status", 302),
                       {"Location": f.get("location", "/redirected")}, b"")
            return True
        status = int(f.get("status", 500))
        headers = dict(f.get("headers", {}))
        if "retry_after" in f:
            headers["Retry-After"] = str(f["retry_after"])
        body = f.get("body")
        if body is None:
            body = "" if status < 400 else "<html>error %d</html>" % status
            headers.setdefault("Content-Type", "text/html")
        elif isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        self.reply(status, headers, body.encode())
        return True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, addr, handler, emu, context, mtls=False):
        self.emu = emu
        self.context = context
        self.mtls = mtls
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.context:
            # handshake in the handler thread, so a stuck client cannot
            # block the accept loop
            sock = self.context.wrap_socket(sock, server_side=True,
                                            do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if self.context:
            request.settimeout(30)
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return
            request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if os.environ.get("EMU_LOG"):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", required=True, help="NAME[,NAME...]")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--http", action="store_true")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-ca")
    ap.add_argument("--mtls-port-file")
    ap.add_argument("settings", nargs="*", help="key=value for emu.config")
    a = ap.parse_args()
    config = {}
    for kv in a.settings:
        k, _, v = kv.partition("=")
        try:
            config[k] = json.loads(v)
        except ValueError:
            config[k] = v
    plugins = [importlib.import_module(n) for n in a.plugin.split(",")]
    emu = Emu(config, plugins)
    context = None
    if not a.http:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(a.cert, a.key)
    srv = Server(("127.0.0.1", a.port), Handler, emu, context)
    if a.client_ca:
        mctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        mctx.load_cert_chain(a.cert, a.key)
        mctx.verify_mode = ssl.CERT_REQUIRED
        mctx.load_verify_locations(a.client_ca)
        msrv = Server(("127.0.0.1", 0), Handler, emu, mctx, mtls=True)
        threading.Thread(target=msrv.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
        mtmp = a.mtls_port_file + ".tmp"
        with open(mtmp, "w") as f:
            f.write("%d\n" % msrv.server_address[1])
        os.rename(mtmp, a.mtls_port_file)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
