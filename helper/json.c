/*
 * "agentcred token", "agentcred get" and "agentcred forget".
 *
 * Rules: stdout carries the answer and nothing else; a user token for OBO
 * comes from a file, stdin or the JSON request (never argv) and is wiped
 * after use; request fields are bounded and must be strings.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "json.h"
#include "secmem.h"
#include "util.h"

#define MAX_FIELD (64 * 1024)
#define MAX_USER_TOKEN (64 * 1024)

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
	cJSON *o = cJSON_CreateObject(), *h;
	struct header *hdr;
	size_t n, i;
	char when[21], *text;

	format_rfc3339(t->expires_at, when);
	cJSON_AddStringToObject(o, "access_token", t->access_token);
	cJSON_AddStringToObject(o, "token_type",
		p->type == PT_FOUNDATIONALLM ? "AgentAccessToken" :
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

enum ac_err cmd_get(struct config *cfg, int argc, char **argv)
{
	struct json_request req;
	struct profile *p = NULL;
	struct token t = { 0 };
	struct sbuf out = SBUF_INIT;
	char *text = NULL;
	size_t len = 0;
	enum ac_err err;

	(void)argv;
	if (argc > 1)
		err = ac_fail(AC_USAGE, "usage: agentcred get < request.json");
	else if (!(err = read_fd_limited(0, JSON_REQUEST_MAX, "the request", &text, &len))) {
		err = json_request_parse(text, len, &req);
		sec_free(text);
	}
	if (err) {
		json_error(err, &out);
		write_out(1, out.buf, out.len);
		sbuf_release(&out);
		return err;
	}
	if (!(err = find_profile(cfg, req.profile, &p)))
		err = get_profile_token(p, req.scope, req.user, req.user_token, &t);
	if (err)
		json_error(err, &out);
	else
		json_answer(p, &t, now_seconds(), &out);
	json_request_release(&req);
	token_release(&t);
	if (out.len) {
		enum ac_err werr = write_out(1, out.buf, out.len);

		if (!err)
			err = werr;
	}
	sbuf_release(&out);
	return err;
}

static enum ac_err read_user_token(const char *file, char **out)
{
	size_t len = 0;
	enum ac_err err;

	if (!strcmp(file, "-"))
		err = read_fd_limited(0, MAX_USER_TOKEN, "the user token", out, &len);
	else
		err = read_file_limited(file, MAX_USER_TOKEN, "user token file", out, &len);
	if (err)
		return err == AC_NOTFOUND ? AC_USAGE : err;
	while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r' ||
		       (*out)[len - 1] == ' '))
		(*out)[--len] = '\0';
	if (!len || has_newline(*out)) {
		sec_free(*out);
		*out = NULL;
		return ac_fail(AC_USAGE, "the user token must be one non-empty line");
	}
	return AC_OK;
}

enum ac_err cmd_token(struct config *cfg, int argc, char **argv)
{
	struct token_args a;
	char *user_token = NULL;
	struct profile *p;
	struct token t = { 0 };
	struct sbuf out = SBUF_INIT;
	enum ac_err err;

	if ((err = token_args_parse(argc, argv, TA_SCOPE | TA_USER | TA_USER_TOKEN_FILE,
				    "usage: agentcred token NAME [--scope S] [--user UPN|OID] [--user-token-file F|-]",
				    &a)))
		return err;
	if ((err = find_profile(cfg, a.name, &p)))
		return err;
	if (a.user_token_file && (err = read_user_token(a.user_token_file, &user_token)))
		return err;
	err = get_profile_token(p, a.scope, a.user, user_token, &t);
	sec_free(user_token);
	if (err)
		return err;
	sbuf_addstr(&out, t.access_token);
	sbuf_addch(&out, '\n');
	err = write_out(1, out.buf, out.len);
	sbuf_release(&out);
	token_release(&t);
	return err;
}

enum ac_err cmd_forget(struct config *cfg, int argc, char **argv)
{
	struct profile *p;
	enum ac_err err;

	if (argc != 2)
		return ac_fail(AC_USAGE, "usage: agentcred forget NAME");
	if ((err = find_profile(cfg, argv[1], &p)))
		return err;
	return token_forget_profile(p->name);
}
