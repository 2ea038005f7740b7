"""Microsoft Entra Agent ID token endpoint emulator (plugin for emu.py).

Serves POST /{tenant}/oauth2/v2.0/token for the three request sequences of
README.md, "Design: token systems" and a Graph-style GET /v1.0/users that wants a token issued
here.  It is strict: every parameter of every step is checked, and a wrong,
missing or unexpected one gets Entra's error shape (HTTP 400, or 401 for
invalid_client) with an AADSTS code, trace and correlation ids.

emu.config keys (k=v on emu_start, or emu_set at run time):
  tenant            tenant in the URL path         (default "contoso.example")
  blueprint         blueprint app id               (default "b1b1...")
  secret            blueprint client secret        (default "bp-secret")
  fic               accepted federated credential for step 1 (unset: none)
  agent             agent identity app id          (default "a9a9...")
  other_agent       a second agent id of the same blueprint (T1 for it is
                    valid but must not work as the first agent's assertion)
  upn, oid          the agent user's UPN and object id
  t1_lifetime, t2_lifetime, lifetime   expires_in of T1, T2, final tokens
  revoked_before    T1s issued before this unix time are refused
                    (invalid_client AADSTS700024), as after a server-side
                    revocation
  cert_files        comma-separated PEM files: the certificates registered
                    on the blueprint; a step-1 client_assertion with an x5t
                    header must be an RS256 JWT signed by one of them
                    (verified with Debian's python3-cryptography), aud = the
                    token URL, iss = sub = blueprint, a jti never seen before
  mi_client_id      client id of the system-assigned managed identity
  user_mi_client_id client id of a user-assigned managed identity
  fic_mi            comma-separated managed identity client ids trusted as
                    the blueprint's federated credential (default: both)
  identity_header   X-IDENTITY-HEADER the App Service style endpoint wants
  mi_lifetime       lifetime of managed identity tokens
  jwt_exp_extra     final tokens' JWT exp is this much later than expires_in
  omit_expires_in   final token answers carry no expires_in
  force_error       make every final-token request fail with this error:
                    interaction_required | invalid_grant | invalid_client |
                    unauthorized_client | temporarily_unavailable
emu.state (read with emu_state): "posts" counts answered requests by step
(t1, t2, app, obo, user_fic), "errors" lists "error:AADSTS code" of every
refusal, "last_credential" tells how step 1 authenticated ("secret" or
"assertion:<sha256 prefix>"), "last_user_by" is username or user_id,
"obo_users" the oid of each OBO user, "issued" every token handed out,
"last_correlation_id" that of the last refusal, "mi" counts managed
identity tokens served by endpoint style ("imds", "appservice"), "jtis"
of the certificate assertions accepted, "last_assertion" the last one.

Managed identity endpoints (run a second instance with --http and point
AZURE_POD_IDENTITY_AUTHORITY_HOST or IDENTITY_ENDPOINT at it):
  GET /metadata/identity/oauth2/token   IMDS: Metadata: true,
                                        api-version=2018-02-01
  GET /msi/token                        App Service / Container Apps / Arc:
                                        X-IDENTITY-HEADER, api-version=2019-08-01
The token endpoint accepts their tokens by their claims (the two
instances share no state).
"""

import base64
import datetime
import hashlib
import json
import uuid

JWTBEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EXCHANGE_SCOPE = "api://AzureADTokenExchange/.default"
EXCHANGE_AUD = "fb60f99c-7a34-4190-8149-302f77469936"  # AzureADTokenExchange

DEFAULTS = {
    "tenant": "contoso.example",
    "blueprint": "b1b1b1b1-0000-4000-8000-000000000001",
    "secret": "bp-secret",
    "agent": "a9a9a9a9-0000-4000-8000-000000000002",
    "other_agent": "a8a8a8a8-0000-4000-8000-000000000003",
    "upn": "agent-user@contoso.example",
    "oid": "0d0d0d0d-0000-4000-8000-000000000004",
    "t1_lifetime": 3900,
    "t2_lifetime": 3600,
    "lifetime": 3599,
    "mi_client_id": "5a5a5a5a-0000-4000-8000-000000000005",
    "user_mi_client_id": "5b5b5b5b-0000-4000-8000-000000000006",
    "identity_header": "emu-identity-header",
    "mi_lifetime": 86400,
}
MI_RESOURCE = "api://AzureADTokenExchange"

CLAIMS_CHALLENGE = ('{"access_token":{"capolids":{"essential":true,'
                    '"values":["c3a9f1e0-5b1e-4a53-9d2b-6d1c0e7d1f00"]}}}')

FORCED = {
    "interaction_required": (400, 50076, "Due to a configuration change made "
                             "by your administrator, or because you moved to a "
                             "new location, you must use multi-factor "
                             "authentication to access the resource."),
    "invalid_grant": (400, 50173, "The provided grant has expired due to it "
                      "being revoked, a fresh auth token is needed."),
    "invalid_client": (401, 7000222, "The provided client secret keys for app "
                       "are expired."),
    "unauthorized_client": (400, 700016, "Application was not found in the "
                            "directory."),
    "temporarily_unavailable": (503, 90033, "A transient error has occurred. "
                                "Please try again."),
}


def cfg(emu, key):
    v = emu.config.get(key, DEFAULTS.get(key))
    if key.endswith("lifetime") or key in ("revoked_before", "jwt_exp_extra"):
        return int(v) if v is not None else None
    return v


def aad_error(emu, req, status, error, code, message, claims=None):
    """Entra's error body: description = AADSTS line + trace lines."""
    trace = str(uuid.uuid4())
    corr = req.headers.get("client-request-id") or str(uuid.uuid4())
    ts = datetime.datetime.fromtimestamp(
        emu.now(), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": error,
        "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID:"
                             " %s\r\nTimestamp: %s" % (code, message, trace,
                                                       corr, ts),
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": "https://login.microsoftonline.com/error?code=%d" % code,
    }
    if claims:
        body["claims"] = claims
    emu.state.setdefault("errors", []).append("%s:%d" % (error, code))
    emu.state["last_correlation_id"] = corr
    return emu.json(status, body)


class Reject(Exception):
    def __init__(self, status, error, code, message, claims=None):
        super().__init__(message)
        self.args5 = (status, error, code, message, claims)


def need(form, name):
    v = form.get(name)
    if v is None or v == "":
        raise Reject(400, "invalid_request", 900144,
                     "The request body must contain the following parameter:"
                     " '%s'." % name)
    return v


def only(form, allowed):
    for k in form:
        if k not in allowed:
            # Entra ignores some unknown parameters; the emulator does not,
            # so that the helper can never send one by mistake.
            raise Reject(400, "invalid_request", 90100,
                         "The request contains an unexpected parameter '%s'."
                         % k)


def decode_jwt(tok):
    parts = tok.split(".")
    if len(parts) != 3:
        return None
    try:
        pad = "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + pad))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def issue(emu, kind, lifetime, scope, claims):
    now = int(emu.now())
    extra = (cfg(emu, "jwt_exp_extra") or 0) if kind == "final" else 0
    base = {
        "iss": "https://login.microsoftonline.com/%s/v2.0" % cfg(emu, "tenant"),
        "iat": now, "nbf": now, "exp": now + lifetime + extra,
        "jti": uuid.uuid4().hex, "emu_kind": kind,
        "tid": cfg(emu, "tenant"),
    }
    base.update(claims)
    tok = emu.jwt(base)
    emu.state.setdefault("issued", {})[tok] = base
    body = {"token_type": "Bearer", "expires_in": lifetime,
            "ext_expires_in": lifetime, "access_token": tok}
    if scope:
        body["scope"] = scope
    if kind == "final" and emu.config.get("omit_expires_in"):
        del body["expires_in"]
        del body["ext_expires_in"]
    return emu.json(200, body)


def client_assertion_t1(emu, form, agent):
    """The agent's credentials: T1 issued by step 1 for this agent."""
    if form.get("client_secret") is not None:
        raise Reject(401, "invalid_client", 7000215,
                     "Invalid client secret provided. An agent identity "
                     "authenticates with its blueprint's assertion only.")
    if form.get("client_assertion_type") != JWTBEARER:
        if form.get("client_assertion_type") is None:
            raise Reject(401, "invalid_client", 7000216,
                         "'client_assertion', 'client_secret' or 'request' "
                         "is required for the 'client_credentials' grant "
                         "type.")
        raise Reject(400, "invalid_request", 50027,
                     "Invalid client_assertion_type '%s'."
                     % form.get("client_assertion_type"))
    tok = need(form, "client_assertion")
    claims = emu.state.get("issued", {}).get(tok)
    if claims is None or claims.get("emu_kind") != "t1":
        raise Reject(401, "invalid_client", 50027,
                     "JWT token is invalid or malformed.")
    if claims.get("aud") != EXCHANGE_AUD or claims.get("sub") != agent \
            or claims.get("azp") != cfg(emu, "blueprint"):
        raise Reject(401, "invalid_client", 700211,
                     "No matching federated identity record found for "
                     "presented assertion issuer or subject '%s'."
                     % claims.get("sub"))
    if claims["exp"] <= emu.now():
        raise Reject(401, "invalid_client", 700024,
                     "Client assertion is not within its valid time range.")
    rb = cfg(emu, "revoked_before")
    if rb is not None and claims["iat"] < rb:
        raise Reject(401, "invalid_client", 700024,
                     "Client assertion is not within its valid time range. "
                     "Current time: now, assertion valid until: revoked.")
    return claims


def b64d(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_part(tok, i):
    parts = tok.split(".")
    if len(parts) != 3:
        return None
    try:
        v = json.loads(b64d(parts[i]))
    except (ValueError, UnicodeDecodeError):
        return None
    return v if isinstance(v, dict) else None


def registered_certs(emu):
    from cryptography import x509
    certs = []
    for path in (emu.config.get("cert_files") or "").split(","):
        if path:
            with open(path, "rb") as f:
                text = f.read()
            end = b"-----END CERTIFICATE-----"
            for block in text.split(end)[:-1]:
                certs.append(x509.load_pem_x509_certificate(block + end))
    return certs


def cert_assertion(emu, req, assertion, head):
    """RFC 7523 client assertion signed by a registered certificate."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    claims = jwt_part(assertion, 1)
    if head.get("alg") != "RS256" or head.get("typ") != "JWT" or \
            claims is None:
        raise Reject(401, "invalid_client", 50027,
                     "Invalid JWT token. The token header must have alg "
                     "RS256 and typ JWT.")
    x5t = head.get("x5t")
    match = [c for c in registered_certs(emu)
             if b64u(c.fingerprint(hashes.SHA1())) == x5t]
    if not match:
        try:
            thumb = b64d(x5t).hex().upper()
        except (ValueError, TypeError):
            thumb = "?"
        raise Reject(401, "invalid_client", 700027,
                     "Client assertion failed signature validation. [Reason "
                     "- The key was not found., Thumbprint of key used by "
                     "client: '%s']" % thumb)
    cert = match[0]
    if head.get("x5t#S256") != b64u(cert.fingerprint(hashes.SHA256())):
        raise Reject(401, "invalid_client", 700027,
                     "Client assertion failed signature validation. [Reason "
                     "- x5t#S256 does not match x5t.]")
    signed, _, sig = assertion.rpartition(".")
    try:
        cert.public_key().verify(b64d(sig), signed.encode(),
                                 padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise Reject(401, "invalid_client", 700027,
                     "Client assertion contains an invalid signature.")
    aud = "https://%s%s" % (req.headers.get("host", ""), req.path)
    if claims.get("aud") != aud:
        raise Reject(401, "invalid_client", 700212,
                     "The audience '%s' of the client assertion is not the "
                     "token endpoint '%s'." % (claims.get("aud"), aud))
    bp = cfg(emu, "blueprint")
    if claims.get("iss") != bp or claims.get("sub") != bp:
        raise Reject(401, "invalid_client", 700021,
                     "Client assertion application identifier doesn't match "
                     "'client_id' parameter.")
    now = emu.now()
    for k in ("iat", "nbf", "exp"):
        if not isinstance(claims.get(k), int):
            raise Reject(401, "invalid_client", 50027,
                         "Invalid JWT token: no numeric %s." % k)
    if claims["nbf"] > now + 300 or claims["exp"] <= now or \
            claims["exp"] - claims["nbf"] > 3600:
        raise Reject(401, "invalid_client", 700024,
                     "Client assertion is not within its valid time range.")
    jti = claims.get("jti")
    seen = emu.state.setdefault("jtis", [])
    if not isinstance(jti, str) or not jti:
        raise Reject(401, "invalid_client", 50027,
                     "Invalid JWT token: no jti.")
    if jti in seen:
        # the code is the emulator's: Entra refuses replays too
        raise Reject(401, "invalid_client", 7000215,
                     "Client assertion replayed: jti '%s' was already used."
                     % jti)
    seen.append(jti)
    emu.state["last_assertion"] = assertion
    return x5t


def mi_assertion(emu, claims):
    """A managed identity token trusted as the blueprint's FIC."""
    trusted = (emu.config.get("fic_mi") or "%s,%s" % (
        cfg(emu, "mi_client_id"), cfg(emu, "user_mi_client_id"))).split(",")
    if claims.get("aud") != EXCHANGE_AUD or \
            claims.get("appid") not in trusted:
        raise Reject(401, "invalid_client", 700213,
                     "No matching federated identity record found for "
                     "presented assertion subject '%s'." % claims.get("appid"))
    if claims.get("exp", 0) <= emu.now():
        raise Reject(401, "invalid_client", 700024,
                     "Client assertion is not within its valid time range.")
    return claims["appid"]


def managed_identity(emu, req, style):
    """IMDS (style imds) or App Service (appservice) token endpoint."""
    q = req.query
    if style == "imds":
        if req.headers.get("metadata") != "true":
            return emu.json(400, {"error": "invalid_request",
                                  "error_description": "Required metadata "
                                  "header not specified"})
        want = "2018-02-01"
    else:
        if req.headers.get("x-identity-header") != cfg(emu, "identity_header"):
            return emu.json(401, {"statusCode": 401,
                                  "message": "Unauthorized request"})
        want = "2019-08-01"
    if q.get("api-version") != want:
        return emu.json(400, {"error": "invalid_request",
                              "error_description": "api-version %s is not "
                              "supported here" % q.get("api-version")})
    if q.get("resource") != MI_RESOURCE:
        return emu.json(400, {"error": "invalid_resource",
                              "error_description": "AADSTS500011: The "
                              "resource principal named %s was not found."
                              % q.get("resource")})
    cid = q.get("client_id")
    if cid is not None and cid != cfg(emu, "user_mi_client_id"):
        return emu.json(400, {"error": "invalid_request",
                              "error_description": "Identity not found"})
    cid = cid or cfg(emu, "mi_client_id")
    now, life = int(emu.now()), cfg(emu, "mi_lifetime")
    tok = emu.jwt({"aud": EXCHANGE_AUD, "appid": cid, "emu_kind": "mi",
                   "iat": now, "nbf": now, "exp": now + life,
                   "sub": "mi-" + cid})
    counts = emu.state.setdefault("mi", {})
    counts[style] = counts.get(style, 0) + 1
    if style == "imds":
        body = {"access_token": tok, "client_id": cid,
                "expires_in": str(life), "expires_on": str(now + life),
                "ext_expires_in": str(life), "not_before": str(now),
                "resource": MI_RESOURCE, "token_type": "Bearer"}
    else:
        # 2019-08-01 has expires_on and no expires_in
        body = {"access_token": tok, "expires_on": str(now + life),
                "resource": MI_RESOURCE, "token_type": "Bearer",
                "client_id": cid}
    return emu.json(200, body)


def step1(emu, req, form):
    need(form, "grant_type")
    bp = cfg(emu, "blueprint")
    only(form, {"grant_type", "client_id", "client_secret", "scope",
                "fmi_path", "client_assertion_type", "client_assertion"})
    secret = form.get("client_secret")
    assertion = form.get("client_assertion")
    if secret is not None and assertion is not None:
        raise Reject(400, "invalid_request", 90014,
                     "client_secret and client_assertion are mutually "
                     "exclusive.")
    if assertion is not None:
        if form.get("client_assertion_type") != JWTBEARER:
            raise Reject(400, "invalid_request", 50027,
                         "Invalid client_assertion_type.")
        head = jwt_part(assertion, 0)
        mi = decode_jwt(assertion)
        if head is not None and "x5t" in head:
            emu.state["last_credential"] = "certificate:" + \
                cert_assertion(emu, req, assertion, head)
        elif mi is not None and mi.get("emu_kind") == "mi":
            emu.state["last_credential"] = "mi:" + mi_assertion(emu, mi)
        elif assertion != cfg(emu, "fic"):
            raise Reject(401, "invalid_client", 700213,
                         "No matching federated identity record found for "
                         "presented assertion subject.")
        else:
            emu.state["last_credential"] = "assertion:" + hashlib.sha256(
                assertion.encode()).hexdigest()[:12]
    elif secret is not None:
        if secret != cfg(emu, "secret"):
            raise Reject(401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret "
                         "being sent in the request is the client secret "
                         "value, not the client secret ID, for a secret "
                         "added to app '%s'." % bp)
        emu.state["last_credential"] = "secret"
    else:
        raise Reject(401, "invalid_client", 7000216,
                     "'client_assertion', 'client_secret' or 'request' is "
                     "required for the 'client_credentials' grant type.")
    if need(form, "scope") != EXCHANGE_SCOPE:
        raise Reject(400, "invalid_scope", 1002012,
                     "The provided value for scope %s is not valid. Client "
                     "credential flows must have a scope value with /.default"
                     " suffixed to the resource identifier."
                     % form.get("scope"))
    fmi = form.get("fmi_path")
    if not fmi:
        raise Reject(400, "invalid_request", 900144,
                     "The request body must contain the following parameter:"
                     " 'fmi_path'.")
    if fmi not in (cfg(emu, "agent"), cfg(emu, "other_agent")):
        raise Reject(400, "unauthorized_client", 700211,
                     "No agent identity '%s' was found for blueprint '%s'."
                     % (fmi, bp))
    return "t1", issue(emu, "t1", cfg(emu, "t1_lifetime"), None, {
        "aud": EXCHANGE_AUD, "sub": fmi, "azp": bp, "appid": bp,
        "idtyp": "app"})


def resource_of(scope):
    if not scope.endswith("/.default"):
        return None
    return scope[:-len("/.default")]


def forced(emu):
    e = emu.config.get("force_error")
    if not e:
        return
    status, code, msg = FORCED[e]
    raise Reject(status, e, code, msg,
                 CLAIMS_CHALLENGE if e == "interaction_required" else None)


def agent_cc(emu, req, form):
    """client_credentials with client_id = agent: T2 or autonomous-app."""
    agent = cfg(emu, "agent")
    only(form, {"grant_type", "client_id", "client_assertion_type",
                "client_assertion", "scope"})
    client_assertion_t1(emu, form, agent)
    scope = need(form, "scope")
    if scope == EXCHANGE_SCOPE:
        return "t2", issue(emu, "t2", cfg(emu, "t2_lifetime"), None, {
            "aud": EXCHANGE_AUD, "sub": agent, "azp": agent,
            "appid": agent, "idtyp": "app"})
    res = resource_of(scope)
    if not res:
        raise Reject(400, "invalid_scope", 1002012,
                     "The provided value for scope %s is not valid. Client "
                     "credential flows must have a scope value with /.default"
                     " suffixed to the resource identifier." % scope)
    forced(emu)
    return "app", issue(emu, "final", cfg(emu, "lifetime"), scope, {
        "aud": res, "sub": agent, "azp": agent, "appid": agent,
        "oid": agent, "idtyp": "app", "roles": ["emu.default"],
        "mode": "autonomous-app"})


def obo(emu, req, form):
    agent, bp = cfg(emu, "agent"), cfg(emu, "blueprint")
    only(form, {"grant_type", "client_id", "client_assertion_type",
                "client_assertion", "assertion", "requested_token_use",
                "scope"})
    client_assertion_t1(emu, form, agent)
    if need(form, "requested_token_use") != "on_behalf_of":
        raise Reject(400, "invalid_request", 70003,
                     "requested_token_use must be on_behalf_of.")
    user = decode_jwt(need(form, "assertion"))
    if user is None:
        raise Reject(400, "invalid_grant", 50027,
                     "JWT token is invalid or malformed.")
    if user.get("aud") not in (bp, "api://" + bp):
        raise Reject(400, "invalid_grant", 50013,
                     "Assertion failed signature validation. [Reason - The "
                     "assertion audience '%s' does not match the agent "
                     "identity blueprint.]" % user.get("aud"))
    if not isinstance(user.get("exp"), (int, float)) or \
            user["exp"] <= emu.now():
        raise Reject(400, "invalid_grant", 500133,
                     "Assertion is not within its valid time range.")
    scope = need(form, "scope")
    res = resource_of(scope) or scope.rsplit("/", 1)[0]
    forced(emu)
    emu.state.setdefault("obo_users", []).append(user.get("oid"))
    return "obo", issue(emu, "final", cfg(emu, "lifetime"), scope, {
        "aud": res, "sub": user.get("oid"), "oid": user.get("oid"),
        "upn": user.get("upn"), "azp": agent, "appid": agent,
        "scp": "User.Read", "mode": "obo"})


def user_fic(emu, req, form):
    agent = cfg(emu, "agent")
    only(form, {"grant_type", "client_id", "client_assertion_type",
                "client_assertion", "user_federated_identity_credential",
                "username", "user_id", "scope"})
    client_assertion_t1(emu, form, agent)
    t2 = emu.state.get("issued", {}).get(
        need(form, "user_federated_identity_credential"))
    if t2 is None or t2.get("emu_kind") != "t2" or t2.get("sub") != agent:
        raise Reject(400, "invalid_grant", 7002137,
                     "No matching federated identity record found for "
                     "presented assertion subject; "
                     "user_federated_identity_credential must be the agent "
                     "identity's exchange token.")
    if t2["exp"] <= emu.now():
        raise Reject(400, "invalid_grant", 700024,
                     "Client assertion is not within its valid time range.")
    upn, oid = form.get("username"), form.get("user_id")
    if (upn is None) == (oid is None):
        raise Reject(400, "invalid_request", 90014,
                     "Exactly one of 'username' or 'user_id' is required.")
    if upn is not None and upn.lower() != cfg(emu, "upn").lower():
        raise Reject(400, "invalid_grant", 50034,
                     "The user account %s does not exist in the %s directory."
                     % (upn, cfg(emu, "tenant")))
    if oid is not None and oid.lower() != cfg(emu, "oid").lower():
        raise Reject(400, "invalid_grant", 50034,
                     "The user account with object id %s does not exist in "
                     "the %s directory." % (oid, cfg(emu, "tenant")))
    emu.state["last_user_by"] = "username" if upn is not None else "user_id"
    scope = need(form, "scope")
    res = resource_of(scope) or scope.rsplit("/", 1)[0]
    forced(emu)
    return "user_fic", issue(emu, "final", cfg(emu, "lifetime"), scope, {
        "aud": res, "sub": cfg(emu, "oid"), "oid": cfg(emu, "oid"),
        "upn": cfg(emu, "upn"), "azp": agent, "appid": agent,
        "scp": "User.Read", "mode": "agent-user"})


def token(emu, req):
    if req.headers.get("content-type", "").split(";")[0].strip() != \
            "application/x-www-form-urlencoded":
        raise Reject(400, "invalid_request", 900144,
                     "The request body must contain the following parameter:"
                     " 'grant_type'.")
    form = req.form
    grant = need(form, "grant_type")
    client = need(form, "client_id")
    if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
        raise Reject(400, "unsupported_grant_type", 82001,
                     "Agentic applications are not permitted to use the "
                     "token exchange grant.")
    if client == cfg(emu, "blueprint"):
        if grant != "client_credentials":
            raise Reject(400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type '%s'."
                         % grant)
        return step1(emu, req, form)
    if client != cfg(emu, "agent"):
        raise Reject(400, "unauthorized_client", 700016,
                     "Application with identifier '%s' was not found in the "
                     "directory '%s'." % (client, cfg(emu, "tenant")))
    if "fmi_path" in form:
        raise Reject(400, "invalid_request", 90100,
                     "fmi_path is only accepted from an agent identity "
                     "blueprint.")
    if grant == "client_credentials":
        return agent_cc(emu, req, form)
    if grant == OBO_GRANT:
        return obo(emu, req, form)
    if grant == "user_fic":
        return user_fic(emu, req, form)
    raise Reject(400, "unsupported_grant_type", 70003,
                 "The app requested an unsupported grant type '%s'." % grant)


def graph_users(emu, req):
    auth = req.headers.get("authorization", "")
    claims = None
    if auth.startswith("Bearer "):
        claims = emu.state.get("issued", {}).get(auth[7:])
    if claims is None or claims.get("emu_kind") != "final" or \
            claims.get("aud") != "https://graph.microsoft.com" or \
            claims["exp"] <= emu.now():
        return emu.json(401, {"error": {
            "code": "InvalidAuthenticationToken",
            "message": "Access token validation failure. Invalid audience."}},
            {"WWW-Authenticate": 'Bearer realm=""'})
    return emu.json(200, {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
        "value": [{"id": cfg(emu, "oid"),
                   "userPrincipalName": cfg(emu, "upn"),
                   "displayName": "Agent user (%s)" % claims.get("mode")}]})


def handle(req, emu):
    path = req.path.split("?")[0]
    if req.method == "GET" and path == "/metadata/identity/oauth2/token":
        return managed_identity(emu, req, "imds")
    if req.method == "GET" and path == "/msi/token":
        return managed_identity(emu, req, "appservice")
    if req.method == "GET" and path == "/v1.0/users":
        return graph_users(emu, req)
    tenant = cfg(emu, "tenant")
    if path.endswith("/oauth2/v2.0/token") and path.count("/") == 4:
        if req.method != "POST":
            return emu.json(405, {"error": "invalid_request"})
        if path.split("/")[1] != tenant:
            return aad_error(emu, req, 400, "invalid_request", 90002,
                             "Tenant '%s' not found. Check to make sure you "
                             "have the correct tenant ID." % path.split("/")[1])
        try:
            step, answer = token(emu, req)
        except Reject as r:
            posts = emu.state.setdefault("rejected", 0)
            emu.state["rejected"] = posts + 1
            return aad_error(emu, req, *r.args5)
        posts = emu.state.setdefault("posts", {})
        posts[step] = posts.get(step, 0) + 1
        return answer
    return None
