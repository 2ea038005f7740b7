/*
 * Token cache and refresh (README.md, "Design: the cache"); the flow is
 * described in token.h.
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

#include "../keyring/keyring.h"
#include "kcache.h"
#include "lock.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/sha256.h"
#include "token.h"
#include "lib/util.h"
#include "tokprune.h"

#define MAX_TOKEN_JSON (64 * 1024)

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
	cJSON *o = len <= MAX_TOKEN_JSON ? json_parse_whole(s, len) : NULL;
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
	const struct backend *be = backend_for(p->type);
	long long lifetime = t->expires_at - t->obtained_at;
	long long m;

	if (p->refresh_margin >= 0)
		return p->refresh_margin;
	if (be && (be->flags & BACKEND_STATIC))
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
	const struct backend *be = backend_for(p->type);

	if (req->scope)
		return req->scope;
	if (p->scope)
		return p->scope;
	return be ? be->default_scope : NULL;
}

void token_cache_key(const struct token_request *req, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	const struct profile *p = req->profile;
	const struct backend *be = backend_for(p->type);
	struct key_fields k = { .n = 0 };
	struct sha256 c;
	unsigned char d[32];
	char level[4];
	int i;

	sha256_init(&c);
	key_field(&c, "agentcred-cache-v1");
	key_field(&c, p->name);
	key_field(&c, profile_type_name(p->type));
	snprintf(level, sizeof(level), "%d", (int)req->level);
	key_field(&c, level);
	if (be) {
		be->key_fields(req, effective_scope(req), &k);
		for (i = 0; i < (int)k.n; i++)
			key_field(&c, k.v[i]);
	} else {
		key_field(&c, p->api_url);
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
	case LEVEL_ENTRA_MI:
		return "managed identity token";
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
static void progress_start(struct progress *pg, const struct backend *be,
			   const struct profile *p)
{
	struct sbuf url = SBUF_INIT;
	char host[256];
	pthread_condattr_t attr;

	pg->running = 0;
	if ((be->flags & BACKEND_STATIC) || log_get_level() < LOG_NORMAL || !isatty(2))
		return;
	be->server_url(p, &url);
	if (!url.len) {
		sbuf_release(&url);
		return;
	}
	if (url_host(url.buf, host, sizeof(host)))
		snprintf(host, sizeof(host), "the token server");
	sbuf_release(&url);
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

/*
 * The token_source a fetch gets: nested gets go through token_get() again,
 * so intermediate tokens are cached, locked and shared like any other.
 * Lock order is enforced here: a fetch at one level may only reach a
 * lower one (token_level_rank, backends/backend.h), never its own or a
 * higher one, so the flocks are always taken final → T2 → T1.
 */
static enum ac_err lower_level(const struct token_source *src, enum token_level level,
			       struct token_request *r)
{
	if (token_level_rank(level) >= token_level_rank(src->req->level))
		return ac_fail(AC_FAIL, "internal error: a level %d fetch asked for level %d (lock order)",
			       (int)src->req->level, (int)level);
	memset(r, 0, sizeof(*r));
	r->profile = src->req->profile;
	r->level = level;
	return AC_OK;
}

static enum ac_err source_get(const struct token_source *src, enum token_level level,
			      struct token *out)
{
	struct token_request r;
	enum ac_err err = lower_level(src, level, &r);

	memset(out, 0, sizeof(*out));
	return err ? err : token_get(&r, out);
}

/*
 * If dropping fails, the retry meets the same token and its refusal is
 * what gets reported, so the error itself is not kept.
 */
static void source_forget(const struct token_source *src, enum token_level level)
{
	struct token_request r;

	if (!lower_level(src, level, &r))
		token_forget_request(&r);
	ac_clear();
}

enum ac_err token_profile_secret(const struct profile *p, char **secret)
{
	const struct backend *be = backend_for(p->type);
	struct credential c;
	enum ac_err err;

	*secret = NULL;
	be->credential(p, &c);
	if (c.from == CRED_ENV) {
		const char *v = getenv(c.where);

		if (!v || !*v)
			return ac_fail(AC_USAGE, "profile %s reads its secret from $%s, which is not set",
				       p->name, c.where);
		*secret = xstrdup(v);
		return AC_OK;
	}
	if (c.from != CRED_KEYRING)
		return ac_fail(AC_FAIL, "internal error: profile %s has no stored secret to read",
			       p->name);
	/*
	 * A profile without its secret is a configuration problem (exit 2),
	 * not a failure of the keyring: the message says how to store it.
	 */
	err = kr_client_secret_get(p->name, secret);
	return err == AC_NOTFOUND ? AC_USAGE : err;
}

static enum ac_err source_secret(const struct token_source *src, char **secret)
{
	return token_profile_secret(src->req->profile, secret);
}

enum ac_err token_get(const struct token_request *req, struct token *out)
{
	struct progress pg;
	const struct profile *p = req->profile;
	const struct backend *be = backend_for(p->type);
	const struct token_source src = { source_get, source_forget, source_secret, req };
	struct token old = { 0 };
	char key[65];
	long long now = now_seconds();
	enum ac_err err;
	int lockfd = -1, durable = 1;

	memset(out, 0, sizeof(*out));
	if (!be)
		return ac_fail(AC_USAGE, "profile %s has an unsupported type", p->name);
	/* a stored credential past its date stops every call (exit 6) */
	if (be->precheck && (err = be->precheck(p, now)))
		return err;
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
	progress_start(&pg, be, p);
	err = be->fetch(&src, out);
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
	if (be->served)
		be->served(p, out, now);
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
	kcache_drop_profile(profile_name);
	return kr_tokens_drop_profile(profile_name);
}

enum ac_err token_forget_request(const struct token_request *req)
{
	char key[65];

	token_cache_key(req, key);
	kcache_drop(req->profile->name, key);
	return kr_token_drop(req->profile->name, key);
}

const char *token_cached(const struct token_request *req, long long *expires_at)
{
	const char *level;
	struct token t;
	char key[65], *value = NULL;
	size_t len = 0;

	*expires_at = 0;
	token_cache_key(req, key);
	if (!kcache_get(req->profile->name, key, &value, &len)) {
		level = "fast";
	} else if (kr_token_get(req->profile->name, key, &value, &len) == AC_OK) {
		level = "keyring";
	} else {
		ac_clear();
		return "none";
	}
	if (!token_from_json(value, len, &t)) {
		*expires_at = t.expires_at;
		token_release(&t);
	} else {
		ac_clear();
		level = "none";
	}
	sec_free(value);
	return level;
}
