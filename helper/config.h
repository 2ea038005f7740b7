/*
 * Profiles: the non-secret settings in config.json (README.md, "Design:
 * profiles").
 *
 * Rules: unknown keys are an error naming the key; every value is bounded;
 * the file is written through a temporary file and rename(2), mode 0600;
 * a profile name is [A-Za-z0-9._-]{1,64} so it can be used in keyring
 * attributes, kernel key descriptions and file names without escaping.
 */
#ifndef AGENTCRED_CONFIG_H
#define AGENTCRED_CONFIG_H

#include <stddef.h>

#include "lib/err.h"

enum profile_type {
	PT_CLIENT_CREDENTIALS,
	PT_ENTRA_AGENT,
	PT_FOUNDATIONALLM,
	PT__COUNT
};

/* AUTH_X509: mutual TLS with a client certificate, no client secret */
enum auth_method { AUTH_POST, AUTH_BASIC, AUTH_X509 };
enum entra_mode { MODE_AUTONOMOUS_APP, MODE_OBO, MODE_AGENT_USER };

struct header {
	char *name;
	char *value;
};

struct profile {
	char *name;
	enum profile_type type;

	/* client-credentials */
	char *token_url;
	char *client_id;
	enum auth_method auth_method;
	char *scope;
	char *audience;
	char *resource;

	/* entra-agent */
	char *tenant;
	char *authority;	/* NULL: https://login.microsoftonline.com */
	char *blueprint_app_id;
	char *agent_app_id;
	enum entra_mode mode;
	char *user;
	char *client_assertion_file;
	/* --certificate: its key is the profile's secret (README "Blueprint credentials") */
	char *certificate_thumbprint;		/* SHA-1 of the DER, hex */
	char *certificate_thumbprint_sha256;	/* SHA-256 of the DER, hex */
	char *managed_identity;			/* "system" or a client id */

	/* foundationallm */
	char *expires;		/* YYYY-MM-DD */
	char *description;

	/* common */
	/* a client certificate's notAfter (SAP X.509 key, Entra --certificate),
	   YYYY-MM-DDTHH:MM:SSZ: known without the keyring */
	char *certificate_expires;
	char *api_url;
	struct header *headers;
	size_t nheaders;
	char **hosts;
	size_t nhosts;
	char *ca_file;
	long timeout;		/* seconds; 0 = default (30) */
	long refresh_margin;	/* seconds; -1 = default rule */
	char *secret_env;

	/*
	 * Bit i: key i of the config key table was given, through
	 * profile_set_key() (config.c only).  profile_validate() refuses a
	 * key that does not apply to the type from these bits alone: a value
	 * cannot tell "given at its default" from "not given".  Type-specific
	 * fields are therefore set only through profile_set_key().
	 */
	unsigned long keys_set;
};

struct config {
	char *path;
	char *keyring;		/* NULL, "secret-service" or "file" */
	int kernel_cache;	/* 1 unless "kernel_cache": false */
	struct profile *profiles;
	size_t nprofiles;
};

/*
 * The config path: --config, else $AGENTCRED_CONFIG, else XDG default
 * (under the passwd home when HOME is unset; NULL with the error recorded
 * when there is no home at all — never the working directory).
 */
void config_set_path_override(const char *path);
char *config_default_path(void);

/*
 * For a command that changes config.json: an exclusive lock, held until the
 * process exits, taken before config_load() so that two writers never drop
 * each other's changes.  Bounded wait.
 */
enum ac_err config_lock(void);

/* Load; a missing file is an empty config.  Errors are AC_USAGE. */
enum ac_err config_load(struct config *cfg);
enum ac_err config_parse(struct config *cfg, const char *text, size_t len);
enum ac_err config_save(const struct config *cfg);
void config_release(struct config *cfg);

struct profile *config_find(struct config *cfg, const char *name);
/* Adds or replaces (by name); takes ownership of *p's members. */
void config_put(struct config *cfg, struct profile *p);
int config_remove(struct config *cfg, const char *name);

/* Find a profile whose "hosts" lists host (host or host:port). */
struct profile *config_find_by_host(struct config *cfg, const char *host);

int profile_name_valid(const char *name);
const char *profile_type_name(enum profile_type t);
int profile_type_parse(const char *s, enum profile_type *t);
const char *entra_mode_name(enum entra_mode m);
/* "post", "basic" or "x509" */
const char *auth_method_name(enum auth_method m);
void profile_init(struct profile *p);
void profile_release(struct profile *p);
/* Checks required keys and URL schemes for p's type. */
enum ac_err profile_validate(const struct profile *p);

/*
 * Set one key from "profile add" (--token-url X → key "token_url").
 * List keys append (--host, --header K=V).  AC_USAGE names a bad key.
 */
enum ac_err profile_set_key(struct profile *p, const char *key, const char *value);
/* Whether key applies to profiles of p's type (profile_keys[] says). */
int profile_has_key(const struct profile *p, const char *key);
/* Iterate the keys known to the config format (for --help and man tests). */
const char *profile_key_name(size_t i);	/* NULL past the end */

/* The effective request timeout in seconds. */
long profile_timeout(const struct profile *p);
/* Username for git/docker answers: client id, else "agentcred". */
const char *profile_username(const struct profile *p);

#endif
