"""SAP AI Core orchestration deployment: POST {deployment url}/completion.

  POST /v2/inference/deployments/{id}/completion
       Authorization: Bearer <a live token issued by the oauth_cc plugin in
       the same process>, AI-Resource-Group: <group>, a JSON body
       {"orchestration_config": {"module_configurations": {
            "templating_module_config": {"template": [{"role", "content"}]},
            "llm_module_config": {"model_name", "model_params"?}}},
        "input_params": {"name": "value"}}
  -> 200 {"request_id", "module_results": {"templating", "llm"},
          "orchestration_result": {"object": "chat.completion", "model",
          "choices": [{"message": {"role": "assistant", "content"}}],
          "usage"}}

Errors as the service gives them: 401 without a live token, 400 without
AI-Resource-Group, 404 for a deployment not in that resource group, 400
from the templating module for a placeholder {{?x}} without an input.
The answer is "echo: " and the rendered user message.
emu.config: deployment (id, default "d0123456789abcde"), resource_group
(default "default").  emu.state["sapai"]: the requests (path, group,
body), never the token.
"""
import json
import os
import re

from emu import BadRequest
from oauth_cc import live_tokens

PATH = re.compile(r"^/v2/inference/deployments/([^/]+)/completion$")
PLACEHOLDER = re.compile(r"\{\{\?([A-Za-z0-9_-]+)\}\}")


def _error(emu, status, message, location="Request"):
    return emu.json(status, {"request_id": os.urandom(8).hex(), "code": status,
                             "message": message, "location": location})


def _render(template, params):
    out = []
    for msg in template:
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str) \
           or not isinstance(msg.get("content"), str):
            raise ValueError("template entries need role and content strings")
        missing = [n for n in PLACEHOLDER.findall(msg["content"]) if n not in params]
        if missing:
            raise KeyError(missing[0])
        out.append({"role": msg["role"],
                    "content": PLACEHOLDER.sub(lambda m: str(params[m.group(1)]),
                                               msg["content"])})
    return out


def handle(req, emu):
    m = PATH.match(req.path)
    if not m:
        return None
    group = req.headers.get("ai-resource-group")
    with emu.lock:
        emu.state.setdefault("sapai", []).append(
            {"path": req.path, "group": group,
             "body": req.body.decode("utf-8", "replace")})
    tok = req.bearer()
    if not tok or tok not in live_tokens(emu):
        return emu.json(401, {"error": "unauthorized",
                              "error_description": "missing or invalid token"},
                        {"WWW-Authenticate": "Bearer"})
    if req.method != "POST":
        return _error(emu, 405, "POST only")
    if not group:
        return _error(emu, 400, "Missing header parameter 'AI-Resource-Group'")
    if m.group(1) != emu.config.get("deployment", "d0123456789abcde") or \
       group != emu.config.get("resource_group", "default"):
        return _error(emu, 404, "Deployment %s not found in resource group %s"
                      % (m.group(1), group))
    if not req.headers.get("content-type", "").startswith("application/json"):
        return _error(emu, 415, "Content-Type must be application/json")
    try:
        body = json.loads(req.body.decode("utf-8"))
        mods = body["orchestration_config"]["module_configurations"]
        template = mods["templating_module_config"]["template"]
        model = mods["llm_module_config"]["model_name"]
        params = body.get("input_params", {})
        if not isinstance(template, list) or not template or \
           not isinstance(model, str) or not isinstance(params, dict):
            raise TypeError
        extra = set(body) - {"orchestration_config", "input_params",
                             "messages_history"}
        if extra:
            raise BadRequest("unknown field %s" % sorted(extra)[0])
    except BadRequest:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return _error(emu, 400, "Invalid orchestration request body")
    try:
        messages = _render(template, params)
    except KeyError as e:
        return _error(emu, 400, "Missing input parameter for placeholder %s"
                      % e.args[0], "Templating Module")
    except ValueError as e:
        return _error(emu, 400, str(e), "Templating Module")
    user = [x["content"] for x in messages if x["role"] == "user"]
    answer = "echo: " + (user[-1] if user else "")
    result = {"id": "chatcmpl-" + os.urandom(6).hex(), "object": "chat.completion",
              "created": emu.now(), "model": model,
              "choices": [{"index": 0, "finish_reason": "stop",
                           "message": {"role": "assistant", "content": answer}}],
              "usage": {"prompt_tokens": 5, "completion_tokens": 3,
                        "total_tokens": 8}}
    return emu.json(200, {"request_id": os.urandom(8).hex(),
                          "module_results": {"templating": messages,
                                             "llm": result},
                          "orchestration_result": result})
