"""FoundationaLLM Core API, the two calls of the agent chat flow.

  POST /instances/{instance}/sessions     {"name": "..."}
       -> 200 {"id", "sessionId" | "session_id", "name", "type": "Session"}
  POST /instances/{instance}/completions  {"user_prompt": "...",
       "session_id": "...", ...} -> 200 {"operation_id", "completion",
       "content", "prompt_tokens", "completion_tokens", "total_tokens",
       "errors", "is_error"}

Authentication as AgentAccessTokenAuthenticationHandler does it: the header
X-AGENT-ACCESS-TOKEN must be the configured token, and the instance id
encoded in the token must be the instance in the path; anything else is
401 "The agent access token is invalid.".  A request that also carries an
Authorization header is refused too: agentcred must send the agent token
and nothing else.

emu.config: token (required), session_casing (snake|camel, default snake:
the JSON key of the session id in the sessions reply), answer (text of
the completion, default "echo: <user_prompt>").
emu.state: "requests" (method, path, body; never the token), "sessions".
make_token() builds a well-shaped token for the tests.
"""
import json
import os
import re

from emu import BadRequest

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
COMPLETION_KEYS = {"user_prompt", "session_id", "operation_id", "agent_name",
                   "attachments", "settings", "metadata",
                   "long_running_operation", "is_new_conversation"}
SESSION_KEYS = {"name", "metadata"}
PATH = re.compile(r"^/instances/([^/]+)/(sessions|completions)$")


def b58encode(data):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text):
    n = 0
    for c in text:
        i = B58.find(c)
        if i < 0:
            raise ValueError("not base58")
        n = n * 58 + i
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + raw


def make_token(instance, agent="chat-agent", ident=None, secret=None):
    """keya.<b58 instance>.<b58 agent>.<b58 id>.<secret>.ayek"""
    ident = ident or os.urandom(8).hex()
    secret = secret or b58encode(os.urandom(24))
    return "keya.%s.%s.%s.%s.ayek" % (b58encode(instance.encode()),
                                      b58encode(agent.encode()),
                                      b58encode(ident.encode()), secret)


def token_instance(token):
    parts = token.split(".")
    if len(parts) != 6 or parts[0] != "keya" or parts[5] != "ayek":
        return None
    try:
        return b58decode(parts[1]).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def _problem(emu, status, title, detail):
    return emu.json(status, {"type": "about:blank", "title": title,
                             "status": status, "detail": detail})


def _body(req, allowed):
    if not req.headers.get("content-type", "").startswith("application/json"):
        raise BadRequest("content-type must be application/json")
    try:
        obj = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("body is not JSON")
    if not isinstance(obj, dict):
        raise BadRequest("body is not a JSON object")
    unknown = set(obj) - allowed
    if unknown:
        raise BadRequest("unknown field %s" % sorted(unknown)[0])
    return obj


def handle(req, emu):
    m = PATH.match(req.path)
    if not m:
        return None
    instance, what = m.group(1), m.group(2)
    with emu.lock:
        emu.state.setdefault("requests", []).append(
            {"method": req.method, "path": req.path,
             "body": req.body.decode("utf-8", "replace"),
             "authorization": "authorization" in req.headers})
    tok = req.headers.get("x-agent-access-token")
    want = emu.config.get("token")
    if not tok or not want or tok != want or "authorization" in req.headers \
       or (token_instance(tok) or "").lower() != instance.lower():
        return _problem(emu, 401, "Unauthorized",
                        "The agent access token is invalid.")
    if req.method != "POST":
        return _problem(emu, 405, "Method Not Allowed", "POST only")
    if what == "sessions":
        body = _body(req, SESSION_KEYS)
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise BadRequest("name is required")
        sid = os.urandom(16).hex()
        with emu.lock:
            emu.state.setdefault("sessions", {})[sid] = body["name"]
        key = "sessionId" if emu.config.get("session_casing") == "camel" \
            else "session_id"
        return emu.json(200, {"id": sid, key: sid, "name": body["name"],
                              "type": "Session"})
    body = _body(req, COMPLETION_KEYS)
    prompt = body.get("user_prompt")
    if not isinstance(prompt, str) or not prompt:
        raise BadRequest("user_prompt is required")
    sid = body.get("session_id")
    if sid is not None and sid not in emu.state.get("sessions", {}):
        return _problem(emu, 404, "Not Found", "no session %s" % sid)
    answer = emu.config.get("answer", "echo: " + prompt)
    return emu.json(200, {
        "operation_id": os.urandom(8).hex(), "session_id": sid,
        "completion": answer,
        "content": [{"type": "text", "value": answer}],
        "prompt_tokens": len(prompt.split()),
        "completion_tokens": len(answer.split()),
        "total_tokens": len(prompt.split()) + len(answer.split()),
        "total_cost": 0, "errors": [], "is_error": False})
