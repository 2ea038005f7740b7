/*
 * agentcred docker get|store|erase|list|version: the docker credential
 * helper (README.md, "Design: front-end protocols"), also run as
 * docker-credential-agentcred.
 *
 * The protocol is docker-credential-helpers' (credentials/credentials.go):
 * exactly one action argument; errors go to stdout with exit 1 (main.c's
 * DOCKER_EXIT); "not found" is exactly DOCKER_ERR_NOT_FOUND, which the CLI
 * turns into "no credentials".
 *
 * A registry host a profile lists in "hosts": get answers a fresh access
 * token (Username = the profile's client id or "agentcred", Secret = the
 * token).  Not "<token>": that username tells docker the secret is a
 * registry identity (refresh) token to trade at the registry's token
 * endpoint, which an access token is not.  store is ignored (docker would
 * store our token back after a login) and erase drops the cached token.
 *
 * Other servers are stored like docker-credential-secretservice does:
 * schema io.docker.Credentials, attributes label="Docker Credentials",
 * server, username, docker_cli="1", item label = the server URL (its list
 * reads the label), secret = the password or identity token verbatim.
 * One item per server: a store for a new username replaces the old one.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../keyring/keyring.h"
#include "commands.h"
#include "dockerproto.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define DOCKER_CREDS_LABEL "Docker Credentials"	/* credentials.CredsLabel */
#define DOCKER_NAME "docker-credential-agentcred"

static enum ac_err not_found(void)
{
	ac_fail(AC_NOTFOUND, DOCKER_ERR_NOT_FOUND);
	return AC_NOTFOUND;
}

static enum ac_err read_input(char **buf, size_t *len)
{
	return read_fd_limited(STDIN_FILENO, DOCKERPROTO_MAX_INPUT,
			       "the docker credential request", buf, len);
}

static struct profile *docker_profile(struct config *cfg, const char *server_url)
{
	char *host = dockerproto_server_host(server_url);
	struct profile *p = host ? config_find_by_host(cfg, host) : NULL;

	sec_free(host);
	return p;
}

/*
 * May the profile's token go to this server?  A bare host or https:// is
 * TLS (docker talks plain http only to registries the daemon lists as
 * insecure, and then the URL it asks about says http://); http:// only to
 * loopback: never a bearer token in clear text off this machine.
 */
static int token_may_go(const char *server_url)
{
	const char *sep = strstr(server_url, "://");
	char host[256];

	if (!sep || !strncasecmp(server_url, "https://", 8))
		return 1;
	if (strncasecmp(server_url, "http://", 7))
		return 0;
	return !url_host(server_url, host, sizeof(host)) && host_is_loopback(host);
}

static enum ac_err write_cred(const struct docker_cred *c)
{
	struct sbuf out = SBUF_INIT;
	enum ac_err err;

	dockerproto_write_cred(c, &out);
	err = write_out(STDOUT_FILENO, out.buf, out.len);
	sbuf_release(&out);
	return err;
}

static enum ac_err profile_get(struct profile *p, const char *server)
{
	struct docker_cred c = DOCKER_CRED_INIT;
	struct token t;
	enum ac_err err;

	memset(&t, 0, sizeof(t));
	err = host_token_get(p, &t);
	if (err) {
		/* the CLI shows this text; name the profile in it */
		return ac_fail(err, "agentcred: %s: %s", p->name, ac_message());
	}
	c.server_url = xstrdup(server);
	c.username = xstrdup(profile_username(p));
	c.secret = xstrdup(t.access_token);
	token_release(&t);
	err = write_cred(&c);
	dockerproto_release(&c);
	return err;
}

static enum ac_err keyring_lookup(const struct keyring_ops *ops, const char *server,
				  struct kr_item **items, size_t *n)
{
	const struct kr_attr attrs[] = {
		{ "server", server },
		{ "docker_cli", "1" },
	};

	return ops->search(KR_SCHEMA_DOCKER, attrs, ARRAY_SIZE(attrs), 0, items, n);
}

/* get and erase read the bare server URL. */
static enum ac_err read_server(char **server)
{
	char *buf = NULL;
	size_t len;
	enum ac_err err;

	err = read_input(&buf, &len);
	if (!err)
		err = dockerproto_parse_server(buf, len, server);
	sec_free(buf);
	return err;
}

static enum ac_err docker_get(struct config *cfg)
{
	const struct keyring_ops *ops;
	struct kr_item *items = NULL;
	size_t n = 0, i;
	char *server = NULL;
	struct profile *p;
	enum ac_err err;

	if ((err = read_server(&server)))
		return err;
	p = docker_profile(cfg, server);
	if (p && !token_may_go(server)) {
		log_warn("agentcred: not sending profile %s's token to %s: plain http is for loopback hosts only",
			 p->name, server);
		p = NULL;	/* like git: only a credential docker stored itself */
	}
	if (p) {
		err = profile_get(p, server);
		goto out;
	}
	err = keyring_get(&ops);
	if (!err)
		err = keyring_lookup(ops, server, &items, &n);
	if (err)
		goto out;
	err = not_found();
	for (i = 0; i < n; i++) {
		struct docker_cred c = DOCKER_CRED_INIT;
		const char *user = kr_item_attr(&items[i], "username");

		/* the reference helper treats an empty secret as absent */
		if (!items[i].secret || !items[i].secret_len)
			continue;
		c.server_url = xstrdup(server);
		c.username = xstrdup(user ? user : "");
		c.secret = xstrndup(items[i].secret, items[i].secret_len);
		ac_clear();
		err = write_cred(&c);
		dockerproto_release(&c);
		break;
	}
	ops->free_items(items, n);
out:
	sec_free(server);
	return err;
}

static enum ac_err docker_store(struct config *cfg)
{
	const struct keyring_ops *ops;
	struct docker_cred c = DOCKER_CRED_INIT;
	struct kr_item *items = NULL;
	size_t n = 0, i;
	char *buf = NULL;
	size_t len;
	enum ac_err err;

	err = read_input(&buf, &len);
	if (!err)
		err = dockerproto_parse_store(buf, len, &c);
	sec_free(buf);
	if (err)
		goto out;
	if (docker_profile(cfg, c.server_url))
		goto out;	/* our own token coming back after a login */
	err = keyring_get(&ops);
	if (err)
		goto out;
	{
		const struct kr_attr attrs[] = {
			{ "label", DOCKER_CREDS_LABEL },
			{ "server", c.server_url },
			{ "username", c.username },
			{ "docker_cli", "1" },
		};

		err = ops->store(KR_SCHEMA_DOCKER, c.server_url, attrs, ARRAY_SIZE(attrs),
				 c.secret, strlen(c.secret));
	}
	if (err)
		goto out;
	/* one credential per server: drop another username's item */
	if (!keyring_lookup(ops, c.server_url, &items, &n)) {
		for (i = 0; i < n; i++) {
			const char *user = kr_item_attr(&items[i], "username");

			if (!user || strcmp(user, c.username))
				(void)ops->remove(&items[i]);
		}
		ops->free_items(items, n);
	}
	ac_clear();
out:
	dockerproto_release(&c);
	return err;
}

static enum ac_err docker_erase(struct config *cfg)
{
	const struct keyring_ops *ops;
	char *server = NULL;
	struct profile *p;
	enum ac_err err;

	if ((err = read_server(&server)))
		return err;
	p = docker_profile(cfg, server);
	if (p) {
		err = host_token_forget(p);
	} else {
		const struct kr_attr attrs[] = {
			{ "server", server },
			{ "docker_cli", "1" },
		};

		err = keyring_get(&ops);
		if (!err)
			err = ops->clear(KR_SCHEMA_DOCKER, attrs, ARRAY_SIZE(attrs));
	}
	sec_free(server);
	return err;
}

static enum ac_err docker_list(struct config *cfg)
{
	const struct kr_attr attrs[] = { { "docker_cli", "1" } };
	const struct keyring_ops *ops;
	struct kr_item *items = NULL;
	size_t n = 0, i, m = 0;
	const char **servers, **users;
	struct sbuf out = SBUF_INIT;
	enum ac_err err;

	/* docker's list does not read stdin ("unused"); neither do we */
	(void)cfg;
	err = keyring_get(&ops);
	if (!err)
		err = ops->search(KR_SCHEMA_DOCKER, attrs, ARRAY_SIZE(attrs), 0, &items, &n);
	if (err)
		return err;
	servers = xcalloc(n + 1, sizeof(*servers));
	users = xcalloc(n + 1, sizeof(*users));
	for (i = 0; i < n; i++) {
		const char *s = kr_item_attr(&items[i], "server");

		if (!s)
			continue;
		servers[m] = s;
		users[m++] = kr_item_attr(&items[i], "username");
	}
	dockerproto_write_list(servers, users, m, &out);
	err = write_out(STDOUT_FILENO, out.buf, out.len);
	sbuf_release(&out);
	sec_free(servers);
	sec_free(users);
	ops->free_items(items, n);
	return err;
}

#define USAGE "Usage: " DOCKER_NAME " <store|get|erase|list|version>"

static enum ac_err docker_version(struct config *cfg)
{
	(void)cfg;
	printf("%s (agentcred) %s\n", DOCKER_NAME, AGENTCRED_VERSION);
	return AC_OK;
}

static enum ac_err docker_help(struct config *cfg)
{
	(void)cfg;
	printf("%s\n", USAGE);
	return AC_OK;
}

static const struct action {
	const char *name;
	enum ac_err (*fn)(struct config *cfg);
} actions[] = {
	{ "get", docker_get },
	{ "store", docker_store },
	{ "erase", docker_erase },
	{ "list", docker_list },
	{ "version", docker_version },
	{ "--version", docker_version },
	{ "-v", docker_version },
	{ "--help", docker_help },
	{ "-h", docker_help },
};

/* Failures go to stdout, which docker shows to the user: main.c does it. */
enum ac_err cmd_docker(struct config *cfg, int argc, char **argv)
{
	size_t i;

	if (argc != 2)
		return ac_fail(AC_USAGE, "%s", USAGE);
	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(argv[1], actions[i].name))
			return actions[i].fn(cfg);
	return ac_fail(AC_USAGE, "%s: unknown action: %s", DOCKER_NAME, argv[1]);
}
