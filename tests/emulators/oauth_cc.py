"""RFC 6749 §4.4 client-credentials token endpoint (SAP XSUAA flavour).

Strict about what it accepts, like the real servers:
  - POST, form body, grant_type=client_credentials, no unknown parameters;
  - exactly one client authentication: client_secret in the body, or
    HTTP Basic (decoded from form-urlencoding when the request carries
    X-CF-ENCODED-CREDENTIALS: true, raw otherwise, as UAA/XSUAA do);
  - wrong client → 401 {"error":"invalid_client","error_description":
    "Bad credentials"}.
emu.config: token_path (/oauth/token), client_id, client_secret, auth
(any|post|basic), lifetime (s), expires_in_as (number|string|absent),
token_kind (jwt|opaque), scope/audience/resource (required values),
lifetime_range [lo, hi] or [[lo, hi], ...] (a random lifetime per token), issue_log (a file:
one JSON line per issued token with its exp and scope, instead of keeping
them in emu.state — the soak issues too many to list).
On the mutual-TLS listener (emu.py --client-ca, XSUAA's authentication.cert
host) the client authenticates with its certificate alone: client_id in the
form, no client_secret and no Basic (refused as invalid_client), the
certificate's CN must be mtls_cn (default cc-client) and the client_id
client_id; such tokens are counted in emu.state["mtls_tokens"].
token_pad (bytes of padding in a jwt, for big tokens).
Issued tokens are listed in emu.state["tokens"]; POST /emu/revoke marks
them all revoked.  GET|POST /echo/... requires a live Bearer token and
answers the request headers as JSON (for curl/kubectl-style callers).
"""
import json
import random
import urllib.parse


ALLOWED = {"grant_type", "client_id", "client_secret", "scope", "audience",
           "resource"}


def _err(emu, status, error, desc):
    return emu.json(status, {"error": error, "error_description": desc})


def live_tokens(emu):
    return [t for t in emu.state.get("tokens", [])
            if t not in emu.state.get("revoked", [])]


def token(req, emu):
    cfg = emu.config
    if req.method != "POST":
        return _err(emu, 405, "invalid_request", "POST only")
    form = req.form
    unknown = set(form) - ALLOWED
    if unknown:
        return _err(emu, 400, "invalid_request",
                    "unknown parameter %s" % sorted(unknown)[0])
    if form.get("grant_type") != "client_credentials":
        return _err(emu, 400, "unsupported_grant_type",
                    "grant_type must be client_credentials")
    basic = req.basic_auth()
    if req.mtls:
        if basic or "client_secret" in form:
            return _err(emu, 401, "invalid_client",
                        "a client secret is not accepted on the certificate host")
        cid = form.get("client_id")
        if cid != cfg.get("client_id", "cc-client"):
            return _err(emu, 401, "invalid_client", "Bad credentials")
        if req.client_subject.get("commonName") != cfg.get("mtls_cn", "cc-client"):
            return _err(emu, 401, "invalid_client",
                        "the client certificate does not belong to this client")
        with emu.lock:
            emu.state["mtls_tokens"] = emu.state.get("mtls_tokens", 0) + 1
        return _issue(req, emu, cid)
    if basic and "client_secret" in form:
        return _err(emu, 400, "invalid_request",
                    "client authenticated twice (Basic and client_secret)")
    want = cfg.get("auth", "any")
    if basic:
        if want == "post":
            return _err(emu, 401, "invalid_client", "Basic not allowed")
        cid, secret = basic
        if req.headers.get("x-cf-encoded-credentials") == "true":
            cid = urllib.parse.unquote_plus(cid)
            secret = urllib.parse.unquote_plus(secret)
        if "client_id" in form and form["client_id"] != cid:
            return _err(emu, 400, "invalid_request", "client_id mismatch")
    else:
        if want == "basic":
            return _err(emu, 401, "invalid_client",
                        "Full authentication is required")
        cid, secret = form.get("client_id"), form.get("client_secret")
        if cid is None or secret is None:
            return _err(emu, 401, "invalid_client",
                        "Full authentication is required")
    if cid != cfg.get("client_id", "cc-client") or \
       secret != cfg.get("client_secret", "cc-secret"):
        return _err(emu, 401, "invalid_client", "Bad credentials")
    return _issue(req, emu, cid)


def _issue(req, emu, cid):
    cfg = emu.config
    form = req.form
    for p in ("scope", "audience", "resource"):
        if p in cfg and form.get(p) != cfg[p]:
            return _err(emu, 400, "invalid_scope" if p == "scope" else
                        "invalid_target", "%s must be %s" % (p, cfg[p]))
    now = emu.now()
    life = int(cfg.get("lifetime", 3600))
    if "lifetime_range" in cfg:
        ranges = cfg["lifetime_range"]
        lo, hi = random.choice(ranges) if isinstance(ranges[0], list) else ranges
        life = random.randint(int(lo), int(hi))
    if cfg.get("token_kind", "jwt") == "jwt":
        claims = {"iss": "emu", "sub": cid, "aud": "api", "iat": now,
                  "exp": now + life, "client_id": cid}
        if "token_pad" in cfg:
            claims["pad"] = "p" * int(cfg["token_pad"])
        tok = emu.jwt(claims)
    else:
        tok = "opaque-" + emu.jwt({}).split(".")[2]
    with emu.lock:
        if "issue_log" in cfg:
            # written before the answer goes out, so a token printed by a
            # client is always in the log already
            with open(cfg["issue_log"], "a") as f:
                f.write(json.dumps({"token": tok, "exp": now + life,
                                    "scope": form.get("scope", ""),
                                    "client_id": cid}) + "\n")
        else:
            emu.state.setdefault("tokens", []).append(tok)
    out = {"access_token": tok, "token_type": "bearer", "jti": "x"}
    how = cfg.get("expires_in_as", "number")
    if how == "number":
        out["expires_in"] = life
    elif how == "string":
        out["expires_in"] = str(life)
    if "scope" in form:
        out["scope"] = form["scope"]
    return emu.json(200, out)


def echo(req, emu):
    tok = req.bearer()
    if not tok or tok not in live_tokens(emu):
        return emu.json(401, {"error": "unauthorized"},
                        {"WWW-Authenticate": "Bearer"})
    return emu.json(200, {"method": req.method, "path": req.path,
                          "headers": req.headers})


def handle(req, emu):
    if req.path == emu.config.get("token_path", "/oauth/token"):
        return token(req, emu)
    if req.path == "/emu/revoke":
        with emu.lock:
            emu.state["revoked"] = list(emu.state.get("tokens", []))
        return 204, {}, b""
    if req.path.startswith("/echo"):
        return echo(req, emu)
    return None
