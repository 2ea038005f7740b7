/*
 * Which keyring store, and agentcred's own items in it (README.md,
 * "Design: keyring layout").
 *
 * Rules kept here:
 *  - the Secret Service module is loaded only by keyring_get(), i.e. only
 *    when a caller really needs the keyring (the cache-hit path never does);
 *  - agentcred's items use schema org.agentcred.Secret with the attributes
 *    kind, profile and (tokens) key; attributes and labels never hold a
 *    secret, only names, scopes and hashes;
 *  - every value read from a store is copied into sec_free()-able memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/lib/module.h"
#include "../helper/lib/sbuf.h"
#include "../helper/lib/secmem.h"
#include "keyring.h"

#define SECRET_MODULE "agentcred-secret.so"
#define SECRET_SYMBOL "agentcred_secret_ops"

static char *selected;
static const struct keyring_ops *current;

void keyring_select(const char *name)
{
	free(selected);
	selected = name && *name ? xstrdup(name) : NULL;
	current = NULL;
}

enum ac_err keyring_get(const struct keyring_ops **ops)
{
	const void *mod = NULL;
	enum ac_err err;

	if (current) {
		*ops = current;
		return AC_OK;
	}
	if (selected && !strcmp(selected, "file")) {
		current = &file_store_ops;
	} else if (!selected || !strcmp(selected, "secret-service")) {
		err = module_load(SECRET_MODULE, SECRET_SYMBOL, &mod);
		if (err)
			return err;
		current = mod;
	} else {
		return ac_fail(AC_USAGE, "unknown keyring \"%.64s\" — use --keyring secret-service or --keyring file",
			       selected);
	}
	*ops = current;
	return AC_OK;
}

void kr_item_release(struct kr_item *item)
{
	size_t j;

	for (j = 0; j < item->nattrs; j++) {
		free(item->names[j]);
		free(item->values[j]);
	}
	free(item->names);
	free(item->values);
	free(item->schema);
	free(item->label);
	sec_free(item->secret);
}

const char *kr_item_attr(const struct kr_item *item, const char *name)
{
	size_t i;

	for (i = 0; i < item->nattrs; i++)
		if (!strcmp(item->names[i], name))
			return item->values[i];
	return NULL;
}

/* First item of our schema matching attrs; AC_NOTFOUND on a miss. */
static enum ac_err get_one(const struct kr_attr *attrs, size_t nattrs,
			   char **value, size_t *len)
{
	const struct keyring_ops *ops;
	struct kr_item *items = NULL;
	size_t n = 0;
	enum ac_err err;

	if ((err = keyring_get(&ops)))
		return err;
	err = ops->search(KR_SCHEMA_AGENTCRED, attrs, nattrs,
			  KR_FIRST_ONLY | KR_SECRET_ONLY, &items, &n);
	if (err)
		return err;
	if (!n || !items[0].secret) {
		ops->free_items(items, n);
		return AC_NOTFOUND;
	}
	/* taken, not copied: one fewer copy of the secret to wipe */
	*value = items[0].secret;
	if (len)
		*len = items[0].secret_len;
	items[0].secret = NULL;
	ops->free_items(items, n);
	return AC_OK;
}

static enum ac_err clear(const struct kr_attr *attrs, size_t nattrs)
{
	const struct keyring_ops *ops;
	enum ac_err err;

	if ((err = keyring_get(&ops)))
		return err;
	return ops->clear(KR_SCHEMA_AGENTCRED, attrs, nattrs);
}

static enum ac_err put(const char *label, const struct kr_attr *attrs,
		       size_t nattrs, const char *value, size_t len)
{
	const struct keyring_ops *ops;
	enum ac_err err;

	if ((err = keyring_get(&ops)))
		return err;
	return ops->store(KR_SCHEMA_AGENTCRED, label, attrs, nattrs, value, len);
}

enum ac_err kr_client_secret_get(const char *profile, char **secret)
{
	struct kr_attr attrs[] = {
		{ "kind", "client-secret" }, { "profile", profile }
	};
	enum ac_err err = get_one(attrs, 2, secret, NULL);

	if (err == AC_NOTFOUND)
		return ac_fail(AC_NOTFOUND, "no secret stored for profile %s — store it with: agentcred profile add %s ... --secret-stdin",
			       profile, profile);
	return err;
}

enum ac_err kr_client_secret_put(const char *profile, const char *secret)
{
	struct kr_attr attrs[] = {
		{ "kind", "client-secret" }, { "profile", profile }
	};
	struct sbuf label = SBUF_INIT;
	enum ac_err err;

	sbuf_addf(&label, "agentcred: client secret for %s", profile);
	err = put(label.buf, attrs, 2, secret, strlen(secret));
	sbuf_release(&label);
	return err;
}

enum ac_err kr_token_get(const char *profile, const char *hexkey,
			 char **value, size_t *len)
{
	struct kr_attr attrs[] = {
		{ "kind", "token" }, { "profile", profile }, { "key", hexkey }
	};
	enum ac_err err = get_one(attrs, 3, value, len);

	if (err == AC_NOTFOUND)
		return ac_fail(AC_NOTFOUND, "no cached token for profile %s", profile);
	return err;
}

enum ac_err kr_token_put(const char *profile, const char *hexkey,
			 const char *label_detail, const char *value, size_t len)
{
	struct kr_attr attrs[] = {
		{ "kind", "token" }, { "profile", profile }, { "key", hexkey }
	};
	struct sbuf label = SBUF_INIT;
	enum ac_err err;

	if (label_detail && *label_detail)
		sbuf_addf(&label, "agentcred: token for %s (%s)", profile, label_detail);
	else
		sbuf_addf(&label, "agentcred: token for %s", profile);
	err = put(label.buf, attrs, 3, value, len);
	sbuf_release(&label);
	return err;
}

enum ac_err kr_token_drop(const char *profile, const char *hexkey)
{
	struct kr_attr attrs[] = {
		{ "kind", "token" }, { "profile", profile }, { "key", hexkey }
	};

	if (!hexkey)
		return kr_tokens_drop_profile(profile);
	return clear(attrs, 3);
}

enum ac_err kr_tokens_drop_profile(const char *profile)
{
	struct kr_attr attrs[] = { { "kind", "token" }, { "profile", profile } };

	return clear(attrs, 2);
}

enum ac_err kr_profile_drop_all(const char *profile)
{
	struct kr_attr attrs[] = { { "profile", profile } };

	return clear(attrs, 1);
}
