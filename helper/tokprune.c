/*
 * Durable-level pruning (see tokprune.h).
 *
 * Rules: only agentcred token items of the one profile are looked at; an
 * item goes when its token's expires_at has passed, or when it is not a
 * token at all (unreadable: it could never be served); nothing here fails
 * the command that stored a token.
 */
#include <string.h>

#include "../keyring/keyring.h"
#include "kcache.h"
#include "lock.h"
#include "lib/log.h"
#include "token.h"
#include "tokprune.h"

#define PRUNE_INTERVAL	300

/* An item's "key" attribute (the store's own lookup, kr_item_attr, would
 * tie this file to keyring.c). */
static const char *key_of(const struct kr_item *it)
{
	size_t i;

	for (i = 0; i < it->nattrs; i++)
		if (it->names[i] && !strcmp(it->names[i], "key"))
			return it->values[i];
	return NULL;
}

int token_prune_durable(const char *profile, long long now)
{
	struct kr_attr attrs[] = { { "kind", "token" }, { "profile", profile } };
	const struct keyring_ops *ops;
	struct kr_item *items = NULL;
	size_t n = 0, i;
	int removed = 0;

	/*
	 * At most every few minutes per profile: tokens live for an hour or
	 * so, and a search that reads every item's secret costs a store a
	 * few D-Bus round trips.
	 */
	if (!kcache_due(profile, PRUNE_INTERVAL))
		return 0;
	if (keyring_get(&ops) ||
	    ops->search(KR_SCHEMA_AGENTCRED, attrs, 2, 0, &items, &n)) {
		log_verbose("%s: cannot prune expired tokens: %s", profile, ac_message());
		ac_clear();
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct token t;
		const char *key = key_of(&items[i]);
		int expired;

		if (!items[i].secret)
			continue;
		if (token_from_json(items[i].secret, items[i].secret_len, &t)) {
			ac_clear();
			expired = 1;
		} else {
			expired = t.expires_at <= now;
			token_release(&t);
		}
		if (!expired)
			continue;
		if (ops->remove(&items[i])) {
			ac_clear();
			continue;
		}
		removed++;
		if (key && strlen(key) == 64)
			lock_prune(key);
	}
	ops->free_items(items, n);
	if (removed)
		log_verbose("%s: %d expired token%s pruned from the %s", profile, removed,
			    removed == 1 ? "" : "s", ops->name);
	return removed;
}
