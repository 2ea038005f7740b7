/*
 * The JSON protocol of "agentcred get": the request parser and the answer
 * shapes; pure, no I/O (unit-tested and fuzzed).
 *
 * Rules: request fields are bounded and must be strings; the user token is
 * wiped when the request is released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonproto.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define MAX_FIELD (64 * 1024)

static enum ac_err take_string(const cJSON *o, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v))
		return AC_OK;
	if (!cJSON_IsString(v))
		return ac_fail(AC_USAGE, "request field \"%s\" must be a string", key);
	if (strlen(v->valuestring) > MAX_FIELD || has_newline(v->valuestring))
		return ac_fail(AC_USAGE, "request field \"%s\" is too long or has a line break", key);
	*out = xstrdup(v->valuestring);
	return AC_OK;
}

enum ac_err json_request_parse(const char *text, size_t len, struct json_request *req)
{
	cJSON *o;
	enum ac_err err;
	const char *why;

	memset(req, 0, sizeof(*req));
	if (len > JSON_REQUEST_MAX)
		return ac_fail(AC_USAGE, "the request is larger than 1 MiB");
	o = json_parse_strict(text, len, 0, &why);
	if (!o && why)
		return ac_fail(AC_USAGE, "the request %s — send each field once, without NUL", why);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return ac_fail(AC_USAGE, "the request is not a JSON object — send {\"profile\": \"NAME\"}");
	}
	if ((err = take_string(o, "profile", &req->profile)) ||
	    (err = take_string(o, "scope", &req->scope)) ||
	    (err = take_string(o, "user", &req->user)) ||
	    (err = take_string(o, "user_token", &req->user_token)))
		goto out;
	if (!req->profile || !*req->profile)
		err = ac_fail(AC_USAGE, "the request has no \"profile\"");
out:
	cJSON_Delete(o);
	if (err)
		json_request_release(req);
	return err;
}

void json_request_release(struct json_request *req)
{
	free(req->profile);
	free(req->scope);
	free(req->user);
	sec_free(req->user_token);
	memset(req, 0, sizeof(*req));
}

void json_answer(const struct profile *p, const struct token *t, long long now,
		 struct sbuf *out)
{
	const struct backend *be = backend_for(p->type);
	cJSON *o = cJSON_CreateObject(), *h;
	struct header *hdr;
	size_t n, i;
	char when[21], *text;

	format_rfc3339(t->expires_at, when);
	cJSON_AddStringToObject(o, "access_token", t->access_token);
	cJSON_AddStringToObject(o, "token_type",
		be && be->answer_type ? be->answer_type :
		!t->token_type || !strcasecmp(t->token_type, "bearer") ? "Bearer" : t->token_type);
	cJSON_AddStringToObject(o, "expires_at", when);
	cJSON_AddNumberToObject(o, "expires_in", (double)(t->expires_at - now));
	h = cJSON_AddObjectToObject(o, "headers");
	hdr = token_headers(p, t, &n);
	for (i = 0; i < n; i++)
		cJSON_AddStringToObject(h, hdr[i].name, hdr[i].value);
	token_headers_free(hdr, n);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text) {
		sbuf_addstr(out, text);
		sbuf_addch(out, '\n');
	}
	sec_free(text);
}

static const char *error_code(enum ac_err err)
{
	if (ac_oauth_error())
		return ac_oauth_error();
	switch (err) {
	case AC_USAGE:
		return "invalid_request";
	case AC_KEYRING:
		return "keyring_unavailable";
	case AC_REJECTED:
		return "access_denied";
	case AC_NETWORK:
		return "server_error";
	case AC_EXPIRED:
		return "expired_token";
	default:
		return "internal_error";
	}
}

void json_error(enum ac_err err, struct sbuf *out)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "error", error_code(err));
	cJSON_AddStringToObject(o, "error_description", ac_message());
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text) {
		sbuf_addstr(out, text);
		sbuf_addch(out, '\n');
	}
	free(text);
}
