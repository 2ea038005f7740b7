/*
 * Per-cache-key lock files (see lock.h).  flock() is released by the
 * kernel when the holder dies, so no stale lock can block the next caller;
 * the wait is bounded by polling LOCK_NB against a deadline instead of an
 * alarm, which would interfere with libcurl and GLib.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

static enum ac_err lock_dir(char *dir, size_t len)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (rt && *rt == '/' && !access(rt, W_OK))
		snprintf(dir, len, "%s/agentcred", rt);
	else
		snprintf(dir, len, "/tmp/agentcred-%ld", (long)getuid());
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ac_fail(AC_FAIL, "cannot create %s: %s", dir, strerror(errno));
	if (lstat(dir, &st))
		return ac_fail(AC_FAIL, "cannot use %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
		return ac_fail(AC_FAIL, "%s is not a private directory owned by you — remove it",
			       dir);
	return AC_OK;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum ac_err lock_acquire(const char *hexkey, long timeout_seconds, int *fdp)
{
	char dir[PATH_MAX - 80], path[PATH_MAX];
	long long deadline = monotonic_ms() + timeout_seconds * 1000;
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	enum ac_err err;
	int fd;

	if ((err = lock_dir(dir, sizeof(dir))))
		return err;
	snprintf(path, sizeof(path), "%s/%.64s.lock", dir, hexkey);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ac_fail(AC_FAIL, "cannot open lock %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return ac_fail(AC_FAIL, "cannot lock %s: %s", path, strerror(errno));
		}
		if (monotonic_ms() >= deadline) {
			close(fd);
			return ac_fail(AC_NETWORK, "another agentcred has been refreshing this token for %ld s — try again",
				       timeout_seconds);
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 50 * 1000 * 1000)
			nap.tv_nsec += 5 * 1000 * 1000;
	}
	*fdp = fd;
	return AC_OK;
}

void lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * Pruning: the lock file of a key no longer cached goes, unless someone
 * holds it right now.  A caller that opened it before the unlink and
 * locks it afterwards may race one that creates a new file: that costs
 * at most one extra token request (the lock only saves requests).
 */
void lock_prune(const char *hexkey)
{
	char dir[PATH_MAX - 80], path[PATH_MAX];
	int fd;

	if (lock_dir(dir, sizeof(dir))) {
		ac_clear();
		return;
	}
	snprintf(path, sizeof(path), "%s/%.64s.lock", dir, hexkey);
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		unlink(path);
	close(fd);
}
