/*
 * helper/kcache.c against the real kernel keyring.  Profile names are
 * unique per run (the user keyring is shared by every process of the
 * uid); everything created here is dropped again.  When the kernel
 * refuses keyctl (seccomp in some containers) the test says so and only
 * checks that every call is a quiet miss.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../helper/kcache.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"
#include "check.h"

static char prof[64], prof2[80];

static const char *key(int i)
{
	static char k[4][65];

	memset(k[i], 'a' + i, 64);
	k[i][64] = '\0';
	return k[i];
}

/* The /proc/keys line of our key: timeout and permission columns. */
static int proc_key(const char *profile, const char *hexkey, char *timeout,
		    char *perm)
{
	char desc[200], line[512];
	FILE *f = fopen("/proc/keys", "r");
	int found = 0;

	if (!f)
		return -1;
	snprintf(desc, sizeof(desc), "agentcred:%s:%s:", profile, hexkey);
	while (fgets(line, sizeof(line), f)) {
		char serial[32], flags[32], usage[32], type[32];

		if (!strstr(line, desc))
			continue;
		if (sscanf(line, "%31s %31s %31s %31s %31s %*s %*s %31s",
			   serial, flags, usage, timeout, perm, type) == 6)
			found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

static int has(const char *profile, const char *hexkey, const char *want)
{
	char *v = NULL;
	size_t len = 0;
	int ok;

	if (kcache_get(profile, hexkey, &v, &len))
		return 0;
	ok = want ? len == strlen(want) && !strcmp(v, want) : 1;
	sec_free(v);
	return ok ? 1 : -1;
}

int main(void)
{
	long long now = now_seconds();
	char timeout[32], perm[32];
	long probe;

	snprintf(prof, sizeof(prof), "kc-%ld-%lld", (long)getpid(), now);
	snprintf(prof2, sizeof(prof2), "%s2", prof);	/* shares a prefix */
	unsetenv("AGENTCRED_KERNEL_CACHE");
	kcache_set_enabled(1);

	probe = syscall(SYS_add_key, "user", "agentcred-test-probe", "x", 1, -4);
	if (probe < 0) {
		printf("test_kcache: kernel keyring refused (%s); checking misses only\n",
		       strerror(errno));
		kcache_put(prof, key(0), "v", 1, now + 100);
		CHECK_INT(has(prof, key(0), NULL), 0);
		kcache_drop(prof, key(0));
		kcache_drop_profile(prof);
		return check_done("test_kcache");
	}
	syscall(SYS_keyctl, 21, probe, 0, 0, 0);	/* KEYCTL_INVALIDATE */

	/* put / get / replace */
	CHECK_INT(has(prof, key(0), NULL), 0);
	kcache_put(prof, key(0), "{\"v\":1}", 7, now + 30);
	CHECK_INT(has(prof, key(0), "{\"v\":1}"), 1);
	kcache_put(prof, key(0), "{\"v\":2}", 7, now + 30);
	CHECK_INT(has(prof, key(0), "{\"v\":2}"), 1);

	/* the timeout is the token expiry, the permissions are private */
	CHECK_INT(proc_key(prof, key(0), timeout, perm), 0);
	CHECK_STR(perm, "3f2f0000");
	CHECK(atoi(timeout) >= 25 && atoi(timeout) <= 30 &&
	      timeout[strlen(timeout) - 1] == 's');

	/* an expired token is not stored */
	kcache_put(prof, key(1), "x", 1, now - 1);
	CHECK_INT(has(prof, key(1), NULL), 0);
	kcache_put(prof, key(1), "x", 1, now);
	CHECK_INT(has(prof, key(1), NULL), 0);
	/* a far expiry is capped, not wrapped */
	kcache_put(prof, key(1), "far", 3, AC_TIME_MAX);
	CHECK_INT(has(prof, key(1), "far"), 1);

	/*
	 * Values around the first read's 4096 bytes: a longer one takes the
	 * second, exactly sized read and comes back whole.  8000 bytes stay
	 * inside a non-root user's default key quota (20000).
	 */
	{
		static const size_t sizes[] = { 4095, 4096, 4097, 8000 };
		char *big = xmalloc(8001);
		size_t i;

		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			memset(big, 'a' + (int)i, sizes[i]);
			big[sizes[i]] = '\0';
			kcache_put(prof, key(2), big, sizes[i], now + 100);
			CHECK_INT(has(prof, key(2), big), 1);
		}
		kcache_drop(prof, key(2));
		sec_free(big);
	}

	/* disabled: misses, and puts do nothing */
	kcache_set_enabled(0);
	CHECK(!kcache_enabled());
	CHECK_INT(has(prof, key(0), NULL), 0);
	kcache_put(prof, key(2), "y", 1, now + 100);
	kcache_set_enabled(1);
	CHECK_INT(has(prof, key(2), NULL), 0);
	setenv("AGENTCRED_KERNEL_CACHE", "0", 1);
	CHECK(!kcache_enabled());
	CHECK_INT(has(prof, key(0), NULL), 0);
	unsetenv("AGENTCRED_KERNEL_CACHE");
	CHECK_INT(has(prof, key(0), "{\"v\":2}"), 1);

	/* drop one */
	kcache_drop(prof, key(0));
	CHECK_INT(has(prof, key(0), NULL), 0);
	CHECK_INT(has(prof, key(1), "far"), 1);
	kcache_drop(prof, key(0));	/* already gone: fine */

	/* drop a profile: only that profile, not one sharing its prefix */
	kcache_put(prof, key(0), "a", 1, now + 100);
	kcache_put(prof, key(2), "b", 1, now + 100);
	kcache_put(prof2, key(0), "c", 1, now + 100);
	kcache_drop_profile(prof);
	CHECK_INT(has(prof, key(0), NULL), 0);
	CHECK_INT(has(prof, key(1), NULL), 0);
	CHECK_INT(has(prof, key(2), NULL), 0);
	CHECK_INT(has(prof2, key(0), "c"), 1);
	kcache_drop_profile(prof2);
	CHECK_INT(has(prof2, key(0), NULL), 0);
	kcache_drop_profile("no-such-profile-at-all");

	/*
	 * Keys whose description is too long for the describe buffer are
	 * someone else's: they must survive, even when they come right
	 * after one of ours in the keyring (stale buffer contents).
	 */
	{
		long other[8];
		char desc[700];
		int i, alive = 0;

		for (i = 0; i < 8; i++) {
			memset(desc, 'z', sizeof(desc));
			snprintf(desc, 100, "other-%s-%d-", prof, i);
			desc[strlen(desc)] = 'z';
			desc[sizeof(desc) - 1] = '\0';
			other[i] = syscall(SYS_add_key, "user", desc, "o", 1, -4);
			kcache_put(prof, key(i & 3), "a", 1, now + 100);
		}
		kcache_drop_profile(prof);
		for (i = 0; i < 4; i++)
			CHECK_INT(has(prof, key(i), NULL), 0);
		for (i = 0; i < 8; i++) {
			char buf[4];

			if (other[i] < 0)
				continue;
			if (syscall(SYS_keyctl, 11, other[i], buf, sizeof(buf), 0) == 1)
				alive++;
			syscall(SYS_keyctl, 21, other[i], 0, 0, 0);
		}
		CHECK_INT(alive, 8);
	}
	return check_done("test_kcache");
}
