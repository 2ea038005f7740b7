/*
 * config.json: read, validate, write (README.md, "Design: profiles").
 *
 * Rules:
 *  - every profile key is described once, in profile_keys[]; parsing,
 *    "profile add --key value", writing and --help all use that table;
 *  - unknown keys are an error that names the key and the profile;
 *  - strings are bounded (MAX_VALUE) and free of control characters, so a
 *    value can never smuggle a line into a header, a curl config or a git
 *    answer;
 *  - the file is replaced atomically: temporary file created with
 *    O_EXCL|O_NOFOLLOW, fsync, rename, fsync of the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../backends/entra_cred.h"
#include "lib/atomicfile.h"
#include "config.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define MAX_CONFIG	(1024 * 1024)
#define MAX_PROFILES	1000
#define MAX_VALUE	4096
#define MAX_LIST	64

enum key_kind { K_STR, K_LONG, K_HOSTS, K_HEADERS, K_TYPE, K_AUTH, K_MODE };

#define CC	(1u << PT_CLIENT_CREDENTIALS)
#define EA	(1u << PT_ENTRA_AGENT)
#define FL	(1u << PT_FOUNDATIONALLM)
#define ALL	(CC | EA | FL)

struct profile_key {
	const char *name;
	enum key_kind kind;
	size_t offset;
	unsigned types;		/* profile types that accept the key */
};

#define KEY(n, k, t) { #n, k, offsetof(struct profile, n), t }
static const struct profile_key profile_keys[] = {
	{ "type", K_TYPE, offsetof(struct profile, type), ALL },
	KEY(token_url, K_STR, CC),
	KEY(client_id, K_STR, CC),
	KEY(auth_method, K_AUTH, CC),
	KEY(scope, K_STR, CC | EA),
	KEY(audience, K_STR, CC),
	KEY(resource, K_STR, CC),
	KEY(certificate_expires, K_STR, CC | EA),
	KEY(tenant, K_STR, EA),
	KEY(authority, K_STR, EA),
	KEY(blueprint_app_id, K_STR, EA),
	KEY(agent_app_id, K_STR, EA),
	KEY(mode, K_MODE, EA),
	KEY(user, K_STR, EA),
	KEY(client_assertion_file, K_STR, EA),
	KEY(certificate_thumbprint, K_STR, EA),
	KEY(certificate_thumbprint_sha256, K_STR, EA),
	KEY(managed_identity, K_STR, EA),
	KEY(expires, K_STR, FL),
	KEY(description, K_STR, FL),
	KEY(api_url, K_STR, ALL),
	KEY(headers, K_HEADERS, ALL),
	KEY(hosts, K_HOSTS, ALL),
	KEY(ca_file, K_STR, ALL),
	KEY(timeout, K_LONG, ALL),
	KEY(refresh_margin, K_LONG, ALL),
	KEY(secret_env, K_STR, ALL),
};

_Static_assert(ARRAY_SIZE(profile_keys) <= 8 * sizeof(unsigned long),
	       "struct profile.keys_set has a bit per key");

static const char *const type_names[PT__COUNT] = {
	"client-credentials", "entra-agent", "foundationallm"
};
static const char *const mode_names[] = { "autonomous-app", "obo", "agent-user" };

static char *path_override;

const char *profile_key_name(size_t i)
{
	return i < ARRAY_SIZE(profile_keys) ? profile_keys[i].name : NULL;
}

int profile_has_key(const struct profile *p, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(profile_keys); i++)
		if (!strcmp(profile_keys[i].name, key))
			return (profile_keys[i].types >> p->type) & 1u;
	return 0;
}

const char *profile_type_name(enum profile_type t)
{
	return t < PT__COUNT ? type_names[t] : "unknown";
}

int profile_type_parse(const char *s, enum profile_type *t)
{
	int i;

	for (i = 0; i < PT__COUNT; i++)
		if (!strcmp(s, type_names[i])) {
			*t = (enum profile_type)i;
			return 0;
		}
	return -1;
}

const char *entra_mode_name(enum entra_mode m)
{
	return (size_t)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "unknown";
}

const char *auth_method_name(enum auth_method m)
{
	return m == AUTH_BASIC ? "basic" : m == AUTH_X509 ? "x509" : "post";
}

int profile_name_valid(const char *name)
{
	size_t n = strlen(name);
	size_t i;

	if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

void profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->refresh_margin = -1;
}

void profile_release(struct profile *p)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(profile_keys); i++) {
		const struct profile_key *k = &profile_keys[i];

		if (k->kind == K_STR)
			free(*(char **)((char *)p + k->offset));
	}
	for (i = 0; i < p->nheaders; i++) {
		free(p->headers[i].name);
		free(p->headers[i].value);
	}
	free(p->headers);
	for (i = 0; i < p->nhosts; i++)
		free(p->hosts[i]);
	free(p->hosts);
	free(p->name);
	profile_init(p);
}

static int value_ok(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	if (strlen(v) > MAX_VALUE)
		return 0;
	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * An RFC 9110 token, and not one of the credential headers agentcred
 * writes itself: a profile header must never replace or duplicate them.
 */
static int header_name_ok(const char *n)
{
	if (!*n || strlen(n) > 128 || !strcasecmp(n, "Authorization") ||
	    !strcasecmp(n, "X-AGENT-ACCESS-TOKEN"))
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || strchr("!#$%&'*+-.^_`|~", *n)))
			return 0;
	return 1;
}

static const struct profile_key *key_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(profile_keys); i++)
		if (profile_keys[i].name[0] == name[0] && !strcmp(profile_keys[i].name, name))
			return &profile_keys[i];
	return NULL;
}

static enum ac_err add_header(struct profile *p, const char *name, const char *value)
{
	size_t i;

	if (!header_name_ok(name) || !value_ok(value))
		return ac_fail(AC_USAGE, "profile %s: bad header \"%.128s\" — use NAME=VALUE without control characters; Authorization and X-AGENT-ACCESS-TOKEN are set by agentcred",
			       p->name ? p->name : "", has_newline(name) ? "(line break)" : name);
	for (i = 0; i < p->nheaders; i++)
		if (!strcasecmp(p->headers[i].name, name)) {
			free(p->headers[i].value);
			p->headers[i].value = xstrdup(value);
			return AC_OK;
		}
	if (p->nheaders >= MAX_LIST)
		return ac_fail(AC_USAGE, "profile %s: too many headers", p->name ? p->name : "");
	p->headers = xrealloc(p->headers, (p->nheaders + 1) * sizeof(*p->headers));
	p->headers[p->nheaders].name = xstrdup(name);
	p->headers[p->nheaders].value = xstrdup(value);
	p->nheaders++;
	return AC_OK;
}

static enum ac_err add_host(struct profile *p, const char *host)
{
	size_t i;

	if (!*host || strlen(host) > 255 || strpbrk(host, " /\t@"))
		return ac_fail(AC_USAGE, "profile %s: bad host \"%s\" — use HOST or HOST:PORT",
			       p->name ? p->name : "", host);
	for (i = 0; i < p->nhosts; i++)
		if (!strcasecmp(p->hosts[i], host))
			return AC_OK;
	if (p->nhosts >= MAX_LIST)
		return ac_fail(AC_USAGE, "profile %s: too many hosts", p->name ? p->name : "");
	p->hosts = xrealloc(p->hosts, (p->nhosts + 1) * sizeof(*p->hosts));
	p->hosts[p->nhosts++] = xstrdup(host);
	return AC_OK;
}

static enum ac_err set_long(struct profile *p, const struct profile_key *k,
			    const char *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < 0 || v > 86400)
		return ac_fail(AC_USAGE, "profile %s: %s must be a number of seconds (0..86400), not \"%s\"",
			       p->name ? p->name : "", k->name, value);
	*(long *)((char *)p + k->offset) = v;
	return AC_OK;
}

enum ac_err profile_set_key(struct profile *p, const char *key, const char *value)
{
	const struct profile_key *k = key_find(key);
	const char *pname = p->name ? p->name : "";
	char *eq;
	size_t i;

	if (!k)
		return ac_fail(AC_USAGE, "profile %s: unknown key \"%s\"", pname, key);
	if (!value_ok(value))
		return ac_fail(AC_USAGE, "profile %s: value of %s is too long or has control characters",
			       pname, key);
	p->keys_set |= 1ul << (size_t)(k - profile_keys);
	switch (k->kind) {
	case K_STR: {
		char **slot = (char **)((char *)p + k->offset);

		free(*slot);
		*slot = xstrdup(value);
		return AC_OK;
	}
	case K_LONG:
		return set_long(p, k, value);
	case K_HOSTS:
		return add_host(p, value);
	case K_HEADERS: {
		enum ac_err err;
		char *copy = xstrdup(value);

		eq = strchr(copy, '=');
		if (!eq) {
			free(copy);
			return ac_fail(AC_USAGE, "profile %s: header \"%s\" needs the form NAME=VALUE",
				       pname, value);
		}
		*eq = '\0';
		err = add_header(p, copy, eq + 1);
		free(copy);
		return err;
	}
	case K_TYPE:
		if (profile_type_parse(value, &p->type))
			return ac_fail(AC_USAGE, "profile %s: unknown type \"%s\" — use client-credentials, entra-agent or foundationallm",
				       pname, value);
		return AC_OK;
	case K_AUTH:
		if (!strcmp(value, "post"))
			p->auth_method = AUTH_POST;
		else if (!strcmp(value, "basic"))
			p->auth_method = AUTH_BASIC;
		else if (!strcmp(value, "x509"))
			p->auth_method = AUTH_X509;
		else
			return ac_fail(AC_USAGE, "profile %s: auth_method must be post, basic or x509, not \"%s\"",
				       pname, value);
		return AC_OK;
	case K_MODE:
		for (i = 0; i < ARRAY_SIZE(mode_names); i++)
			if (!strcmp(value, mode_names[i])) {
				p->mode = (enum entra_mode)i;
				return AC_OK;
			}
		return ac_fail(AC_USAGE, "profile %s: mode must be autonomous-app, obo or agent-user, not \"%s\"",
			       pname, value);
	}
	return AC_OK;
}

static enum ac_err require(const struct profile *p, const char *value, const char *key)
{
	if (value && *value)
		return AC_OK;
	return ac_fail(AC_USAGE, "profile %s: %s is required for type %s — add --%s",
		       p->name, key, profile_type_name(p->type), key);
}

enum ac_err profile_validate(const struct profile *p)
{
	enum ac_err err = AC_OK;
	size_t i;

	/* given explicitly is what counts, even at the default value */
	for (i = 0; i < ARRAY_SIZE(profile_keys); i++)
		if ((p->keys_set & (1ul << i)) &&
		    !(profile_keys[i].types & (1u << p->type)))
			return ac_fail(AC_USAGE, "profile %s: key %s does not apply to type %s",
				       p->name, profile_keys[i].name,
				       profile_type_name(p->type));
	/* read by kubectl/git-spawned processes whose cwd varies: a relative
	 * ca_file would let the repository at hand choose the trust anchors */
	if (p->ca_file && p->ca_file[0] != '/')
		return ac_fail(AC_USAGE, "profile %s: ca_file must be an absolute path",
			       p->name);
	switch (p->type) {
	case PT_CLIENT_CREDENTIALS: {
		long long t;

		if ((err = require(p, p->token_url, "token-url")) ||
		    (err = require(p, p->client_id, "client-id")) ||
		    (err = url_check_scheme(p->token_url, "token_url")))
			return err;
		if (p->certificate_expires &&
		    parse_rfc3339(p->certificate_expires, &t))
			return ac_fail(AC_USAGE, "profile %s: certificate_expires must be a time YYYY-MM-DDTHH:MM:SSZ, not \"%s\"",
				       p->name, p->certificate_expires);
		break;
	}
	case PT_ENTRA_AGENT:
		if ((err = require(p, p->tenant, "tenant")) ||
		    (err = require(p, p->blueprint_app_id, "blueprint-app-id")) ||
		    (err = require(p, p->agent_app_id, "agent-app-id")))
			return err;
		if (p->authority && (err = url_check_scheme(p->authority, "authority")))
			return err;
		if (strpbrk(p->tenant, "/?#%"))
			return ac_fail(AC_USAGE, "profile %s: tenant must be a tenant id or domain name",
				       p->name);
		/* read by kubectl/git-spawned processes whose cwd varies */
		if (p->client_assertion_file && p->client_assertion_file[0] != '/')
			return ac_fail(AC_USAGE, "profile %s: client_assertion_file must be an absolute path",
				       p->name);
		if ((err = entra_cred_validate(p)))
			return err;
		break;
	case PT_FOUNDATIONALLM: {
		long long t;

		if ((err = require(p, p->api_url, "api-url")))
			return err;
		if (p->expires && parse_date_end_of_day(p->expires, &t))
			return ac_fail(AC_USAGE, "profile %s: expires must be a date YYYY-MM-DD, not \"%s\"",
				       p->name, p->expires);
		break;
	}
	default:
		return ac_fail(AC_USAGE, "profile %s: unknown type", p->name);
	}
	if (p->api_url && (err = url_check_scheme(p->api_url, "api_url")))
		return err;
	return AC_OK;
}

long profile_timeout(const struct profile *p)
{
	return p->timeout > 0 ? p->timeout : 30;
}

const char *profile_username(const struct profile *p)
{
	if (p->type == PT_CLIENT_CREDENTIALS && p->client_id)
		return p->client_id;
	return "agentcred";
}

void config_set_path_override(const char *path)
{
	free(path_override);
	path_override = path ? xstrdup(path) : NULL;
}

char *config_default_path(void)
{
	const char *env = getenv("AGENTCRED_CONFIG");
	struct sbuf sb = SBUF_INIT;

	if (path_override)
		return xstrdup(path_override);
	if (env && *env)
		return xstrdup(env);
	/* never relative to the working directory: see user_home() */
	if (xdg_dir("XDG_CONFIG_HOME", ".config", "agentcred/config.json", &sb)) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

static enum ac_err parse_profile(struct profile *p, const cJSON *obj)
{
	const cJSON *it;
	enum ac_err err;
	int have_type = 0;

	if (!cJSON_IsObject(obj))
		return ac_fail(AC_USAGE, "profile %s: must be a JSON object", p->name);
	cJSON_ArrayForEach(it, obj) {
		const struct profile_key *k = key_find(it->string);
		const cJSON *e;
		char num[32];

		if (!k)
			return ac_fail(AC_USAGE, "profile %s: unknown key \"%s\"", p->name, it->string);
		if (k->kind == K_TYPE)
			have_type = 1;
		if (k->kind == K_HOSTS) {
			if (!cJSON_IsArray(it))
				return ac_fail(AC_USAGE, "profile %s: hosts must be a list of strings", p->name);
			cJSON_ArrayForEach(e, it) {
				if (!cJSON_IsString(e))
					return ac_fail(AC_USAGE, "profile %s: hosts must be a list of strings", p->name);
				if ((err = profile_set_key(p, "hosts", e->valuestring)))
					return err;
			}
		} else if (k->kind == K_HEADERS) {
			if (!cJSON_IsObject(it))
				return ac_fail(AC_USAGE, "profile %s: headers must be an object of strings", p->name);
			cJSON_ArrayForEach(e, it) {
				if (!cJSON_IsString(e))
					return ac_fail(AC_USAGE, "profile %s: header %s must be a string", p->name, e->string);
				if ((err = add_header(p, e->string, e->valuestring)))
					return err;
			}
		} else if (k->kind == K_LONG) {
			if (!cJSON_IsNumber(it))
				return ac_fail(AC_USAGE, "profile %s: %s must be a number", p->name, k->name);
			if (it->valuedouble < 0 || it->valuedouble > 86400)
				return ac_fail(AC_USAGE, "profile %s: %s is out of range", p->name, k->name);
			snprintf(num, sizeof(num), "%ld", (long)it->valuedouble);
			if ((err = profile_set_key(p, k->name, num)))
				return err;
		} else {
			if (!cJSON_IsString(it))
				return ac_fail(AC_USAGE, "profile %s: %s must be a string", p->name, k->name);
			if ((err = profile_set_key(p, k->name, it->valuestring)))
				return err;
		}
	}
	if (!have_type)
		return ac_fail(AC_USAGE, "profile %s: type is missing", p->name);
	return profile_validate(p);
}

/* The config holds no secret: parsed without wiping every node (hit path). */
static enum ac_err config_parse_json(struct config *cfg, const char *text, size_t len);

enum ac_err config_parse(struct config *cfg, const char *text, size_t len)
{
	enum ac_err err;

	secmem_cjson_plain(1);
	err = config_parse_json(cfg, text, len);
	secmem_cjson_plain(0);
	return err;
}

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static enum ac_err config_parse_json(struct config *cfg, const char *text, size_t len)
{
	unsigned hashes[MAX_PROFILES];
	const char *why;
	cJSON *root = json_parse_strict(text, len, 0, &why);
	const cJSON *it, *profiles = NULL;
	enum ac_err err = AC_OK;
	const char *path = cfg->path ? cfg->path : "config";
	size_t h;

	for (h = 0; h < cfg->nprofiles && h < MAX_PROFILES; h++)
		hashes[h] = name_hash(cfg->profiles[h].name);

	if (!root && why)
		return ac_fail(AC_USAGE, "%s %s — fix it", path, why);
	if (!root)
		return ac_fail(AC_USAGE, "%s is not valid JSON — fix it or remove it", path);
	if (!cJSON_IsObject(root)) {
		err = ac_fail(AC_USAGE, "%s: the top level must be a JSON object", path);
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		if (!strcmp(it->string, "profiles")) {
			profiles = it;
		} else if (!strcmp(it->string, "keyring")) {
			if (!cJSON_IsString(it) || (strcmp(it->valuestring, "file") &&
			    strcmp(it->valuestring, "secret-service"))) {
				err = ac_fail(AC_USAGE, "%s: keyring must be \"secret-service\" or \"file\"", path);
				goto out;
			}
			free(cfg->keyring);
			cfg->keyring = xstrdup(it->valuestring);
		} else if (!strcmp(it->string, "kernel_cache")) {
			if (!cJSON_IsBool(it)) {
				err = ac_fail(AC_USAGE, "%s: kernel_cache must be true or false", path);
				goto out;
			}
			cfg->kernel_cache = cJSON_IsTrue(it);
		} else {
			err = ac_fail(AC_USAGE, "%s: unknown key \"%s\"", path, it->string);
			goto out;
		}
	}
	if (profiles && !cJSON_IsObject(profiles)) {
		err = ac_fail(AC_USAGE, "%s: profiles must be an object", path);
		goto out;
	}
	cJSON_ArrayForEach(it, profiles) {
		struct profile p;
		size_t i;

		profile_init(&p);
		if (!profile_name_valid(it->string)) {
			err = ac_fail(AC_USAGE, "%s: bad profile name \"%.64s\" — use letters, digits, '.', '_' and '-'",
				      path, it->string);
			goto out;
		}
		if (cfg->nprofiles >= MAX_PROFILES) {
			err = ac_fail(AC_USAGE, "%s: too many profiles", path);
			goto out;
		}
		/* duplicates: names compared only where their hashes agree */
		hashes[cfg->nprofiles] = name_hash(it->string);
		for (i = 0; i < cfg->nprofiles; i++) {
			if (hashes[i] == hashes[cfg->nprofiles] &&
			    !strcmp(cfg->profiles[i].name, it->string)) {
				err = ac_fail(AC_USAGE, "%s: profile %s appears twice", path, it->string);
				goto out;
			}
		}
		p.name = xstrdup(it->string);
		if ((err = parse_profile(&p, it))) {
			profile_release(&p);
			goto out;
		}
		config_put(cfg, &p);
	}
out:
	cJSON_Delete(root);
	return err;
}

enum ac_err config_load(struct config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	enum ac_err err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->kernel_cache = 1;
	cfg->path = config_default_path();
	if (!cfg->path)
		return AC_USAGE;
	err = read_file_limited(cfg->path, MAX_CONFIG, "config file", &text, &len);
	if (err == AC_NOTFOUND) {
		ac_clear();
		return AC_OK;
	}
	if (err)
		return AC_USAGE;
	err = config_parse(cfg, text, len);
	sec_free(text);
	return err;
}

void config_release(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		profile_release(&cfg->profiles[i]);
	free(cfg->profiles);
	free(cfg->keyring);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

struct profile *config_find(struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (!strcmp(cfg->profiles[i].name, name))
			return &cfg->profiles[i];
	return NULL;
}

void config_put(struct config *cfg, struct profile *p)
{
	struct profile *old = config_find(cfg, p->name);

	if (old) {
		profile_release(old);
		*old = *p;
	} else {
		size_t n = cfg->nprofiles;

		/*
		 * Geometric growth: one array copy per doubling, not per
		 * profile (every realloc copies and wipes the old array, and
		 * the hit path parses the whole config).
		 */
		if (n < 8 ? n == 0 : !(n & (n - 1)))
			cfg->profiles = xrealloc(cfg->profiles,
						 (n < 8 ? 8 : 2 * n) * sizeof(*cfg->profiles));
		cfg->profiles[cfg->nprofiles++] = *p;
	}
	profile_init(p);
}

int config_remove(struct config *cfg, const char *name)
{
	struct profile *p = config_find(cfg, name);
	size_t i;

	if (!p)
		return -1;
	i = (size_t)(p - cfg->profiles);
	profile_release(p);
	memmove(p, p + 1, (cfg->nprofiles - i - 1) * sizeof(*p));
	cfg->nprofiles--;
	return 0;
}

struct profile *config_find_by_host(struct config *cfg, const char *host)
{
	size_t i, j;

	for (i = 0; i < cfg->nprofiles; i++)
		for (j = 0; j < cfg->profiles[i].nhosts; j++)
			if (!strcasecmp(cfg->profiles[i].hosts[j], host))
				return &cfg->profiles[i];
	return NULL;
}

static cJSON *profile_to_json(const struct profile *p)
{
	cJSON *o = cJSON_CreateObject();
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(profile_keys); i++) {
		const struct profile_key *k = &profile_keys[i];
		const char *base = (const char *)p;

		switch (k->kind) {
		case K_STR: {
			const char *v = *(char *const *)(base + k->offset);

			if (v)
				cJSON_AddStringToObject(o, k->name, v);
			break;
		}
		case K_LONG: {
			long v = *(const long *)(base + k->offset);

			if (v > 0 || (v == 0 && !strcmp(k->name, "refresh_margin")))
				cJSON_AddNumberToObject(o, k->name, (double)v);
			break;
		}
		case K_TYPE:
			cJSON_AddStringToObject(o, k->name, profile_type_name(p->type));
			break;
		case K_AUTH:
			if (p->type == PT_CLIENT_CREDENTIALS)
				cJSON_AddStringToObject(o, k->name,
					auth_method_name(p->auth_method));
			break;
		case K_MODE:
			if (p->type == PT_ENTRA_AGENT)
				cJSON_AddStringToObject(o, k->name, entra_mode_name(p->mode));
			break;
		case K_HEADERS:
			if (p->nheaders) {
				cJSON *h = cJSON_AddObjectToObject(o, k->name);

				for (j = 0; j < p->nheaders; j++)
					cJSON_AddStringToObject(h, p->headers[j].name,
								p->headers[j].value);
			}
			break;
		case K_HOSTS:
			if (p->nhosts) {
				cJSON *a = cJSON_AddArrayToObject(o, k->name);

				for (j = 0; j < p->nhosts; j++)
					cJSON_AddItemToArray(a, cJSON_CreateString(p->hosts[j]));
			}
			break;
		}
	}
	return o;
}

static enum ac_err mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return ac_fail(AC_FAIL, "path too long: %s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return ac_fail(AC_FAIL, "cannot create %s: %s", buf, strerror(errno));
		*p = '/';
	}
	return AC_OK;
}

enum ac_err config_save(const struct config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *profiles;
	char dir[PATH_MAX];
	char *text = NULL, *slash;
	enum ac_err err = AC_OK;
	size_t i;
	int fd = -1;

	if (cfg->keyring)
		cJSON_AddStringToObject(root, "keyring", cfg->keyring);
	if (!cfg->kernel_cache)
		cJSON_AddFalseToObject(root, "kernel_cache");
	profiles = cJSON_AddObjectToObject(root, "profiles");
	for (i = 0; i < cfg->nprofiles; i++)
		cJSON_AddItemToObject(profiles, cfg->profiles[i].name,
				      profile_to_json(&cfg->profiles[i]));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return ac_fail(AC_FAIL, "cannot format the configuration");

	if ((err = mkdir_parents(cfg->path)))
		goto out;
	if ((size_t)snprintf(dir, sizeof(dir), "%s", cfg->path) >= sizeof(dir)) {
		err = ac_fail(AC_FAIL, "path too long: %s", cfg->path);
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(!slash ? "." : *dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = ac_fail(AC_FAIL, "cannot open %s: %s", slash ? dir : ".", strerror(errno));
		goto out;
	}
	err = atomic_replace(fd, slash ? dir : ".", slash ? slash + 1 : cfg->path,
			     text, strlen(text), AC_FAIL);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

/*
 * Writers of config.json (profile add/remove/import) read, change and
 * replace it: two at once would each drop the other's change.  They hold
 * an flock on config.json.lock beside it from before the read until they
 * exit; readers need none (the file is replaced atomically).
 */
#define CONFIG_LOCK_WAIT_MS 30000

enum ac_err config_lock(void)
{
	static int lockfd = -1;
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	char *path = config_default_path();
	int waited = 0;
	enum ac_err err;

	if (!path)
		return AC_USAGE;
	if (lockfd >= 0 || (err = mkdir_parents(path))) {
		free(path);
		return lockfd >= 0 ? AC_OK : err;
	}
	path = xrealloc(path, strlen(path) + 6);
	strcat(path, ".lock");
	lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (lockfd < 0) {
		err = ac_fail(AC_USAGE, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return err;
	}
	while (flock(lockfd, LOCK_EX | LOCK_NB)) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= CONFIG_LOCK_WAIT_MS) {
			err = ac_fail(AC_FAIL, errno == EWOULDBLOCK ?
				      "another agentcred has been changing %s for 30 s — try again" :
				      "cannot lock %s", path);
			close(lockfd);
			lockfd = -1;
			free(path);
			return err;
		}
		nanosleep(&nap, NULL);
		waited += 10;
	}
	free(path);
	return AC_OK;
}
