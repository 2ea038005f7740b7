/*
 * runstat N SPEC [::: SPEC ...]
 *   SPEC = [-p PRECMD] [-i INFILE] [-e NAME=VALUE]... CMD [ARGS...]
 *
 * Times every SPEC N times and prints one line per SPEC, in order:
 * "median_us max_rss_kib failures".  Used by tests/bench/run.sh so that
 * every command is timed the same way:
 *  - fork + execvp, no shell, stdout to /dev/null, stdin from INFILE
 *    (default /dev/null) and -e variables set in the child — neither a
 *    shell nor env(1) adds a process start to a timed command;
 *  - the SPECs are interleaved (round r runs SPEC r % S first, then the
 *    others in order), so a load change on a shared machine hits every
 *    figure alike instead of whichever was being measured at the time;
 *  - PRECMD (run by /bin/sh before that SPEC's timed run, not timed)
 *    resets state, e.g. empties the token cache for the cold miss.
 * The peak RSS is the largest ru_maxrss of the timed runs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SPECS 16

struct spec {
	const char *pre;
	const char *in;
	char *env[4];
	int nenv;
	char **argv;
	long long *us;
	long maxrss;
	int failures;
};

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int run_once(struct spec *s, int i)
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	pid_t pid;

	if (s->pre && system(s->pre) != 0)
		s->failures++;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY);
		int in = open(s->in ? s->in : "/dev/null", O_RDONLY);

		int e;

		if (out < 0 || in < 0 || dup2(out, 1) < 0 || dup2(in, 0) < 0)
			_exit(126);
		for (e = 0; e < s->nenv; e++)
			if (putenv(s->env[e]))
				_exit(126);
		execvp(s->argv[0], s->argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	s->us[i] = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
	if (ru.ru_maxrss > s->maxrss)
		s->maxrss = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		s->failures++;
	return 0;
}

int main(int argc, char **argv)
{
	struct spec specs[MAX_SPECS];
	int n, i, j, k, ns = 0;

	if (argc < 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: runstat N [-p PRECMD] [-i INFILE] [-e NAME=VALUE] CMD [ARGS...] [::: ...]\n");
		return 2;
	}
	memset(specs, 0, sizeof(specs));
	for (i = 2; i < argc; ) {
		struct spec *s;

		if (ns == MAX_SPECS) {
			fprintf(stderr, "runstat: at most %d commands\n", MAX_SPECS);
			return 2;
		}
		s = &specs[ns++];
		for (;;) {
			if (i + 1 < argc && !strcmp(argv[i], "-p"))
				s->pre = argv[i + 1];
			else if (i + 1 < argc && !strcmp(argv[i], "-i"))
				s->in = argv[i + 1];
			else if (i + 1 < argc && !strcmp(argv[i], "-e") &&
				 strchr(argv[i + 1], '=') && s->nenv < 4)
				s->env[s->nenv++] = argv[i + 1];
			else
				break;
			i += 2;
		}
		if (i >= argc || !strcmp(argv[i], ":::")) {
			fprintf(stderr, "runstat: a command is missing\n");
			return 2;
		}
		s->argv = argv + i;
		while (i < argc && strcmp(argv[i], ":::"))
			i++;
		if (i < argc)
			argv[i++] = NULL;	/* ends this command's argv */
		s->us = calloc((size_t)n, sizeof(*s->us));
		if (!s->us)
			return 1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < ns; j++) {
			k = (i + j) % ns;
			if (run_once(&specs[k], i))
				return 1;
		}
	for (j = 0; j < ns; j++) {
		qsort(specs[j].us, (size_t)n, sizeof(long long), cmp);
		printf("%lld %ld %d\n", specs[j].us[n / 2], specs[j].maxrss,
		       specs[j].failures);
		free(specs[j].us);
	}
	return 0;
}
