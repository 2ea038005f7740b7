/*
 * Per-cache-key lock files (see lock.h).  flock() is released by the
 * kernel when the holder dies, so no stale lock can block the next caller;
 * the wait is bounded by polling LOCK_NB against a deadline instead of an
 * alarm, which would interfere with libcurl and GLib.
 *
 * Rules:
 *  - the directory is $XDG_RUNTIME_DIR/agentcred, else
 *    $XDG_CACHE_HOME/agentcred/locks (~/.cache, the home from $HOME or the
 *    passwd entry): never a fixed name in a shared directory such as /tmp,
 *    which another user could create first;
 *  - nothing is created in a base directory that is not ours (a root run
 *    with the user's environment kept must not leave root-owned
 *    directories in the user's runtime directory or home);
 *  - the lock directory is used only when it is a real directory (not a
 *    symlink), ours and mode 0700; the lock file is opened through its
 *    descriptor with O_NOFOLLOW;
 *  - the lock only saves duplicate token requests: a directory or lock file
 *    that cannot be used safely costs the single flight (one warning, the
 *    call goes on unlocked), never the command.  Only the bounded wait for
 *    another holder is an error.
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
#include "lib/log.h"
#include "lib/sbuf.h"
#include "lib/secmem.h"
#include "lib/util.h"

static int warned;

/* One warning per process: the lock is lost, the command goes on. */
static void unlocked(const char *dir, const char *why)
{
	if (warned++)
		return;
	log_warn("agentcred: not using the lock directory %s (%s); going on without the lock, so concurrent calls may each ask the token server — remove it to restore",
		 dir, why);
}

/* Directory that exists and is ours (following symlinks: a base may be one). */
static int is_our_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode) && st.st_uid == getuid();
}

/* mkdir -p below base (which exists): each new component 0700. */
static void make_below(const char *base, const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + strlen(base) + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			(void)mkdir(p, 0700);
			if (!c)
				break;
			*s = c;
		}
	}
	free(p);
}

/*
 * The lock directory path into dir; 0 when one was chosen, -1 (with why)
 * when there is none we may create.
 */
static int choose_dir(struct sbuf *dir, const char **why)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home;

	if (rt && rt[0] == '/' && is_our_dir(rt) && !access(rt, W_OK)) {
		sbuf_addf(dir, "%s/agentcred", rt);
		make_below(rt, dir->buf);
		return 0;
	}
	if (cache && cache[0] == '/') {
		sbuf_addf(dir, "%s/agentcred/locks", cache);
		(void)mkdir(cache, 0700);	/* a missing one, as XDG says */
		if (!is_our_dir(cache)) {
			*why = "$XDG_CACHE_HOME is not a directory of yours";
			return -1;
		}
		make_below(cache, dir->buf);
		return 0;
	}
	if (user_home(&home)) {
		ac_clear();
		*why = "no home directory";
		sbuf_addstr(dir, "(none)");
		return -1;
	}
	sbuf_addf(dir, "%s/.cache/agentcred/locks", home);
	if (!is_our_dir(home)) {
		*why = "the home directory is not yours";
		return -1;
	}
	make_below(home, dir->buf);
	return 0;
}

/* Descriptor of the lock directory, or -1 (after the one warning, unless quiet). */
static int open_lock_dir(int quiet)
{
	struct sbuf dir = SBUF_INIT;
	const char *why = NULL;
	struct stat st;
	int fd = -1;

	if (choose_dir(&dir, &why))
		goto unusable;
	fd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		why = errno == ELOOP || errno == ENOTDIR ?
		      "it is a symlink or not a directory" : strerror(errno);
		goto unusable;
	}
	if (fstat(fd, &st) || st.st_uid != getuid()) {
		why = "it is not owned by you";
		goto unusable;
	}
	if (st.st_mode & 077) {
		why = "others may enter it: it is not mode 0700";
		goto unusable;
	}
	sbuf_release(&dir);
	return fd;
unusable:
	if (fd >= 0)
		close(fd);
	if (!quiet)
		unlocked(dir.buf, why);
	sbuf_release(&dir);
	return -1;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum ac_err lock_acquire(const char *hexkey, long timeout_seconds, int *fdp)
{
	char name[80];
	long long deadline = monotonic_ms() + timeout_seconds * 1000;
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	int dirfd, fd;

	*fdp = -1;
	if ((dirfd = open_lock_dir(0)) < 0)
		return AC_OK;
	snprintf(name, sizeof(name), "%.64s.lock", hexkey);
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	close(dirfd);
	if (fd < 0) {
		unlocked(name, strerror(errno));
		return AC_OK;
	}
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			unlocked(name, strerror(errno));
			close(fd);
			return AC_OK;
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
	char name[80];
	int dirfd, fd;

	if ((dirfd = open_lock_dir(1)) < 0)
		return;
	snprintf(name, sizeof(name), "%.64s.lock", hexkey);
	fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			unlinkat(dirfd, name, 0);
		close(fd);
	}
	close(dirfd);
}
