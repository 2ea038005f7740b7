/*
 * helper/lock.c with real processes: a second taker waits for the first,
 * the wait is bounded, and a holder that dies releases the lock.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../helper/lock.h"
#include "check.h"

static char dir[64];

static long long ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Child holds the lock for hold_ms (or until killed), then exits. */
static pid_t holder(const char *key, int hold_ms, int ready[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = -1;
		struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };

		close(ready[0]);
		if (lock_acquire(key, 5, &fd))
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		nanosleep(&ts, NULL);
		_exit(0);
	}
	close(ready[1]);
	return pid;
}

static void wait_ready(int ready[2])
{
	char c;

	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
}

int main(void)
{
	char key[65];
	int fd = -1, fd2 = -1, ready[2], status;
	long long t0, waited;
	pid_t pid;
	struct stat st;
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/ac-test-lock-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	setenv("XDG_RUNTIME_DIR", dir, 1);
	snprintf(key, sizeof(key), "%064x", (unsigned)getpid());

	/* uncontended; the directory and file are private */
	CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
	CHECK(fd >= 0);
	snprintf(path, sizeof(path), "%s/agentcred", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/agentcred/%s.lock", dir, key);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	lock_release(fd);
	lock_release(-1);

	/* a second process waits, then gets it when the first lets go */
	CHECK(pipe(ready) == 0);
	pid = holder(key, 400, ready);
	wait_ready(ready);
	t0 = ms();
	CHECK_INT(lock_acquire(key, 5, &fd), AC_OK);
	waited = ms() - t0;
	CHECK(waited >= 250 && waited < 3000);
	lock_release(fd);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);

	/* the wait is bounded by the deadline */
	CHECK(pipe(ready) == 0);
	pid = holder(key, 10000, ready);
	wait_ready(ready);
	t0 = ms();
	CHECK_INT(lock_acquire(key, 1, &fd), AC_NETWORK);
	waited = ms() - t0;
	CHECK(waited >= 900 && waited < 2500);
	CHECK(strstr(ac_message(), "another agentcred") != NULL);

	/* a holder that dies releases the lock at once */
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	t0 = ms();
	CHECK_INT(lock_acquire(key, 5, &fd), AC_OK);
	CHECK(ms() - t0 < 500);

	/* different keys do not block each other */
	key[0] = 'f';
	CHECK_INT(lock_acquire(key, 0, &fd2), AC_OK);
	lock_release(fd2);
	lock_release(fd);

	/*
	 * An unsafe lock directory costs the lock, never the call: AC_OK, no
	 * descriptor, one warning per process however often it is tried.
	 */
	{
		char log[256], text[4096], *w;
		int saved = dup(2), lfd, warnings = 0;
		ssize_t n;

		snprintf(log, sizeof(log), "%s/stderr", dir);
		lfd = open(log, O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHECK(lfd >= 0 && dup2(lfd, 2) == 2);

		snprintf(path, sizeof(path), "%s/agentcred", dir);
		CHECK(chmod(path, 0755) == 0);
		fd = 7;
		CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
		CHECK_INT(fd, -1);
		CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
		CHECK_INT(fd, -1);
		CHECK(chmod(path, 0700) == 0);

		/* a symlink in its place (to a directory of ours, even) */
		snprintf(text, sizeof(text), "mv '%s' '%s.real' && ln -s '%s.real' '%s'",
			 path, path, path, path);
		CHECK(system(text) == 0);
		CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
		CHECK_INT(fd, -1);

		dup2(saved, 2);
		close(saved);
		n = pread(lfd, text, sizeof(text) - 1, 0);
		close(lfd);
		text[n > 0 ? n : 0] = '\0';
		for (w = text; (w = strstr(w, "going on without the lock")); w++)
			warnings++;
		CHECK_INT(warnings, 1);
		CHECK(strstr(text, path) != NULL);
		CHECK(strstr(text, "0700") != NULL);
	}

	/*
	 * No runtime directory: $XDG_CACHE_HOME/agentcred/locks, else
	 * ~/.cache/agentcred/locks; never a fixed name under /tmp.
	 */
	unsetenv("XDG_RUNTIME_DIR");
	snprintf(path, sizeof(path), "%s/cache", dir);
	setenv("XDG_CACHE_HOME", path, 1);
	CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
	CHECK(fd >= 0);
	lock_release(fd);
	snprintf(path, sizeof(path), "%s/cache/agentcred/locks/%s.lock", dir, key);
	CHECK(stat(path, &st) == 0);
	snprintf(path, sizeof(path), "%s/cache/agentcred/locks", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", dir, 1);
	CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
	CHECK(fd >= 0);
	lock_release(fd);
	snprintf(path, sizeof(path), "%s/.cache/agentcred/locks/%s.lock", dir, key);
	CHECK(stat(path, &st) == 0);
	/* a runtime directory that is not ours is passed over */
	setenv("XDG_RUNTIME_DIR", "/", 1);
	if (getuid() != 0) {
		CHECK_INT(lock_acquire(key, 1, &fd), AC_OK);
		CHECK(fd >= 0);
		lock_release(fd);
	}

	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return check_done("test_lock");
}
