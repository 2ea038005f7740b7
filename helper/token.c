/*
 * Token cache and refresh (DESIGN.md §5); the flow is described in token.h.
 *
 * Rules:
 *  - the cache key is computed from the request and config alone, so the
 *    kernel-keyring hit needs neither libsecret nor libcurl;
 *  - check → fetch → store runs under the per-key flock, and the cache is
 *    read again once the lock is held: N cold callers cause one request;
 *  - a token is served only while now < expires_at - margin, except that
 *    a failed refresh falls back to an unexpired old token with a warning;
 *  - a static token past its expiry date is never served (AC_EXPIRED);
 *  - a fetch that takes over a second says so on stderr, only when stderr
 *    is a terminal (a person is waiting; scripts and front-ends see
 *    nothing), from a helper thread that only waits and write()s.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../backends/backend.h"
#include "../keyring/keyring.h"
#include "kcache.h"
#include "lock.h"
#include "log.h"
#include "secmem.h"
#include "sha256.h"
#include "token.h"
#include "tokprune.h"
#include "util.h"

#define DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define DEFAULT_ENTRA_SCOPE "https://graph.microsoft.com/.default"
#define MAX_TOKEN_JSON (64 * 1024)

void token_release(struct token *t)
{
	sec_free(t->access_token);
	free(t->token_type);
	memset(t, 0, sizeof(*t));
}

void token_to_json(const struct token *t, struct sbuf *out)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "access_token", t->access_token);
	cJSON_AddStringToObject(o, "token_type", t->token_type ? t->token_type : "Bearer");
	cJSON_AddNumberToObject(o, "expires_at", (double)t->expires_at);
	cJSON_AddNumberToObject(o, "obtained_at", (double)t->obtained_at);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text)
		sbuf_addstr(out, text);
	sec_free(text);
}

enum ac_err token_from_json(const char *s, size_t len, struct token *t)
{
	cJSON *o = len <= MAX_TOKEN_JSON ? cJSON_ParseWithLength(s, len) : NULL;
	const cJSON *at, *tt, *ea, *oa;
	enum ac_err err = AC_OK;

	memset(t, 0, sizeof(*t));
	at = cJSON_GetObjectItemCaseSensitive(o, "access_token");
	tt = cJSON_GetObjectItemCaseSensitive(o, "token_type");
	ea = cJSON_GetObjectItemCaseSensitive(o, "expires_at");
	oa = cJSON_GetObjectItemCaseSensitive(o, "obtained_at");
	if (!cJSON_IsString(at) || !*at->valuestring || !cJSON_IsNumber(ea) ||
	    has_newline(at->valuestring) || !(ea->valuedouble >= 0)) {
		err = ac_fail(AC_FAIL, "cached token is malformed");
		goto out;
	}
	t->access_token = xstrdup(at->valuestring);
	t->token_type = xstrdup(cJSON_IsString(tt) && *tt->valuestring &&
				!has_newline(tt->valuestring) && strlen(tt->valuestring) < 64 ?
				tt->valuestring : "Bearer");
	/* capped, so the conversion is defined and dates keep four digits */
	t->expires_at = ea->valuedouble < (double)AC_TIME_MAX ?
			(long long)ea->valuedouble : AC_TIME_MAX;
	t->obtained_at = cJSON_IsNumber(oa) && oa->valuedouble >= 0 &&
			 oa->valuedouble <= (double)t->expires_at ?
			 (long long)oa->valuedouble : 0;
out:
	cJSON_Delete(o);
	return err;
}

long long token_margin(const struct profile *p, const struct token *t)
{
	long long lifetime = t->expires_at - t->obtained_at;
	long long m;

	if (p->refresh_margin >= 0)
		return p->refresh_margin;
	if (p->type == PT_FOUNDATIONALLM)
		return 0;	/* good through the last second of its date */
	m = lifetime / 10;
	if (m > 300)
		m = 300;
	if (m < 60)
		m = 60;
	return m;
}

int token_is_fresh(const struct profile *p, const struct token *t, long long now)
{
	return now < t->expires_at - token_margin(p, t);
}

static void key_field(struct sha256 *c, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;

	/* length-prefixed, and NULL distinct from "" */
	snprintf(len, sizeof(len), s ? "%zu:" : "-:", n);
	sha256_update(c, len, strlen(len));
	if (s)
		sha256_update(c, s, n);
}

static const char *effective_scope(const struct token_request *req)
{
	const struct profile *p = req->profile;

	if (req->scope)
		return req->scope;
	if (p->scope)
		return p->scope;
	return p->type == PT_ENTRA_AGENT ? DEFAULT_ENTRA_SCOPE : NULL;
}

void token_cache_key(const struct token_request *req, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	const struct profile *p = req->profile;
	struct sha256 c;
	unsigned char d[32];
	char level[4], hash[65];
	int i;

	sha256_init(&c);
	key_field(&c, "agentcred-cache-v1");
	key_field(&c, p->name);
	key_field(&c, profile_type_name(p->type));
	snprintf(level, sizeof(level), "%d", (int)req->level);
	key_field(&c, level);
	switch (p->type) {
	case PT_CLIENT_CREDENTIALS:
		key_field(&c, p->token_url);
		key_field(&c, p->client_id);
		key_field(&c, p->auth_method == AUTH_BASIC ? "basic" : "post");
		key_field(&c, effective_scope(req));
		key_field(&c, p->audience);
		key_field(&c, p->resource);
		break;
	case PT_ENTRA_AGENT:
		key_field(&c, p->authority ? p->authority : DEFAULT_AUTHORITY);
		key_field(&c, p->tenant);
		key_field(&c, p->blueprint_app_id);
		key_field(&c, p->agent_app_id);
		if (req->level != LEVEL_FINAL)
			break;
		key_field(&c, entra_mode_name(p->mode));
		key_field(&c, effective_scope(req));
		key_field(&c, req->user ? req->user : p->user);
		if (req->user_token) {
			sha256_hex(req->user_token, strlen(req->user_token), hash);
			key_field(&c, hash);
		} else {
			key_field(&c, NULL);
		}
		break;
	case PT_FOUNDATIONALLM:
	default:
		key_field(&c, p->api_url);
		break;
	}
	sha256_final(&c, d);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[64] = '\0';
}

static const char *level_label(const struct token_request *req, char *buf, size_t len)
{
	const char *scope = effective_scope(req);

	switch (req->level) {
	case LEVEL_ENTRA_T1:
		return "agent identity assertion";
	case LEVEL_ENTRA_T2:
		return "agent user exchange token";
	case LEVEL_FINAL:
	default:
		snprintf(buf, len, "%s", scope ? scope : "default scope");
		return buf;
	}
}

/*
 * -v: which token a cache level served.  The label is built only under
 * -v: a kernel-cache hit does no formatting it does not print.
 */
static void log_served(const struct token_request *req, const char *from)
{
	char label[300];

	if (log_get_level() >= LOG_VERBOSE)
		log_verbose("%s: %s from %s", req->profile->name,
			    level_label(req, label, sizeof(label)), from);
}

/* Parse a cached value; on success, *t owns the token. */
static int cached(const char *value, size_t len, struct token *t)
{
	enum ac_err err = token_from_json(value, len, t);

	if (err) {
		ac_clear();
		return 0;
	}
	return 1;
}

static void keep_newest(struct token *old, struct token *candidate)
{
	if (candidate->expires_at > old->expires_at) {
		token_release(old);
		*old = *candidate;
		memset(candidate, 0, sizeof(*candidate));
	} else {
		token_release(candidate);
	}
}

/* Kernel level; returns 1 and fills *out when fresh, else keeps *old. */
static int try_kernel(const struct token_request *req, const char *key,
		      struct token *old, struct token *out, long long now)
{
	struct token t;
	char *value = NULL;
	size_t len = 0;

	if (kcache_get(req->profile->name, key, &value, &len))
		return 0;
	if (!cached(value, len, &t)) {
		sec_free(value);
		return 0;
	}
	sec_free(value);
	if (token_is_fresh(req->profile, &t, now)) {
		*out = t;
		return 1;
	}
	keep_newest(old, &t);
	return 0;
}

static enum ac_err try_keyring(const struct token_request *req, const char *key,
			       struct token *old, struct token *out, long long now)
{
	struct token t;
	char *value = NULL;
	size_t len = 0;
	enum ac_err err = kr_token_get(req->profile->name, key, &value, &len);

	if (err == AC_NOTFOUND) {
		ac_clear();
		return AC_NOTFOUND;
	}
	if (err)
		return err;
	if (!cached(value, len, &t)) {
		sec_free(value);
		return AC_NOTFOUND;
	}
	if (token_is_fresh(req->profile, &t, now)) {
		kcache_put(req->profile->name, key, value, len, t.expires_at);
		sec_free(value);
		*out = t;
		return AC_OK;
	}
	sec_free(value);
	keep_newest(old, &t);
	return AC_NOTFOUND;
}

static void store(const struct token_request *req, const char *key,
		  const struct token *t, int durable)
{
	struct sbuf json = SBUF_INIT;
	char label[300];

	token_to_json(t, &json);
	kcache_put(req->profile->name, key, json.buf, json.len, t->expires_at);
	if (durable && kr_token_put(req->profile->name, key,
				    level_label(req, label, sizeof(label)),
				    json.buf, json.len)) {
		log_warn("%s: could not store the token in the keyring: %s",
			 req->profile->name, ac_message());
		ac_clear();
	} else if (durable) {
		/* the durable level stays bounded: expired items go */
		token_prune_durable(req->profile->name, now_seconds());
	}
	sbuf_release(&json);
}

static void warn_static_expiry(const struct profile *p, const struct token *t,
			       long long now)
{
	long long left = t->expires_at - now;
	/* expires_at is 23:59:59 UTC of the date: whole days = calendar days */
	long long days = left / 86400;
	char when[32];

	if (p->type != PT_FOUNDATIONALLM || !p->expires ||
	    left >= STATIC_TOKEN_WARN_DAYS * 86400LL)
		return;
	if (days == 0)
		snprintf(when, sizeof(when), "today");
	else
		snprintf(when, sizeof(when), "in %lld day%s", days, days == 1 ? "" : "s");
	log_warn("%s: the agent access token expires on %s (%s) — create a new one in the FoundationaLLM management portal (the agent's Security section) and re-add it with: agentcred profile add %s",
		 p->name, p->expires, when, p->name);
}

#define PROGRESS_AFTER_S 1

struct progress {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int running, done;
	char line[300];
};

static void *progress_main(void *arg)
{
	struct progress *pg = arg;
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += PROGRESS_AFTER_S;
	pthread_mutex_lock(&pg->lock);
	while (!pg->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&pg->cond, &pg->lock, &until);
	/* under the lock: nothing is printed once the fetch has returned */
	if (!pg->done && write(2, pg->line, strlen(pg->line)) < 0)
		pg->done = 1;
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

/* Static tokens are read locally: only network fetches announce a wait. */
static void progress_start(struct progress *pg, const struct profile *p)
{
	const char *url = p->type == PT_CLIENT_CREDENTIALS ? p->token_url :
			  p->type == PT_ENTRA_AGENT ?
			  (p->authority ? p->authority : DEFAULT_AUTHORITY) : NULL;
	char host[256];
	pthread_condattr_t attr;

	pg->running = 0;
	if (!url || log_get_level() < LOG_NORMAL || !isatty(2))
		return;
	if (url_host(url, host, sizeof(host)))
		snprintf(host, sizeof(host), "the token server");
	snprintf(pg->line, sizeof(pg->line),
		 "agentcred: %s: waiting for %s...\n", p->name, host);
	pg->done = 0;
	pthread_mutex_init(&pg->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pg->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&pg->thread, NULL, progress_main, pg)) {
		pthread_cond_destroy(&pg->cond);
		pthread_mutex_destroy(&pg->lock);
		return;
	}
	pg->running = 1;
}

static void progress_stop(struct progress *pg)
{
	if (!pg->running)
		return;
	pthread_mutex_lock(&pg->lock);
	pg->done = 1;
	pthread_cond_signal(&pg->cond);
	pthread_mutex_unlock(&pg->lock);
	pthread_join(pg->thread, NULL);
	pthread_cond_destroy(&pg->cond);
	pthread_mutex_destroy(&pg->lock);
	pg->running = 0;
}

enum ac_err token_get(const struct token_request *req, struct token *out)
{
	struct progress pg;
	const struct profile *p = req->profile;
	const struct backend *be = backend_for(p->type);
	struct token old = { 0 };
	char key[65];
	long long now = now_seconds();
	enum ac_err err;
	int lockfd = -1, durable = 1;

	memset(out, 0, sizeof(*out));
	if (!be)
		return ac_fail(AC_USAGE, "profile %s has an unsupported type", p->name);
	token_cache_key(req, key);
	if (try_kernel(req, key, &old, out, now)) {
		log_served(req, kcache_source());
		goto done;
	}
	if ((err = lock_acquire(key, profile_timeout(p), &lockfd)))
		goto fail;
	now = now_seconds();
	if (try_kernel(req, key, &old, out, now)) {
		log_served(req, kcache_source());
		goto done;
	}
	err = try_keyring(req, key, &old, out, now);
	if (err == AC_OK) {
		log_served(req, "the keyring");
		goto done;
	}
	if (err != AC_NOTFOUND) {
		if (err != AC_KEYRING)
			goto fail;
		/* No durable cache; a secret from secret_env may still work. */
		log_verbose("%s: keyring unavailable: %s", p->name, ac_message());
		ac_clear();
		durable = 0;
	}
	progress_start(&pg, p);
	err = be->fetch(req, out);
	progress_stop(&pg);
	if (err) {
		token_release(out);
		if (err != AC_EXPIRED && old.access_token && now < old.expires_at) {
			char until[21];

			format_rfc3339(old.expires_at, until);
			log_warn("%s: refresh failed (%s); using the cached token, valid until %s",
				 p->name, ac_message(), until);
			ac_clear();
			*out = old;
			memset(&old, 0, sizeof(old));
			goto done;
		}
		goto fail;
	}
	store(req, key, out, durable);
done:
	warn_static_expiry(p, out, now);
	lock_release(lockfd);
	token_release(&old);
	return AC_OK;
fail:
	lock_release(lockfd);
	token_release(&old);
	return err;
}

enum ac_err token_forget_profile(const char *profile_name)
{
	enum ac_err err;

	kcache_drop_profile(profile_name);
	err = kr_tokens_drop_profile(profile_name);
	return err;
}

enum ac_err token_forget_request(const struct token_request *req)
{
	char key[65];

	token_cache_key(req, key);
	kcache_drop(req->profile->name, key);
	return kr_token_drop(req->profile->name, key);
}

static void header_set(struct header *h, const char *name, const char *prefix,
		       const char *value)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addstr(&sb, prefix);
	sbuf_addstr(&sb, value);
	h->name = xstrdup(name);
	h->value = sbuf_detach(&sb, NULL);
}

struct header *token_headers(const struct profile *p, const struct token *t,
			     size_t *count)
{
	struct header *h = xcalloc(p->nheaders + 1, sizeof(*h));
	size_t i, n = 0;

	if (p->type == PT_FOUNDATIONALLM) {
		header_set(&h[n++], "X-AGENT-ACCESS-TOKEN", "", t->access_token);
	} else {
		const char *type = t->token_type ? t->token_type : "Bearer";
		char prefix[80];

		snprintf(prefix, sizeof(prefix), "%s ",
			 !strcasecmp(type, "bearer") ? "Bearer" : type);
		header_set(&h[n++], "Authorization", prefix, t->access_token);
	}
	for (i = 0; i < p->nheaders; i++)
		header_set(&h[n++], p->headers[i].name, "", p->headers[i].value);
	*count = n;
	return h;
}

void token_headers_free(struct header *h, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(h[i].name);
		sec_free(h[i].value);
	}
	free(h);
}
