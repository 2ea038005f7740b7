/*
 * "agentcred headers [NAME]": one JSON object holding exactly the headers
 * to send, for hooks such as Claude Code's MCP headersHelper (README.md,
 * "Agent tools"; contrib/agentcred.1).
 *
 * Rules:
 *  - stdout carries the object and a newline, nothing else;
 *  - the headers are token_headers(): Authorization (or
 *    X-AGENT-ACCESS-TOKEN for foundationallm) and the profile's headers;
 *  - without NAME the profile is the one whose "hosts" lists the host of
 *    $CLAUDE_CODE_MCP_SERVER_URL (host:port when the URL has a port), as
 *    git and docker match hosts; neither, or no match: AC_USAGE;
 *  - when that URL is set, a plain-http one off loopback gets no token,
 *    with or without NAME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define USAGE "usage: agentcred headers [NAME [--scope S] [--user UPN|OID]]"
#define URL_ENV "CLAUDE_CODE_MCP_SERVER_URL"

/*
 * The authority of url (host, or host:port when a port is given) into
 * out, after url_host() has validated it; AC_USAGE for a URL the token
 * may not be sent to.
 */
static enum ac_err url_authority(const char *url, char *out, size_t outlen)
{
	char host[256];
	const char *p, *end;
	size_t n;

	/* the URL itself is not echoed: it may carry credentials */
	if (url_host(url, host, sizeof(host)))
		return ac_fail(AC_USAGE, URL_ENV " is not a valid URL (scheme://host[:port]/..., no user@)");
	if (strncasecmp(url, "https://", 8) &&
	    (strncasecmp(url, "http://", 7) || !host_is_loopback(host)))
		return ac_fail(AC_USAGE, URL_ENV " must use https:// (http:// only for loopback hosts), not for %s",
			       host);
	p = strstr(url, "://") + 3;
	end = p + strcspn(p, "/?#");
	n = (size_t)(end - p);
	if (n >= outlen)
		return ac_fail(AC_USAGE, URL_ENV " is not a valid URL (host too long)");
	memcpy(out, p, n);
	out[n] = '\0';
	/* "host:" without a port is the host alone */
	if (n && out[n - 1] == ':')
		out[n - 1] = '\0';
	return AC_OK;
}

static enum ac_err pick_profile(struct config *cfg, const char *name,
				struct profile **p)
{
	const char *url = getenv(URL_ENV);
	char authority[300];
	enum ac_err err;

	if (url && *url && (err = url_authority(url, authority, sizeof(authority))))
		return err;
	if (name)
		return find_profile(cfg, name, p);
	if (!url || !*url)
		return ac_fail(AC_USAGE, "no profile: give NAME or set " URL_ENV " — %s", USAGE);
	*p = config_find_by_host(cfg, authority);
	if (!*p)
		return ac_fail(AC_USAGE, "no profile lists host %s in \"hosts\" — see: agentcred profile add NAME --host %s",
			       authority, authority);
	ac_set_subject((*p)->name);
	return AC_OK;
}

enum ac_err cmd_headers(struct config *cfg, int argc, char **argv)
{
	const char *name = NULL, *scope = NULL, *user = NULL;
	struct profile *p;
	struct token t = { 0 };
	struct header *h;
	size_t n, i;
	cJSON *o;
	char *text;
	enum ac_err err;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--scope") && i + 1 < (size_t)argc)
			scope = argv[++i];
		else if (!strcmp(argv[i], "--user") && i + 1 < (size_t)argc)
			user = argv[++i];
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else
			return ac_fail(AC_USAGE, "%s", USAGE);
	}
	if (!name && (scope || user))
		return ac_fail(AC_USAGE, "%s", USAGE);
	if ((err = pick_profile(cfg, name, &p)) ||
	    (err = get_profile_token(p, scope, user, NULL, &t)))
		return err;

	o = cJSON_CreateObject();
	h = token_headers(p, &t, &n);
	for (i = 0; i < n && o; i++) {
		if (!cJSON_AddStringToObject(o, h[i].name, h[i].value)) {
			cJSON_Delete(o);
			o = NULL;
		}
	}
	token_headers_free(h, n);
	token_release(&t);
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return ac_fail(AC_FAIL, "out of memory");
	err = write_out(1, text, strlen(text));
	if (!err)
		err = write_out(1, "\n", 1);
	sec_free(text);
	return err;
}
