"""Model and MCP APIs of the agent CLIs, minimal but real enough for the
CLIs to finish a prompt (run with a token server in one process:
"oauth_cc,agents" or "entra,agents", so only the tokens that oauth_cc, or
entra as final agent tokens, issued and that were not revoked are accepted).

  POST /v1/messages               Anthropic Messages (SSE when "stream")
  POST /v1/responses              OpenAI Responses (SSE)
  GET  /v1/models                 OpenAI model list
  POST /v1/chat/completions       OpenAI Chat Completions (SSE when "stream")
  POST /v1beta/models/M:generateContent | :streamGenerateContent  Gemini
  POST /mcp                       MCP streamable HTTP (JSON answers):
                                  initialize, tools/list, tools/call "whoami"

Authentication, per request:
  - auth=bearer (default): Authorization: Bearer <live token>; for
    /v1/messages also x-api-key = the same token (Claude Code's apiKeyHelper
    sends both), for Gemini x-goog-api-key when present;
  - auth=fllm: X-AGENT-ACCESS-TOKEN = config "fllm_token" and no
    Authorization header at all;
  - require_headers {name: value}: further headers that must be present
    (AI-Resource-Group).
A refused request is 401 (deny_status) with {"error": ...}.

emu.config: auth, fllm_token, require_headers, deny_status, answer (the
text every model answers, default "agentcred-ok"), tool_use (a tool name:
the model calls it once, then reports its result), revoke_on (a path
prefix; with revoke_method only MCP requests of that JSON-RPC method) and
revoke_cmd (argv): the first authenticated request there revokes every
token, runs revoke_cmd (the test's `agentcred forget`) and answers 401 (or
revoke_status), so the client must fetch a fresh token to go on.
emu.state["seen"]: one entry per API request {"path", "ok", "token"
(the credential presented), "headers" (lower-case names)}.
"""
import json
import subprocess
import time


def _issued(emu):
    """Bearer tokens the token server of this process handed out."""
    toks = list(emu.state.get("tokens", []))		# oauth_cc
    toks += [t for t, c in (emu.state.get("issued") or {}).items()
             if c.get("emu_kind") == "final"]		# entra
    return toks


def _live(emu):
    revoked = set(emu.state.get("revoked", []))
    return [t for t in _issued(emu) if t not in revoked]

ANSWER = "agentcred-ok"


def _deny(emu, why, status=None):
    return emu.json(int(status or emu.config.get("deny_status", 401)),
                    {"error": {"type": "authentication_error", "message": why}})


def _credential(req, emu):
    """(credential presented, None) when acceptable, else (cred, why)."""
    cfg = emu.config
    h = req.headers
    for k, v in (cfg.get("require_headers") or {}).items():
        if h.get(k.lower()) != v:
            return None, "header %s missing or wrong" % k
    if cfg.get("auth", "bearer") == "fllm":
        tok = h.get("x-agent-access-token")
        if "authorization" in h:
            return tok, "Authorization must not be sent"
        if not tok or tok != cfg.get("fllm_token"):
            return tok, "The agent access token is invalid."
        return tok, None
    tok = req.bearer()
    if not tok or tok not in _live(emu):
        return tok, "bearer token missing, unknown or revoked"
    if req.path.startswith("/v1/messages") and h.get("x-api-key") != tok:
        return tok, "x-api-key is not the bearer token"
    if "x-goog-api-key" in h and h["x-goog-api-key"] != tok:
        return tok, "x-goog-api-key is not the bearer token"
    return tok, None


def _authorize(req, emu):
    """None when the request may go on, else the refusal to send."""
    tok, why = _credential(req, emu)
    entry = {"path": req.path, "ok": why is None, "token": tok,
             "headers": sorted(req.headers)}
    with emu.lock:
        emu.state.setdefault("seen", []).append(entry)
    if why:
        return _deny(emu, why)
    prefix = emu.config.get("revoke_on")
    method = emu.config.get("revoke_method")
    if prefix and req.path.startswith(prefix) and \
            (not method or _body(req).get("method") == method):
        with emu.lock:
            emu.config.pop("revoke_on", None)
            emu.state["revoked"] = _issued(emu)
            entry["ok"] = False
        cmd = emu.config.get("revoke_cmd")
        if cmd:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=60)
        return _deny(emu, "token revoked", emu.config.get("revoke_status"))
    return None


def _body(req):
    try:
        return json.loads(req.body or b"{}")
    except ValueError:
        return {}


def _sse(events, done=False):
    out = []
    for name, data in events:
        if name:
            out.append("event: %s\n" % name)
        out.append("data: %s\n\n" % json.dumps(data))
    if done:
        out.append("data: [DONE]\n\n")
    return 200, {"Content-Type": "text/event-stream",
                 "Cache-Control": "no-cache"}, "".join(out).encode()


def _answer(emu):
    return emu.config.get("answer", ANSWER)


# ---------------------------------------------------------------- Anthropic
def _tool_result_text(body):
    for m in body.get("messages", []):
        c = m.get("content")
        if not isinstance(c, list):
            continue
        for part in c:
            if isinstance(part, dict) and part.get("type") == "tool_result":
                inner = part.get("content")
                if isinstance(inner, list):
                    return " ".join(x.get("text", "") for x in inner
                                    if isinstance(x, dict))
                return str(inner)
    return None


def messages(req, emu):
    body = _body(req)
    model = body.get("model", "claude-test")
    result = _tool_result_text(body)
    want_tool = emu.config.get("tool_use")
    tools = [t.get("name") for t in body.get("tools", []) if isinstance(t, dict)]
    if result is not None:
        blocks = [{"type": "text", "text": "tool said: " + result}]
    elif want_tool and want_tool in tools:
        blocks = [{"type": "tool_use", "id": "toolu_emu%d" % int(time.time() * 1000),
                   "name": want_tool, "input": {}}]
    else:
        blocks = [{"type": "text", "text": _answer(emu)}]
    stop = "tool_use" if blocks[0]["type"] == "tool_use" else "end_turn"
    usage = {"input_tokens": 1, "output_tokens": 1}
    msg = {"id": "msg_emu", "type": "message", "role": "assistant",
           "model": model, "content": [], "stop_reason": None,
           "stop_sequence": None, "usage": usage}
    if not body.get("stream"):
        msg.update(content=blocks, stop_reason=stop)
        return emu.json(200, msg)
    ev = [("message_start", {"type": "message_start", "message": msg})]
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            ev.append(("content_block_start", {"type": "content_block_start", "index": i,
                                               "content_block": {"type": "text", "text": ""}}))
            ev.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                               "delta": {"type": "text_delta", "text": b["text"]}}))
        else:
            start = dict(b, input={})
            ev.append(("content_block_start", {"type": "content_block_start", "index": i,
                                               "content_block": start}))
            ev.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                               "delta": {"type": "input_json_delta",
                                                         "partial_json": "{}"}}))
        ev.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
    ev.append(("message_delta", {"type": "message_delta",
                                 "delta": {"stop_reason": stop, "stop_sequence": None},
                                 "usage": {"output_tokens": 1}}))
    ev.append(("message_stop", {"type": "message_stop"}))
    return _sse(ev)


# ---------------------------------------------------------------- OpenAI
def responses(req, emu):
    body = _body(req)
    model = body.get("model", "gpt-test")
    item = {"type": "message", "id": "msg_emu", "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": _answer(emu),
                         "annotations": []}]}
    resp = {"id": "resp_emu", "object": "response", "model": model,
            "status": "completed", "output": [item],
            "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}}}
    created = dict(resp, status="in_progress", output=[])
    return _sse([("response.created", {"type": "response.created", "response": created}),
                 ("response.output_item.done", {"type": "response.output_item.done",
                                                "output_index": 0, "item": item}),
                 ("response.completed", {"type": "response.completed", "response": resp})])


def chat(req, emu):
    body = _body(req)
    model = body.get("model", "gpt-test")
    base = {"id": "chatcmpl-emu", "created": int(time.time()), "model": model}
    if not body.get("stream"):
        return emu.json(200, dict(base, object="chat.completion", choices=[
            {"index": 0, "finish_reason": "stop",
             "message": {"role": "assistant", "content": _answer(emu)}}],
            usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}))
    chunk = dict(base, object="chat.completion.chunk")
    return _sse([(None, dict(chunk, choices=[{"index": 0, "finish_reason": None, "delta": {
                     "role": "assistant", "content": _answer(emu)}}])),
                 (None, dict(chunk, choices=[{"index": 0, "finish_reason": "stop", "delta": {}}],
                             usage={"prompt_tokens": 1, "completion_tokens": 1,
                                    "total_tokens": 2}))], done=True)


def models(req, emu):
    ids = emu.config.get("models", ["gpt-test", "claude-test", "gemini-test"])
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "emu"} for m in ids]
    return emu.json(200, {"object": "list", "data": data, "models": []})


# ---------------------------------------------------------------- Gemini
def gemini(req, emu):
    cand = {"content": {"role": "model", "parts": [{"text": _answer(emu)}]},
            "finishReason": "STOP", "index": 0}
    out = {"candidates": [cand],
           "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1,
                             "totalTokenCount": 2},
           "modelVersion": "gemini-test"}
    if req.path.endswith(":streamGenerateContent"):
        return _sse([(None, out)])
    if req.path.endswith(":countTokens"):
        return emu.json(200, {"totalTokens": 1})
    return emu.json(200, out)


# ---------------------------------------------------------------- MCP
def mcp(req, emu):
    if req.method != "POST":
        return 405, {"Allow": "POST"}, b""
    msg = _body(req)
    method = msg.get("method")
    if "id" not in msg:
        return 202, {}, b""
    if method == "initialize":
        params = msg.get("params") or {}
        result = {"protocolVersion": params.get("protocolVersion", "2025-06-18"),
                  "capabilities": {"tools": {}},
                  "serverInfo": {"name": "agentcred-emu", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": [{"name": "whoami",
                             "description": "Says which credential reached the server.",
                             "inputSchema": {"type": "object", "properties": {}}}]}
    elif method == "tools/call":
        label = emu.config.get("label", "mcp")
        result = {"content": [{"type": "text", "text": "mcp-ok:" + label}],
                  "isError": False}
    elif method == "ping":
        result = {}
    else:
        return emu.json(200, {"jsonrpc": "2.0", "id": msg["id"],
                              "error": {"code": -32601, "message": "no such method"}})
    return emu.json(200, {"jsonrpc": "2.0", "id": msg["id"], "result": result})


def handle(req, emu):
    p = req.path
    if p == "/mcp":
        route = mcp
    elif p == "/v1/messages":
        route = messages
    elif p == "/v1/responses":
        route = responses
    elif p == "/v1/chat/completions":
        route = chat
    elif p == "/v1/models":
        route = models
    elif p.startswith("/v1beta/models/") and ":" in p:
        route = gemini
    else:
        return None
    refused = _authorize(req, emu)
    return refused or route(req, emu)
