/*
 * helper/lib/atomicfile.c: the replacement itself (content, mode, no
 * temporary file left), each failure path (create, write, rename) leaving
 * the target as it was and no temporary file behind, and the removal of
 * leftovers, which must not touch other files.  No chmod tricks: the
 * failures are made so that they also happen as root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../helper/lib/atomicfile.h"
#include "../../helper/lib/err.h"
#include "check.h"

static char top[256];

static char *slurp(const char *name)
{
	static char buf[4096];
	char p[400];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", top, name);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* files in top whose name starts with ".f." */
static int temporaries(void)
{
	DIR *d = opendir(top);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, ".f.", 3);
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	struct stat st;
	struct rlimit rl, small = { 4, 4 };
	char p[400];
	int dirfd, fd;

	snprintf(top, sizeof(top), "%s/ac-af-XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	dirfd = open(top, O_RDONLY | O_DIRECTORY);

	/* a fresh file, then a replacement: content, 0600, no temporary */
	CHECK_INT(atomic_replace(dirfd, top, "f", "one", 3, AC_KEYRING), AC_OK);
	CHECK_STR(slurp("f"), "one\n");
	CHECK_INT(atomic_replace(dirfd, top, "f", "two!", 4, AC_KEYRING), AC_OK);
	CHECK_STR(slurp("f"), "two!\n");
	snprintf(p, sizeof(p), "%s/f", top);
	CHECK(!stat(p, &st) && (st.st_mode & 07777) == 0600);
	CHECK_INT(temporaries(), 0);

	/* create fails (the descriptor is not a directory): code, message */
	fd = open(p, O_RDONLY);
	CHECK_INT(atomic_replace(fd, "/some/dir", "f", "x", 1, AC_USAGE), AC_USAGE);
	CHECK(strstr(ac_message(), "temporary file in /some/dir") != NULL);
	close(fd);

	/* write fails (file size limit): target kept, temporary removed */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	small.rlim_max = rl.rlim_max;
	setrlimit(RLIMIT_FSIZE, &small);
	CHECK_INT(atomic_replace(dirfd, top, "f", "far too long", 12, AC_KEYRING),
		  AC_KEYRING);
	setrlimit(RLIMIT_FSIZE, &rl);
	CHECK(strstr(ac_message(), "cannot write") != NULL);
	CHECK_STR(slurp("f"), "two!\n");
	CHECK_INT(temporaries(), 0);

	/* rename fails (the target is a non-empty directory): nothing left */
	snprintf(p, sizeof(p), "%s/d", top);
	CHECK(!mkdir(p, 0700));
	snprintf(p, sizeof(p), "%s/d/x", top);
	CHECK((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	CHECK_INT(atomic_replace(dirfd, top, "d", "x", 1, AC_KEYRING), AC_KEYRING);
	CHECK(strstr(ac_message(), "cannot replace") != NULL);
	CHECK(!stat(p, &st));
	{
		DIR *d = opendir(top);
		struct dirent *de;
		int n = 0;

		while (d && (de = readdir(d)))
			n += !strncmp(de->d_name, ".d.", 3);
		if (d)
			closedir(d);
		CHECK_INT(n, 0);
	}

	/* leftovers: only ".f.*" goes; "f", ".fx" and ".g.1" stay */
	snprintf(p, sizeof(p), "%s/.f.123.456", top);
	CHECK((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/.fx", top);
	CHECK((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/.g.1", top);
	CHECK((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	CHECK_INT(temporaries(), 1);
	atomic_drop_leftovers(dirfd, "f");
	CHECK_INT(temporaries(), 0);
	CHECK_STR(slurp("f"), "two!\n");
	CHECK(slurp(".fx") != NULL);
	CHECK(slurp(".g.1") != NULL);

	close(dirfd);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", top);
	}
	return check_done("test_atomicfile");
}
