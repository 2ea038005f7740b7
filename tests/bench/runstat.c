/*
 * runstat N [-p PRECMD] CMD ARGS...: run CMD N times (fork/exec, no
 * shell, stdout to /dev/null) and print "median_us max_rss_kib failures".
 * PRECMD (run by /bin/sh before each timed run, not timed) resets state,
 * e.g. empties the token cache for the cold-miss measurement.  Used by
 * tests/bench/run.sh so that every command is timed the same way.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long long *us;
	long maxrss = 0;
	const char *pre = NULL;
	int n, i, failures = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat N [-p PRECMD] CMD [ARGS...]\n");
		return 2;
	}
	n = atoi(argv[1]);
	if (n < 1)
		return 2;
	/* drop "-p PRECMD", keeping N in argv[1] and CMD at argv[2] */
	if (argc >= 5 && !strcmp(argv[2], "-p")) {
		pre = argv[3];
		argv[3] = argv[1];
		argv += 2;
		argc -= 2;
	}
	us = calloc((size_t)n, sizeof(*us));
	if (!us)
		return 1;
	for (i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		int status;
		pid_t pid;

		if (pre && system(pre) != 0)
			failures++;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0)
				dup2(fd, 1);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failures++;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp);
	printf("%lld %ld %d\n", us[n / 2], maxrss, failures);
	free(us);
	return 0;
}
