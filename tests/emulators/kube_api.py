"""A Kubernetes API server front, enough for `kubectl get --raw`.

Every request must carry `Authorization: Bearer <token>` with a token that
is currently accepted, else 401 with the Status object kube-apiserver
sends (kubectl then re-runs its exec plugin once and gives up).

Accepted tokens, simplest first:
  - run it in one process with the token plugin, "oauth_cc,kube_api": the
    plugins share emu.state, so the tokens oauth_cc issued
    (state["tokens"]) minus the ones it revoked (POST /emu/revoke,
    state["revoked"]) are accepted;
  - or list them explicitly: emu_set ID '{"kube_tokens": ["t1", "t2"]}'
    (when kube_tokens is set, only those are accepted).
Tokens the server accepted are appended to state["kube_seen"] so a test
can check what kubectl sent (its -v=8 log never shows the header).

Paths: /, /version, /api, /apis, /healthz; others are 404 (after the
authentication check, as the real server does).
"""

ROOT_PATHS = ["/api", "/api/v1", "/apis", "/healthz", "/version"]


def accepted(emu):
    explicit = emu.config.get("kube_tokens")
    if explicit is not None:
        return list(explicit)
    revoked = emu.state.get("revoked", [])
    return [t for t in emu.state.get("tokens", []) if t not in revoked]


def unauthorized(emu):
    return emu.json(401, {"kind": "Status", "apiVersion": "v1",
                          "metadata": {}, "status": "Failure",
                          "message": "Unauthorized", "reason": "Unauthorized",
                          "code": 401})


def handle(req, emu):
    if req.path.startswith("/_emu/") or req.path.startswith("/emu/") or \
       req.path == emu.config.get("token_path", "/oauth/token") or \
       req.path.startswith("/echo"):
        return None
    if req.method != "GET":
        return emu.json(405, {"kind": "Status", "code": 405})
    tok = req.bearer()
    with emu.lock:
        ok = bool(tok) and tok in accepted(emu)
        if ok:
            emu.state.setdefault("kube_seen", []).append(tok)
    if not ok:
        return unauthorized(emu)
    if req.path == "/":
        return emu.json(200, {"paths": ROOT_PATHS})
    if req.path == "/version":
        return emu.json(200, {"major": "1", "minor": "32",
                              "gitVersion": "v1.32.0-agentcred-emu",
                              "platform": "linux/amd64"})
    if req.path == "/healthz":
        return 200, {"Content-Type": "text/plain"}, b"ok"
    if req.path == "/api":
        return emu.json(200, {"kind": "APIVersions", "versions": ["v1"],
                              "serverAddressByClientCIDRs": []})
    if req.path == "/apis":
        return emu.json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                              "groups": []})
    return emu.json(404, {"kind": "Status", "apiVersion": "v1",
                          "metadata": {}, "status": "Failure",
                          "message": "the server could not find the requested resource",
                          "reason": "NotFound", "code": 404})
