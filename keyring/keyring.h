/*
 * One small keyring interface with two stores behind it:
 *   - the Secret Service through libsecret (keyring/secret_service.c, the
 *     only user of libsecret, built as the agentcred-secret.so module);
 *   - the opt-in plaintext file store (keyring/file_store.c) for headless
 *     machines: $XDG_DATA_HOME/agentcred/secrets.json, directory 0700,
 *     file 0600, replaced atomically, refused when unsafe.
 *
 * Items are (schema, attributes, label, secret) as in the Secret Service.
 * Attributes are never secret.  A store replaces the item with exactly the
 * same schema and attribute set.  A search matches items whose attributes
 * include every given pair (absent pairs are wildcards).
 */
#ifndef AGENTCRED_KEYRING_H
#define AGENTCRED_KEYRING_H

#include <stddef.h>

#include "../helper/lib/err.h"

#define KR_SCHEMA_AGENTCRED	"org.agentcred.Secret"
#define KR_SCHEMA_GIT		"org.git.Password"
#define KR_SCHEMA_GIT_COMPAT	"org.gnome.keyring.NetworkPassword"
#define KR_SCHEMA_DOCKER	"io.docker.Credentials"

struct kr_attr {
	const char *name;
	const char *value;
};

struct kr_item {
	char *schema;		/* may be NULL when the store does not know */
	char *label;
	size_t nattrs;
	char **names;
	char **values;
	/*
	 * NUL-terminated, from xmalloc(): a caller may take it (and set the
	 * field to NULL); else free_items wipes it.
	 */
	char *secret;
	size_t secret_len;
	void *handle;		/* store-private (e.g. a SecretItem) */
};

enum kr_search_flags {
	KR_ANY_SCHEMA = 1,	/* do not match the schema name (git compat) */
	KR_FIRST_ONLY = 2,	/* one item is enough */
	/*
	 * The caller reads only ->secret: a store may leave schema, label,
	 * attributes and handle empty (the Secret Service then needs no
	 * item objects, i.e. fewer D-Bus round trips).
	 */
	KR_SECRET_ONLY = 4
};

/* Module ABI: symbol "agentcred_secret_ops" in agentcred-secret.so. */
struct keyring_ops {
	int abi;
	const char *name;	/* "secret-service" or "file" */
	/*
	 * AC_OK with *count == 0 on a miss.  AC_KEYRING when the store is
	 * unreachable or locked, with a message that says what to do.
	 */
	enum ac_err (*search)(const char *schema, const struct kr_attr *attrs,
			      size_t nattrs, unsigned flags,
			      struct kr_item **items, size_t *count);
	enum ac_err (*store)(const char *schema, const char *label,
			     const struct kr_attr *attrs, size_t nattrs,
			     const char *secret, size_t secret_len);
	/* Delete one item returned by search. */
	enum ac_err (*remove)(const struct kr_item *item);
	/* Delete every item matching; AC_OK when none matched. */
	enum ac_err (*clear)(const char *schema, const struct kr_attr *attrs,
			     size_t nattrs);
	void (*free_items)(struct kr_item *items, size_t count);
	/*
	 * Secret Service only (else NULL): the provider that owns
	 * org.freedesktop.secrets ("gnome-keyring", "KeePassXC", "KWallet", or
	 * its process name), NULL when unknown.
	 */
	const char *(*provider)(void);
};

/*
 * Which store: --keyring, else $AGENTCRED_KEYRING, else config "keyring",
 * else the Secret Service.  keyring_select() only records the choice;
 * keyring_get() loads the module on first use.
 */
void keyring_select(const char *name);
enum ac_err keyring_get(const struct keyring_ops **ops);

/* File store ops (always linked in: it needs no extra library). */
extern const struct keyring_ops file_store_ops;
/* Override $XDG_DATA_HOME/agentcred/secrets.json (tests, fuzzers). */
void file_store_set_path(const char *path);

/*
 * Free what a store put in one item (names, values, schema, label; the
 * secret wiped); the store releases its own handle.
 */
void kr_item_release(struct kr_item *item);

/* Attribute value of an item, NULL when absent. */
const char *kr_item_attr(const struct kr_item *item, const char *name);

/* agentcred's own items (schema org.agentcred.Secret). */
enum ac_err kr_client_secret_get(const char *profile, char **secret);
enum ac_err kr_client_secret_put(const char *profile, const char *secret);
enum ac_err kr_token_get(const char *profile, const char *hexkey,
			 char **value, size_t *len);
enum ac_err kr_token_put(const char *profile, const char *hexkey,
			 const char *label_detail, const char *value, size_t len);
enum ac_err kr_token_drop(const char *profile, const char *hexkey);
/* hexkey NULL: every token of the profile. */
enum ac_err kr_tokens_drop_profile(const char *profile);
enum ac_err kr_profile_drop_all(const char *profile);

#endif
