/*
 * Atomic replacement of a file through its directory descriptor
 * (atomicfile.h).  Rules: the temporary file is never anything but a new
 * file of ours (O_EXCL|O_NOFOLLOW, 0600); it is removed on every failure;
 * the target is touched only by the final rename.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "sbuf.h"
#include "util.h"

/* ".<base>." — what every temporary file of <base> starts with */
static void temp_prefix(struct sbuf *sb, const char *base)
{
	sbuf_addf(sb, ".%s.", base);
}

void atomic_drop_leftovers(int dirfd, const char *base)
{
	struct sbuf prefix = SBUF_INIT;
	struct dirent *de;
	DIR *d;
	int fd = dup(dirfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	temp_prefix(&prefix, base);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix.buf, prefix.len))
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
	sbuf_release(&prefix);
}

enum ac_err atomic_replace(int dirfd, const char *dir, const char *base,
			   const char *data, size_t len, enum ac_err code)
{
	struct sbuf tmp = SBUF_INIT;
	enum ac_err err = AC_OK;
	int fd = -1, tries;

	for (tries = 0; tries < 100 && fd < 0; tries++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sbuf_reset(&tmp);
		temp_prefix(&tmp, base);
		sbuf_addf(&tmp, "%ld.%ld", (long)getpid(), (long)ts.tv_nsec + tries);
		fd = openat(dirfd, tmp.buf,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = ac_fail(code, "cannot create a temporary file in %s: %s",
			      dir, strerror(errno));
		goto out;
	}
	if (write_full(fd, data, len) || write_full(fd, "\n", 1) || fsync(fd)) {
		err = ac_fail(code, "cannot write %s/%s: %s", dir, base, strerror(errno));
		close(fd);
		goto fail;
	}
	/* close() reports delayed write errors (NFS); the fd is gone either way */
	if (close(fd)) {
		err = ac_fail(code, "cannot write %s/%s: %s", dir, base, strerror(errno));
		goto fail;
	}
	if (renameat(dirfd, tmp.buf, dirfd, base)) {
		err = ac_fail(code, "cannot replace %s/%s: %s", dir, base, strerror(errno));
		goto fail;
	}
	/* the rename itself must survive a crash too */
	fsync(dirfd);
	goto out;
fail:
	unlinkat(dirfd, tmp.buf, 0);
out:
	sbuf_release(&tmp);
	return err;
}
