/*
 * The first cache level: the Linux kernel key retention service.
 *
 * One "user" key per cache key in the per-user keyring, description
 * "agentcred:<profile>:<hex cache key>", permissions 0x3f2f0000:
 * possessor all, user view/read/write/search/setattr (no link), nothing
 * for group or other; timeout = token expiry, so it vanishes by itself
 * and never touches disk.
 * Lookups use KEYCTL_SEARCH rooted at KEY_SPEC_USER_KEYRING.
 *
 * Disabled by AGENTCRED_KERNEL_CACHE=0 or "kernel_cache": false; when the
 * kernel refuses the system calls (seccomp), every call here quietly
 * reports a miss and agentcred goes on to the Secret Service.
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
void kcache_drop(const char *profile, const char *hexkey);
/* Every key of that profile (forget, profile remove, secret rotation). */
void kcache_drop_profile(const char *profile);

#endif
