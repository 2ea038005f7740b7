/*
 * The fast cache level, in front of the Secret Service (README.md, "How it
 * works"; man page, FILES).
 *
 * Where the runtime directory ($XDG_RUNTIME_DIR, else /run/user/UID) is a
 * tmpfs or ramfs owned by the user, one 0600 file per cached token in its
 * agentcred/cache/ (0700), named "<profile>~<hex cache key>", mtime = the
 * token's expiry; otherwise one "user" key per token in the kernel user
 * keyring ("agentcred:<profile>:<hex cache key>", permissions 0x3f2f0000,
 * timeout = expiry), never more than a quarter of the user's key quota.
 * Nothing of this level reaches persistent storage.
 *
 * Disabled by AGENTCRED_KERNEL_CACHE=0 or "kernel_cache": false; when
 * neither level can be used, every call here quietly reports a miss and
 * agentcred goes on to the Secret Service.
 */
#ifndef AGENTCRED_KCACHE_H
#define AGENTCRED_KCACHE_H

#include <stddef.h>

void kcache_set_enabled(int enabled);
int kcache_enabled(void);

/* 0 and a sec_free()-able value on a hit, -1 on a miss or refusal. */
int kcache_get(const char *profile, const char *hexkey, char **value, size_t *len);
/* Best effort: failures are logged under -v only. */
void kcache_put(const char *profile, const char *hexkey, const char *value,
		size_t len, long long expires_at);
/* Both levels. */
void kcache_drop(const char *profile, const char *hexkey);
/* Every token of that profile (forget, profile remove, secret rotation). */
void kcache_drop_profile(const char *profile);

/*
 * 1 when the durable level of PROFILE is due for pruning (and the next
 * time is set INTERVAL seconds ahead), 0 when it was pruned recently.  A
 * stamp file in the runtime directory; without one, always 1.
 */
int kcache_due(const char *profile, long interval);
/* For -v after a hit: "the fast cache (runtime directory)" or "(kernel keyring)". */
const char *kcache_source(void);
/* Forget the opened runtime directory (after XDG_RUNTIME_DIR changed). */
void kcache_reset(void);

/* For doctor and status: which level serves, how full, and why. */
struct kcache_info {
	const char *level;	/* "runtime-dir", "kernel", "none", "off" */
	const char *why;
	const char *dir_why;	/* why not the runtime directory ("" or NULL) */
	long count, bytes;	/* tokens held, their bytes */
	long max_count, max_bytes;	/* the kernel budget; 0: no fixed limit */
};
void kcache_describe(struct kcache_info *info);

#endif
