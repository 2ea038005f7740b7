/*
 * "agentcred status [--json]": one line per profile — type, whether its
 * secret is present (never the value), the expiry of the cached token for
 * its default request and which cache level holds it.
 *
 * It reads the keyring (so it loads libsecret) but never fetches a token.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../backends/x509.h"
#include "../keyring/keyring.h"
#include "commands.h"
#include "kcache.h"
#include "lib/secmem.h"
#include "lib/util.h"

struct row {
	const struct profile *p;
	const char *secret;	/* "yes", "no", "env", "file", "unknown" */
	const char *level;	/* "fast", "keyring", "none" */
	long long expires_at;	/* 0 when no cached token */
};

static const char *secret_state(const struct profile *p)
{
	const struct backend *be = backend_for(p->type);
	struct credential c;
	char *secret = NULL;
	enum ac_err err;

	if (!be)
		return "unknown";
	be->credential(p, &c);
	if (c.from == CRED_ENV)
		return "env";
	if (c.from == CRED_FILE)
		return "file";
	if (c.from == CRED_ENDPOINT)
		return "mi";
	err = kr_client_secret_get(p->name, &secret);
	sec_free(secret);
	ac_clear();
	return err == AC_OK ? "yes" : err == AC_NOTFOUND ? "no" : "unknown";
}

static void cached_state(struct row *r)
{
	struct token_request req = { r->p, LEVEL_FINAL, NULL, NULL, NULL };

	r->level = token_cached(&req, &r->expires_at);
}

/* Which fast level serves, how full it is and why (README.md, "How it works"). */
static void fast_cache_state(cJSON *root)
{
	struct kcache_info ki;

	kcache_describe(&ki);
	if (root) {
		cJSON *o = cJSON_AddObjectToObject(root, "fast_cache");

		cJSON_AddStringToObject(o, "level", ki.level);
		cJSON_AddStringToObject(o, "why", ki.why);
		cJSON_AddNumberToObject(o, "tokens", (double)ki.count);
		cJSON_AddNumberToObject(o, "bytes", (double)ki.bytes);
		if (ki.max_count) {
			cJSON_AddNumberToObject(o, "max_tokens", (double)ki.max_count);
			cJSON_AddNumberToObject(o, "max_bytes", (double)ki.max_bytes);
		}
		return;
	}
	if (ki.max_count)
		printf("fast cache: %s (%s): %ld of %ld tokens, %ld of %ld bytes\n", ki.level,
		       ki.why, ki.count, ki.max_count, ki.bytes, ki.max_bytes);
	else
		printf("fast cache: %s (%s): %ld tokens, %ld bytes\n", ki.level, ki.why,
		       ki.count, ki.bytes);
}

static void relative(long long secs, char *out, size_t len)
{
	if (secs <= 0)
		snprintf(out, len, "expired");
	else if (secs < 3600)
		snprintf(out, len, "in %lld min", (secs + 59) / 60);
	else if (secs < 2 * 86400)
		snprintf(out, len, "in %lld h %lld min", secs / 3600, secs % 3600 / 60);
	else
		snprintf(out, len, "in %lld days", secs / 86400);
}

static void local_time(long long t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(out, len, "?");
}

/* A blueprint certificate: when it expires (README "Blueprint credentials"). */
static void cert_line(const struct profile *p, long long now)
{
	char rel[32] = "";
	long long t;

	if (!parse_rfc3339(p->certificate_expires, &t))
		relative(t - now, rel, sizeof(rel));
	printf("%-20s certificate %s expires %s%s%s%s\n", "",
	       p->certificate_thumbprint ? p->certificate_thumbprint : "?",
	       p->certificate_expires, *rel ? " (" : "", rel, *rel ? ")" : "");
}

enum ac_err cmd_status(struct config *cfg, int argc, char **argv)
{
	int as_json = argc == 2 && !strcmp(argv[1], "--json");
	long long now = now_seconds();
	cJSON *root = NULL, *arr = NULL;
	size_t i;

	if (argc > 2 || (argc == 2 && !as_json))
		return ac_fail(AC_USAGE, "usage: agentcred status [--json]");
	if (as_json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "config", cfg->path ? cfg->path : "");
		arr = cJSON_AddArrayToObject(root, "profiles");
	} else if (cfg->nprofiles) {
		printf("%-20s %-18s %-7s %-8s %s\n", "PROFILE", "TYPE", "SECRET", "CACHE", "TOKEN EXPIRES");
	} else {
		printf("no profiles in %s — add one with: agentcred profile add NAME --type TYPE ...\n",
		       cfg->path);
	}
	for (i = 0; i < cfg->nprofiles; i++) {
		struct row r = { &cfg->profiles[i], NULL, NULL, 0 };
		char when[64] = "-", rel[32] = "", iso[21] = "", cert[300];

		r.secret = secret_state(r.p);
		cached_state(&r);
		if (r.expires_at) {
			local_time(r.expires_at, when, sizeof(when));
			relative(r.expires_at - now, rel, sizeof(rel));
			format_rfc3339(r.expires_at, iso);
		}
		if (as_json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", r.p->name);
			cJSON_AddStringToObject(o, "type", profile_type_name(r.p->type));
			cJSON_AddStringToObject(o, "secret", r.secret);
			cJSON_AddStringToObject(o, "cache", r.level);
			if (r.expires_at) {
				cJSON_AddStringToObject(o, "token_expires_at", iso);
				cJSON_AddNumberToObject(o, "token_expires_in", (double)(r.expires_at - now));
			} else {
				cJSON_AddNullToObject(o, "token_expires_at");
				cJSON_AddNullToObject(o, "token_expires_in");
			}
			if (r.p->expires)
				cJSON_AddStringToObject(o, "expires", r.p->expires);
			if (r.p->certificate_expires)
				cJSON_AddStringToObject(o, "certificate_expires",
							r.p->certificate_expires);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-20s %-18s %-7s %-8s %s%s%s%s\n", r.p->name,
			       profile_type_name(r.p->type), r.secret, r.level, when,
			       *rel ? " (" : "", rel, *rel ? ")" : "");
			if (r.p->expires)
				printf("%-20s agent access token valid through %s\n", "", r.p->expires);
			if (x509_describe(r.p, now, cert, sizeof(cert)))
				printf("%-20s %s\n", "", cert);
			else if (r.p->certificate_expires)
				cert_line(r.p, now);
		}
	}
	fast_cache_state(as_json ? root : NULL);
	if (as_json) {
		char *text = cJSON_Print(root);

		cJSON_Delete(root);
		if (!text)
			return ac_fail(AC_FAIL, "cannot format the status");
		printf("%s\n", text);
		free(text);
	}
	return AC_OK;
}
