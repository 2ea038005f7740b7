"""A git smart-HTTP server that requires HTTP Basic authentication.

The protocol itself is the real one: every request under /git/ is handed
to `git http-backend` as a CGI program (GIT_PROJECT_ROOT from emu.config),
so a real `git clone` / `git ls-remote` exercises git's whole credential
path: 401 → credential fill → retry with Basic → approve (store) on
success, reject (erase) on a second 401.

emu.config:
  git_root      directory holding the bare repositories (required)
  git_user      accepted username (default "git-user")
  git_password  accepted password (default "git-password")
  accept_tokens true: also accept, as the password with any username, a
                token the oauth_cc plugin of the same emulator issued and
                has not revoked (run as "oauth_cc,git_http")
emu.state:
  git_auth_ok    list of usernames that authenticated
  git_auth_fail  number of rejected Authorization headers
"""
import os
import subprocess

PREFIX = "/git"


def _unauthorized(emu, why):
    with emu.lock:
        if why == "bad":
            emu.state["git_auth_fail"] = emu.state.get("git_auth_fail", 0) + 1
    return (401, {"WWW-Authenticate": 'Basic realm="agentcred git emulator"',
                  "Content-Type": "text/plain"}, b"authentication required\n")


def _authorized(req, emu):
    basic = req.basic_auth()
    if not basic:
        return None
    user, pw = basic
    cfg = emu.config
    if user == cfg.get("git_user", "git-user") and \
       pw == cfg.get("git_password", "git-password"):
        return user
    if cfg.get("accept_tokens"):
        revoked = emu.state.get("revoked", [])
        if pw in emu.state.get("tokens", []) and pw not in revoked:
            return user
    return False


def _backend(req, emu, user):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": emu.config["git_root"],
        "GIT_HTTP_EXPORT_ALL": "1",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": req.method,
        "PATH_INFO": req.path[len(PREFIX):],
        "QUERY_STRING": "&".join("%s=%s" % kv for kv in req.query.items()),
        "CONTENT_TYPE": req.headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(req.body)),
        "REMOTE_USER": user,
        "REMOTE_ADDR": "127.0.0.1",
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    for h in ("git-protocol", "content-encoding"):
        if h in req.headers:
            env["HTTP_" + h.upper().replace("-", "_")] = req.headers[h]
    p = subprocess.run(["git", "http-backend"], input=req.body, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    out = p.stdout
    sep = out.find(b"\r\n\r\n")
    seplen = 4
    if sep < 0:
        sep = out.find(b"\n\n")
        seplen = 2
    if p.returncode != 0 and sep < 0:
        return (500, {"Content-Type": "text/plain"}, p.stderr[-2000:])
    head, body = out[:sep].decode("latin-1"), out[sep + seplen:]
    status, headers = 200, {}
    for line in head.splitlines():
        k, _, v = line.partition(":")
        if k.lower() == "status":
            status = int(v.strip().split()[0])
        elif k:
            headers[k.strip()] = v.strip()
    return status, headers, body


def handle(req, emu):
    if not req.path.startswith(PREFIX + "/"):
        return None
    user = _authorized(req, emu)
    if user is None:
        return _unauthorized(emu, "none")
    if user is False:
        return _unauthorized(emu, "bad")
    with emu.lock:
        emu.state.setdefault("git_auth_ok", []).append(user)
    return _backend(req, emu, user)
