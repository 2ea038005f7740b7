/*
 * "agentcred exec NAME [--scope S] [--user U] (--env VAR | --headers-env VAR)...
 *  -- CMD [ARGS...]": run CMD with the token in its environment, for
 * clients without a command hook (README.md, "Agent tools";
 * contrib/agentcred.1).
 *
 * Rules:
 *  - the token is fetched before anything else; when that fails CMD is
 *    not run at all (it would otherwise go on unauthenticated);
 *  - --env VAR gets the bare access token, --headers-env VAR the headers of
 *    token_headers() as "Name: value" lines joined by newlines (no
 *    trailing newline), the format of ANTHROPIC_CUSTOM_HEADERS;
 *  - the values go into CMD's environment only (never its argv); our own
 *    copies are wiped before execvp(), whose failure is AC_FAIL;
 *  - the environment of a process is readable by other processes of the
 *    same user (/proc/PID/environ): the man page says so and recommends
 *    the hook forms (token, headers) where the client has one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define USAGE "usage: agentcred exec NAME [--scope S] [--user UPN|OID] (--env VAR | --headers-env VAR)... -- CMD [ARGS...]"
#define MAX_VARS 32

struct exec_var {
	const char *name;
	int headers;	/* --headers-env */
};

/* A portable environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
static int var_name_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789");

	return n && s[n] == '\0' && !(s[0] >= '0' && s[0] <= '9');
}

static char *header_lines(const struct profile *p, const struct token *t)
{
	struct sbuf sb = SBUF_INIT;
	struct header *h;
	size_t n, i;
	char *out;

	h = token_headers(p, t, &n);
	for (i = 0; i < n; i++) {
		if (i)
			sbuf_addch(&sb, '\n');
		sbuf_addstr(&sb, h[i].name);
		sbuf_addstr(&sb, ": ");
		sbuf_addstr(&sb, h[i].value);
	}
	token_headers_free(h, n);
	out = xstrdup(sb.buf ? sb.buf : "");
	sbuf_release(&sb);
	return out;
}

enum ac_err cmd_exec(struct config *cfg, int argc, char **argv)
{
	const char *name = NULL, *scope = NULL, *user = NULL;
	struct exec_var vars[MAX_VARS];
	size_t nvars = 0, i;
	struct profile *p;
	struct token t = { 0 };
	char *headers = NULL;
	int a, rest = 0;
	enum ac_err err = AC_OK;

	for (a = 1; a < argc; a++) {
		const char *o = argv[a];
		int has_value = a + 1 < argc;

		if (!strcmp(o, "--")) {
			rest = a + 1;
			break;
		}
		if (!strcmp(o, "--scope") && has_value) {
			scope = argv[++a];
		} else if (!strcmp(o, "--user") && has_value) {
			user = argv[++a];
		} else if ((!strcmp(o, "--env") || !strcmp(o, "--headers-env")) && has_value) {
			if (!var_name_ok(argv[a + 1]))
				return ac_fail(AC_USAGE, "\"%.64s\" is not a valid environment variable name",
					       argv[a + 1]);
			if (nvars == MAX_VARS)
				return ac_fail(AC_USAGE, "too many --env and --headers-env options");
			vars[nvars].headers = o[2] == 'h';
			vars[nvars++].name = argv[++a];
		} else if (o[0] != '-' && !name) {
			name = o;
		} else {
			return ac_fail(AC_USAGE, "%s", USAGE);
		}
	}
	if (!name || !rest || rest >= argc || !nvars)
		return ac_fail(AC_USAGE, "%s", USAGE);

	if ((err = find_profile(cfg, name, &p)) ||
	    (err = get_profile_token(p, scope, user, NULL, &t)))
		return err;

	for (i = 0; i < nvars && !err; i++) {
		const char *value = t.access_token;

		if (vars[i].headers) {
			if (!headers)
				headers = header_lines(p, &t);
			value = headers;
		}
		if (setenv(vars[i].name, value, 1))
			err = ac_fail(AC_FAIL, "cannot set %s: %s", vars[i].name, strerror(errno));
	}
	sec_free(headers);
	token_release(&t);
	if (err)
		return err;

	log_verbose("running %s with the token in %zu environment variable(s)", argv[rest], nvars);
	fflush(NULL);
	execvp(argv[rest], argv + rest);
	err = ac_fail(AC_FAIL, "cannot run %.200s: %s", argv[rest], strerror(errno));
	/* do not leave the token behind in our own environment */
	for (i = 0; i < nvars; i++) {
		char *v = getenv(vars[i].name);

		if (v)
			explicit_bzero(v, strlen(v));
		unsetenv(vars[i].name);
	}
	return err;
}
