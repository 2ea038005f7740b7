/*
 * agentcred git get|store|erase: the git credential helper (README.md,
 * "Design: front-end protocols").
 *
 * Two personalities:
 *   - a host a profile lists in "hosts" (over https, or http to loopback):
 *     get answers username + a fresh access token as the password with
 *     password_expiry_utc; store is ignored (git would store our own token
 *     back); erase drops the cached token so the next get fetches anew;
 *   - every other host: a storing helper that is a drop-in for
 *     git-credential-libsecret: schema org.git.Password, attributes user,
 *     protocol, server, port, object, label "Git: proto://host/path",
 *     secret "password[\npassword_expiry_utc=N][\noauth_refresh_token=T]".
 *     Lookups ignore the schema name, so items of Debian's older helper
 *     (org.gnome.keyring.NetworkPassword, bare password) are found too.
 *
 * git ignores a helper's exit status and shows its stderr to the user:
 * stdout carries only the answer (nothing on a miss); a failure is the
 * usual one line on stderr, "agentcred: git: ..." or with the profile.  Unknown
 * operations are ignored without reading stdin, as git's helpers do.
 *
 * An expired stored password is never returned.  The item is kept: when
 * it carries an oauth_refresh_token, get returns the username and that
 * refresh token (no password) so a later helper such as git-credential-oauth
 * can refresh; git's next "store" replaces the item.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../keyring/keyring.h"
#include "commands.h"
#include "gitproto.h"
#include "lib/secmem.h"
#include "lib/util.h"

static int utf8_ok(const char *s)
{
	return !s || utf8_valid(s, strlen(s));
}

/* The profile that owns this host, when the token may be sent there. */
static struct profile *git_profile(struct config *cfg, const struct git_cred *c)
{
	struct profile *p;
	char *server;
	unsigned port;
	int ok;

	if (!c->host || !c->protocol)
		return NULL;
	p = config_find_by_host(cfg, c->host);
	if (!p)
		return NULL;
	if (!strcmp(c->protocol, "https"))
		return p;
	if (strcmp(c->protocol, "http"))
		return NULL;
	gitproto_split_host(c->host, &server, &port);
	ok = host_is_loopback(server);
	sec_free(server);
	return ok ? p : NULL;	/* never a token in clear text off this machine */
}

static enum ac_err profile_get(struct profile *p, const struct git_cred *req)
{
	struct git_cred ans = GIT_CRED_INIT;
	struct token t;
	struct sbuf out = SBUF_INIT;
	enum ac_err err;
	long long exp;

	memset(&t, 0, sizeof(t));
	err = host_token_get(p, &t);
	if (err)
		return err;
	/* keep a username git already has (from the URL); else ours */
	if (!req->username)
		ans.username = xstrdup(profile_username(p));
	ans.password = xstrdup(t.access_token);
	exp = t.expires_at - token_margin(p, &t);
	if (t.expires_at > 0 && exp > now_seconds())
		ans.expiry = exp;
	token_release(&t);
	gitproto_write(&ans, &out);
	err = write_out(STDOUT_FILENO, sbuf_str(&out), out.len);
	sbuf_release(&out);
	gitproto_release(&ans);
	return err;
}

/* The attributes of git-credential-libsecret's make_attr_list(). */
struct git_attrs {
	struct kr_attr a[5];
	size_t n;
	char *server;
	char port[12];
};

static void make_attrs(const struct git_cred *c, struct git_attrs *ga)
{
	unsigned port = 0;

	memset(ga, 0, sizeof(*ga));
	if (c->username)
		ga->a[ga->n++] = (struct kr_attr){ "user", c->username };
	if (c->protocol)
		ga->a[ga->n++] = (struct kr_attr){ "protocol", c->protocol };
	if (c->host) {
		gitproto_split_host(c->host, &ga->server, &port);
		ga->a[ga->n++] = (struct kr_attr){ "server", ga->server };
		if (port) {
			snprintf(ga->port, sizeof(ga->port), "%u", port);
			ga->a[ga->n++] = (struct kr_attr){ "port", ga->port };
		}
	}
	if (c->path)
		ga->a[ga->n++] = (struct kr_attr){ "object", c->path };
}

static int git_schema(const struct kr_item *it)
{
	return !it->schema || !strcmp(it->schema, KR_SCHEMA_GIT) ||
	       !strcmp(it->schema, KR_SCHEMA_GIT_COMPAT);
}

static int item_matches(const struct git_cred *req, const struct kr_item *it)
{
	return git_schema(it) &&
	       gitproto_match(req, kr_item_attr(it, "user"),
			      kr_item_attr(it, "protocol"),
			      kr_item_attr(it, "server"),
			      kr_item_attr(it, "port"),
			      kr_item_attr(it, "object"));
}

/* Every stored item matching req, of either schema. */
static enum ac_err git_search(const struct keyring_ops *ops, const struct git_cred *req,
			      struct kr_item **items, size_t *count)
{
	struct git_attrs ga;
	enum ac_err err;

	make_attrs(req, &ga);
	err = ops->search(KR_SCHEMA_GIT, ga.a, ga.n, KR_ANY_SCHEMA, items, count);
	sec_free(ga.server);
	return err;
}

static enum ac_err store_get(const struct keyring_ops *ops, const struct git_cred *req)
{
	struct kr_item *items = NULL;
	size_t n = 0, i, best = (size_t)-1, stale = (size_t)-1;
	long long now = now_seconds();
	struct git_cred ans = GIT_CRED_INIT;
	struct sbuf out = SBUF_INIT;
	enum ac_err err;

	err = git_search(ops, req, &items, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		struct git_cred s = GIT_CRED_INIT;
		int expired;

		if (!item_matches(req, &items[i]))
			continue;
		gitproto_secret_parse(items[i].secret ? items[i].secret : "",
				      items[i].secret ? items[i].secret_len : 0, &s);
		expired = s.expiry > 0 && s.expiry <= now;
		if (expired && s.oauth_refresh_token && stale == (size_t)-1)
			stale = i;
		gitproto_release(&s);
		if (expired)
			continue;
		/* prefer the current layout over the older helper's item */
		if (best == (size_t)-1 ||
		    (items[i].schema && !strcmp(items[i].schema, KR_SCHEMA_GIT) &&
		     !(items[best].schema && !strcmp(items[best].schema, KR_SCHEMA_GIT))))
			best = i;
	}
	if (best != (size_t)-1 || stale != (size_t)-1) {
		const struct kr_item *it = &items[best != (size_t)-1 ? best : stale];
		const char *user = kr_item_attr(it, "user");

		gitproto_secret_parse(it->secret ? it->secret : "",
				      it->secret ? it->secret_len : 0, &ans);
		if (best == (size_t)-1) {
			/* expired: the refresh token only, never the password */
			sec_free(ans.password);
			ans.password = NULL;
			ans.expiry = 0;
		}
		if (user)
			ans.username = xstrdup(user);
		gitproto_write(&ans, &out);
		err = write_out(STDOUT_FILENO, sbuf_str(&out), out.len);
	}
	sbuf_release(&out);
	gitproto_release(&ans);
	ops->free_items(items, n);
	return err;
}

/* Same five attributes, absent where absent: the item a store replaces. */
static int same_attrs(const struct kr_item *it, const struct git_attrs *ga)
{
	static const char *const names[] = { "user", "protocol", "server", "port", "object" };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const char *have = kr_item_attr(it, names[i]), *want = NULL;

		for (j = 0; j < ga->n; j++)
			if (!strcmp(ga->a[j].name, names[i]))
				want = ga->a[j].value;
		if (!want != !have || (want && strcmp(want, have)))
			return 0;
	}
	return 1;
}

static enum ac_err store_store(const struct keyring_ops *ops, const struct git_cred *c)
{
	struct git_attrs ga;
	struct sbuf label = SBUF_INIT, secret = SBUF_INIT;
	struct kr_item *items = NULL;
	size_t n = 0, i;
	enum ac_err err;

	/* git-credential-libsecret's sanity check: nothing to key or store */
	if (!c->protocol || !(c->host || c->path) || !c->username || !c->password)
		return AC_OK;
	/* git 2.40+ never stores an expired credential; 2.39 might */
	if (c->expiry > 0 && c->expiry <= now_seconds())
		return AC_OK;
	make_attrs(c, &ga);
	gitproto_label(c, &label);
	gitproto_secret_format(c, &secret);
	err = ops->store(KR_SCHEMA_GIT, sbuf_str(&label), ga.a, ga.n,
			 sbuf_str(&secret), secret.len);
	/*
	 * An item of the older helper with the same key would shadow the new
	 * password for that helper and linger as a stale duplicate for us:
	 * the store replaces it.
	 */
	if (!err && !ops->search(KR_SCHEMA_GIT_COMPAT, ga.a, ga.n, 0, &items, &n)) {
		for (i = 0; i < n; i++)
			if (items[i].schema && !strcmp(items[i].schema, KR_SCHEMA_GIT_COMPAT) &&
			    same_attrs(&items[i], &ga))
				(void)ops->remove(&items[i]);	/* best effort */
		ops->free_items(items, n);
	}
	sbuf_release(&label);
	sbuf_release(&secret);
	sec_free(ga.server);
	return err;
}

static int password_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

static enum ac_err store_erase(const struct keyring_ops *ops, const struct git_cred *req)
{
	struct kr_item *items = NULL;
	size_t n = 0, i;
	enum ac_err err, first = AC_OK;

	/* an empty pattern would match everything: refuse, as libsecret's helper */
	if (!req->protocol && !req->host && !req->path && !req->username)
		return AC_OK;
	err = git_search(ops, req, &items, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (!item_matches(req, &items[i]))
			continue;
		if (req->password) {
			struct git_cred s = GIT_CRED_INIT;
			int same;

			gitproto_secret_parse(items[i].secret ? items[i].secret : "",
					      items[i].secret ? items[i].secret_len : 0, &s);
			same = password_equal(s.password, req->password);
			gitproto_release(&s);
			if (!same)
				continue;	/* someone else's password: keep it */
		}
		err = ops->remove(&items[i]);
		if (err && !first)
			first = err;
	}
	ops->free_items(items, n);
	return first;
}

/* The token came from us: nothing to keep. */
static enum ac_err profile_store(struct profile *p, const struct git_cred *c)
{
	(void)p;
	(void)c;
	return AC_OK;
}

static enum ac_err profile_erase(struct profile *p, const struct git_cred *c)
{
	(void)c;
	return host_token_forget(p);
}

/* Each operation for a profile's host, and for a password git stores. */
static const struct git_op {
	const char *name;
	enum ac_err (*profile)(struct profile *p, const struct git_cred *c);
	enum ac_err (*store)(const struct keyring_ops *ops, const struct git_cred *c);
} git_ops[] = {
	{ "get", profile_get, store_get },
	{ "store", profile_store, store_store },
	{ "erase", profile_erase, store_erase },
};

static enum ac_err run_git(struct config *cfg, const struct git_op *op)
{
	struct git_cred c = GIT_CRED_INIT;
	const struct keyring_ops *ops;
	struct profile *p;
	char *buf = NULL;
	size_t len = 0;
	enum ac_err err;

	err = read_fd_limited(STDIN_FILENO, GITPROTO_MAX_INPUT, "the credential request",
			      &buf, &len);
	if (!err)
		err = gitproto_parse(buf, len, &c);
	sec_free(buf);
	if (err)
		goto out;

	p = git_profile(cfg, &c);
	if (p) {
		err = op->profile(p, &c);
		goto out;
	}

	if (!utf8_ok(c.protocol) || !utf8_ok(c.host) || !utf8_ok(c.path) ||
	    !utf8_ok(c.username)) {
		err = ac_fail(AC_FAIL, "the request's protocol, host, path or username is not UTF-8 — the keyring cannot store it");
		goto out;
	}
	err = keyring_get(&ops);
	if (err)
		goto out;
	err = op->store(ops, &c);
out:
	gitproto_release(&c);
	return err;
}

enum ac_err cmd_git(struct config *cfg, int argc, char **argv)
{
	size_t i;

	if (argc != 2)
		return ac_fail(AC_USAGE, "usage: git-credential-agentcred <get|store|erase>");
	for (i = 0; i < ARRAY_SIZE(git_ops); i++)
		if (!strcmp(argv[1], git_ops[i].name)) {
			/* a profile host names its profile instead */
			ac_set_subject("git");
			return run_git(cfg, &git_ops[i]);
		}
	/* unknown operations are ignored silently, as git asks of helpers */
	return AC_OK;
}
