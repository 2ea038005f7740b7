/*
 * Kernel keyring cache (see kcache.h).  Raw system calls, no libkeyutils:
 * the hit path should cost a handful of syscalls and nothing else.
 *
 * Rules: keys live in the user keyring only; permissions are possessor all,
 * user view/read/write/search/setattr, nothing for group or other; the
 * kernel timeout is set to the token's expiry so nothing outlives it; any
 * error here is a miss, never a failure of the command.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kcache.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/util.h"

typedef int32_t key_serial_t;

#define KEY_SPEC_USER_KEYRING	-4
#define KEYCTL_DESCRIBE		6
#define KEYCTL_UNLINK		9
#define KEYCTL_SEARCH		10
#define KEYCTL_READ		11
#define KEYCTL_SETPERM		5
#define KEYCTL_SET_TIMEOUT	15
#define KEYCTL_INVALIDATE	21
/* possessor: all; user: view, read, write, search, setattr; group, other: none */
#define KEY_PERMS		0x3f2f0000u
#define MAX_VALUE		(64 * 1024)
#define FIRST_READ		4096

static int enabled = 1;

void kcache_set_enabled(int on)
{
	enabled = on;
}

int kcache_enabled(void)
{
	const char *env = getenv("AGENTCRED_KERNEL_CACHE");

	if (env && !strcmp(env, "0"))
		return 0;
	return enabled;
}

static void describe(const char *profile, const char *hexkey, char *out, size_t len)
{
	snprintf(out, len, "agentcred:%s:%s", profile, hexkey);
}

#ifdef AGENTCRED_TEST_BUILD
/*
 * Test builds only: AGENTCRED_TEST_KEYCTL=EPERM|ENOSYS makes every key
 * system call fail as a seccomp filter or an old kernel would, so the
 * "kernel refuses" path can be tested without a container.
 */
static int refused(void)
{
	const char *e = getenv("AGENTCRED_TEST_KEYCTL");

	if (e && !strcmp(e, "EPERM"))
		errno = EPERM;
	else if (e && !strcmp(e, "ENOSYS"))
		errno = ENOSYS;
	else
		return 0;
	return 1;
}
#else
static int refused(void)
{
	return 0;
}
#endif

static long keyctl(int cmd, unsigned long a, unsigned long b, unsigned long c,
		   unsigned long d)
{
	if (refused())
		return -1;
	return syscall(SYS_keyctl, cmd, a, b, c, d);
}

static long add_key(const char *desc, const char *value, size_t len)
{
	if (refused())
		return -1;
	return syscall(SYS_add_key, "user", desc, value, len, KEY_SPEC_USER_KEYRING);
}

static key_serial_t search(const char *desc)
{
	long id = keyctl(KEYCTL_SEARCH, (unsigned long)KEY_SPEC_USER_KEYRING,
			 (unsigned long)"user", (unsigned long)desc, 0);

	return id < 0 ? -1 : (key_serial_t)id;
}

int kcache_get(const char *profile, const char *hexkey, char **value, size_t *len)
{
	char desc[160];
	key_serial_t id;
	char *buf;
	long n;

	if (!kcache_enabled())
		return -1;
	describe(profile, hexkey, desc, sizeof(desc));
	id = search(desc);
	if (id < 0)
		return -1;
	/*
	 * A token fits in FIRST_READ nearly always; reading into a 64 KiB
	 * buffer would fault in and wipe 16 pages on every hit (a fifth of
	 * the hit's instructions).  KEYCTL_READ returns the full size even
	 * when the buffer is short, so a bigger value costs one more call.
	 */
	buf = xmalloc(FIRST_READ + 1);
	n = keyctl(KEYCTL_READ, (unsigned long)id, (unsigned long)buf, FIRST_READ, 0);
	if (n > FIRST_READ && n <= MAX_VALUE) {
		long size = n;

		sec_free(buf);
		buf = xmalloc((size_t)size + 1);
		n = keyctl(KEYCTL_READ, (unsigned long)id, (unsigned long)buf,
			   (unsigned long)size, 0);
		if (n > size)
			n = -1;	/* replaced by a bigger value meanwhile: a miss */
	}
	if (n < 0 || n > MAX_VALUE) {
		sec_free(buf);
		return -1;
	}
	buf[n] = '\0';
	*value = buf;
	*len = (size_t)n;
	return 0;
}

void kcache_put(const char *profile, const char *hexkey, const char *value,
		size_t len, long long expires_at)
{
	char desc[160];
	long long ttl = expires_at - now_seconds();
	long id;

	if (!kcache_enabled() || ttl <= 0)
		return;
	kcache_drop(profile, hexkey);
	describe(profile, hexkey, desc, sizeof(desc));
	id = add_key(desc, value, len);
	if (id < 0) {
		log_verbose("kernel keyring refused the token (%s); using the Secret Service only",
			    strerror(errno));
		return;
	}
	if (keyctl(KEYCTL_SET_TIMEOUT, (unsigned long)id,
		   (unsigned long)(ttl > UINT32_MAX ? UINT32_MAX : ttl), 0, 0) < 0 ||
	    keyctl(KEYCTL_SETPERM, (unsigned long)id, KEY_PERMS, 0, 0) < 0) {
		/* never keep a key we could not restrict or time out */
		keyctl(KEYCTL_INVALIDATE, (unsigned long)id, 0, 0, 0);
		log_verbose("kernel keyring: cannot restrict the key (%s)", strerror(errno));
	}
}

static void drop_id(key_serial_t id)
{
	if (keyctl(KEYCTL_INVALIDATE, (unsigned long)id, 0, 0, 0) < 0)
		keyctl(KEYCTL_UNLINK, (unsigned long)id,
		       (unsigned long)KEY_SPEC_USER_KEYRING, 0, 0);
}

void kcache_drop(const char *profile, const char *hexkey)
{
	char desc[160];
	key_serial_t id;
	int tries;

	/*
	 * Normally one key; a few more after racing puts.  Bounded: a key
	 * we can find but not remove (permissions changed behind our back,
	 * a refusing LSM) must not spin here forever.
	 */
	describe(profile, hexkey, desc, sizeof(desc));
	for (tries = 0; tries < 16 && (id = search(desc)) >= 0; tries++)
		drop_id(id);
}

void kcache_drop_profile(const char *profile)
{
	key_serial_t ids[4096];
	char prefix[100], info[512];
	long n, i;

	/* The user keyring's payload is the list of its key serials. */
	n = keyctl(KEYCTL_READ, (unsigned long)KEY_SPEC_USER_KEYRING,
		   (unsigned long)ids, sizeof(ids), 0);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(ids))
		n = sizeof(ids);
	snprintf(prefix, sizeof(prefix), "agentcred:%s:", profile);
	for (i = 0; i < n / (long)sizeof(ids[0]); i++) {
		long m = keyctl(KEYCTL_DESCRIBE, (unsigned long)ids[i],
				(unsigned long)info, sizeof(info) - 1, 0);
		const char *desc;

		/*
		 * m is the size the description needs; when it does not fit,
		 * the kernel copies nothing and info still holds the previous
		 * key's text.  Ours always fit, so a longer one is not ours.
		 */
		if (m <= 0 || m >= (long)sizeof(info))
			continue;
		info[m] = '\0';
		/* "type;uid;gid;perm;description" */
		desc = strrchr(info, ';');
		if (strncmp(info, "user;", 5) || !desc)
			continue;
		if (!strncmp(desc + 1, prefix, strlen(prefix)))
			drop_id(ids[i]);
	}
}
