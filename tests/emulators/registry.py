"""The authentication part of a Docker registry (distribution spec "API
version check"): GET /v2/ answers 200 to valid HTTP Basic credentials and
401 with a Basic challenge otherwise.  That is all `docker login` needs,
and it runs client side when no docker daemon answers.

emu.config:
  reg_user, reg_password   accepted credentials (default reg-user/reg-pass)
  accept_tokens            true: also accept, as the password with any
                           username, a live token of the oauth_cc plugin of
                           the same emulator ("oauth_cc,registry")
emu.state:
  reg_auth_ok              usernames that authenticated
"""

HEADERS = {"Docker-Distribution-API-Version": "registry/2.0",
           "Content-Type": "application/json"}


def handle(req, emu):
    if req.path not in ("/v2/", "/v2"):
        return None
    basic = req.basic_auth()
    cfg = emu.config
    ok = False
    if basic:
        user, pw = basic
        ok = (user == cfg.get("reg_user", "reg-user") and
              pw == cfg.get("reg_password", "reg-pass"))
        if not ok and cfg.get("accept_tokens"):
            ok = pw in emu.state.get("tokens", []) and \
                pw not in emu.state.get("revoked", [])
    if not ok:
        h = dict(HEADERS)
        h["WWW-Authenticate"] = 'Basic realm="agentcred registry emulator"'
        return 401, h, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}\n'
    with emu.lock:
        emu.state.setdefault("reg_auth_ok", []).append(basic[0])
    return 200, HEADERS, b"{}\n"
