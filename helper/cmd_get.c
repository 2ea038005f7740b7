/*
 * "agentcred token", "agentcred get" and "agentcred forget".
 *
 * Rules: stdout carries the answer and nothing else; a user token for OBO
 * comes from a file, stdin or the JSON request (never argv) and is wiped
 * after use.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "jsonproto.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define MAX_USER_TOKEN (64 * 1024)

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
