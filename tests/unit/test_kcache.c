/*
 * helper/kcache.c against the real kernel keyring (no runtime directory)
 * and against runtime-directory files on /dev/shm.  Profile names are
 * unique per run (the user keyring is shared by every process of the
 * uid); everything created here is dropped again.  When the kernel
 * refuses keyctl (seccomp in some containers) the test says so and only
 * checks that every call is a quiet miss.  Passes as root and as a
 * normal user (whose kernel budget is a quarter of 20000 bytes).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
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

/*
 * The kernel budget: a quarter of the user's key quota, shared by every
 * agentcred key of the uid (other runs' included).  1 when a value of
 * SIZE bytes for key(2) fits.
 */
static int fits(size_t size)
{
	struct kcache_info ki;
	long need = (long)strlen("agentcred:") + (long)strlen(prof) + 1 + 64 + 1 + (long)size;

	char line[256], want[32];
	long uk = 0, ub = 0;
	FILE *f;

	kcache_describe(&ki);
	if (strcmp(ki.level, "kernel"))
		return 0;
	/* and never the last quarter of the uid's whole quota */
	snprintf(want, sizeof(want), "%lu:", (unsigned long)geteuid());
	f = fopen("/proc/key-users", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		if (!strncmp(p, want, strlen(want)))
			sscanf(p + strlen(want), " %*d %*d/%*d %ld/%*d %ld/%*d", &uk, &ub);
	}
	if (f)
		fclose(f);
	return ki.count + 1 <= ki.max_count && ki.bytes + need <= ki.max_bytes &&
	       uk + 1 <= 3 * ki.max_count && ub + need <= 3 * ki.max_bytes;
}

/* mode of NAME under DIR, -1 when missing */
static int mode_of(const char *dir, const char *name, long long *mtime)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st))
		return -1;
	if (mtime)
		*mtime = (long long)st.st_mtime;
	return (int)(st.st_mode & 07777);
}

/* The runtime-directory level on /dev/shm (a tmpfs). */
static void files(void)
{
	char rt[] = "/dev/shm/agentcred-test-kcache.XXXXXX", path[4096], name[200];
	long long now = now_seconds(), mtime = 0;
	struct kcache_info ki;
	int i, fd;

	if (!mkdtemp(rt)) {
		CHECK(!"mkdtemp on /dev/shm");
		return;
	}
	setenv("XDG_RUNTIME_DIR", rt, 1);
	kcache_reset();
	CHECK_INT(has(prof, key(0), NULL), 0);
	kcache_put(prof, key(0), "{\"v\":1}", 7, now + 30);
	CHECK_INT(has(prof, key(0), "{\"v\":1}"), 1);
	kcache_put(prof, key(0), "{\"v\":2}", 7, now + 30);
	CHECK_INT(has(prof, key(0), "{\"v\":2}"), 1);
	CHECK_INT(mode_of(rt, "agentcred", NULL), 0700);
	CHECK_INT(mode_of(rt, "agentcred/cache", NULL), 0700);
	snprintf(name, sizeof(name), "agentcred/cache/%s~%s", prof, key(0));
	CHECK_INT(mode_of(rt, name, &mtime), 0600);
	CHECK(mtime == now + 30);	/* the expiry, for pruning */
	kcache_describe(&ki);
	CHECK_STR(ki.level, "runtime-dir");
	CHECK_INT(ki.count, 1);
	/* nothing in the kernel keyring meanwhile */
	{
		char desc[200];

		snprintf(desc, sizeof(desc), "agentcred:%s:%s", prof, key(0));
		CHECK(syscall(SYS_keyctl, 10, -4, "user", desc, 0) < 0);
	}
	/* an expired file is a miss and goes */
	snprintf(path, sizeof(path), "%s/agentcred/cache/%s~%s", rt, prof, key(1));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && write(fd, "old", 3) == 3);
	if (fd >= 0) {
		struct timespec ts[2] = { { (time_t)now - 5, 0 }, { (time_t)now - 5, 0 } };

		CHECK(!futimens(fd, ts));
		close(fd);
	}
	CHECK_INT(has(prof, key(1), NULL), 0);
	snprintf(name, sizeof(name), "agentcred/cache/%s~%s", prof, key(1));
	CHECK_INT(mode_of(rt, name, NULL), -1);
	/* a file readable by others, or a symlink, is not served */
	kcache_put(prof, key(1), "x", 1, now + 30);
	CHECK_INT(has(prof, key(1), "x"), 1);
	CHECK(!chmod(path, 0644));
	CHECK_INT(has(prof, key(1), NULL), 0);
	unlink(path);
	CHECK(!symlink("/etc/hostname", path));
	CHECK_INT(has(prof, key(1), NULL), 0);
	unlink(path);
	/* big values */
	{
		char *big = xmalloc(9001);

		memset(big, 'q', 9000);
		big[9000] = '\0';
		kcache_put(prof, key(2), big, 9000, now + 30);
		CHECK_INT(has(prof, key(2), big), 1);
		sec_free(big);
	}
	/* drop one; drop a profile but not one sharing its prefix */
	kcache_put(prof2, key(0), "c", 1, now + 100);
	kcache_drop(prof, key(2));
	CHECK_INT(has(prof, key(2), NULL), 0);
	kcache_drop_profile(prof);
	CHECK_INT(has(prof, key(0), NULL), 0);
	CHECK_INT(has(prof2, key(0), "c"), 1);
	kcache_drop_profile(prof2);
	CHECK_INT(has(prof2, key(0), NULL), 0);
	/* many tokens: 600 of 4 KB each, every one served */
	{
		char val[4097], k[65];
		int served = 0;

		memset(val, 't', 4096);
		val[4096] = '\0';
		for (i = 0; i < 600; i++) {
			snprintf(k, sizeof(k), "%064d", i);
			kcache_put(prof, k, val, 4096, now + 100);
		}
		for (i = 0; i < 600; i++) {
			snprintf(k, sizeof(k), "%064d", i);
			served += has(prof, k, val) == 1;
		}
		CHECK_INT(served, 600);
		kcache_describe(&ki);
		CHECK_INT(ki.count, 600);
		kcache_drop_profile(prof);
	}
	/* a cache directory open to others is refused */
	snprintf(path, sizeof(path), "%s/agentcred/cache", rt);
	CHECK(!chmod(path, 0755));
	kcache_reset();
	kcache_describe(&ki);
	CHECK(strcmp(ki.level, "runtime-dir") != 0);
	CHECK(!chmod(path, 0700));
	/* a runtime directory on a persistent file system is refused */
	{
		char disk[] = "/var/tmp/agentcred-test-kcache.XXXXXX";

		if (mkdtemp(disk)) {
			setenv("XDG_RUNTIME_DIR", disk, 1);
			kcache_reset();
			kcache_describe(&ki);
			CHECK(strcmp(ki.level, "runtime-dir") != 0);
			CHECK_INT(mode_of(disk, "agentcred", NULL), -1);
			CHECK(!rmdir(disk));
		} else {
			CHECK(!"mkdtemp in /var/tmp");
		}
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", rt);
	CHECK(!system(path));
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
	files();
	/* no runtime directory: the kernel level */
	setenv("XDG_RUNTIME_DIR", "/nonexistent-agentcred-test", 1);
	kcache_reset();

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
	 * second, exactly sized read and comes back whole — when it fits
	 * the budget: a normal user's is a quarter of 20000 bytes, so 8000
	 * never does, and keys of other runs may leave no room at all.
	 */
	{
		struct kcache_info ki;
		long qb = geteuid() ? 20000 : 25000000;
		FILE *f = fopen(geteuid() ? "/proc/sys/kernel/keys/maxbytes" :
				"/proc/sys/kernel/keys/root_maxbytes", "r");

		if (f) {
			CHECK(fscanf(f, "%ld", &qb) == 1);
			fclose(f);
		}
		kcache_describe(&ki);
		CHECK_STR(ki.level, "kernel");
		CHECK_INT(ki.max_bytes, qb / 4);
	}
	{
		static const size_t sizes[] = { 4095, 4096, 4097, 8000 };
		char *big = xmalloc(8001);
		size_t i;
		int room;

		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			memset(big, 'a' + (int)i, sizes[i]);
			big[sizes[i]] = '\0';
			kcache_drop(prof, key(2));
			/* stored exactly when it fits the budget */
			room = fits(sizes[i]);
			kcache_put(prof, key(2), big, sizes[i], now + 100);
			CHECK_INT(has(prof, key(2), big), room);
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
		int i, alive = 0, made = 0;

		for (i = 0; i < 8; i++) {
			memset(desc, 'z', sizeof(desc));
			snprintf(desc, 100, "other-%s-%d-", prof, i);
			desc[strlen(desc)] = 'z';
			desc[sizeof(desc) - 1] = '\0';
			other[i] = syscall(SYS_add_key, "user", desc, "o", 1, -4);
			made += other[i] >= 0;
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
		CHECK_INT(alive, made);
	}
	return check_done("test_kcache");
}
