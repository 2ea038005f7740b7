/*
 * The fast cache level (see kcache.h and README.md, "How it works").
 * Raw system calls, no libkeyutils, no JSON: a hit costs a handful of
 * system calls and nothing else.
 *
 * Rules:
 *  - one level serves a process: files in the runtime directory when it
 *    is a tmpfs/ramfs we own, else the kernel user keyring within its
 *    budget; drops clear both, so a process that used the other one
 *    (cron without XDG_RUNTIME_DIR) never leaves a stale token behind;
 *  - a token of this level never reaches persistent storage: the
 *    directory's file system is checked with fstatfs on every use;
 *  - files: directory 0700 owned by us (checked with fstat on the open
 *    descriptor), files 0600 opened with O_NOFOLLOW, written to a
 *    temporary name and renamed, mtime = the token's expiry, pruned when
 *    expired;
 *  - kernel keys: at most a quarter of the user's key quota (count and
 *    bytes, root_* limits for uid 0); permissions set right after
 *    add_key, found by KEYCTL_SEARCH with user permissions, so sessions
 *    whose keyring does not link the user keyring find them too;
 *  - any error here is a miss, never a failure of the command.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "kcache.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/util.h"

typedef int32_t key_serial_t;

#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_USER_KEYRING	-4
#define KEYCTL_SETPERM		5
#define KEYCTL_DESCRIBE		6
#define KEYCTL_LINK		8
#define KEYCTL_UNLINK		9
#define KEYCTL_SEARCH		10
#define KEYCTL_READ		11
#define KEYCTL_SET_TIMEOUT	15
#define KEYCTL_INVALIDATE	21
/* possessor: all; user: view, read, write, search, setattr; group, other: none */
#define KEY_PERMS		0x3f2f0000u
#define MAX_VALUE		(64 * 1024)
#define FIRST_READ		4096
#define MAX_FILES		4096
#define TMPFS_MAGIC_		0x01021994
#define RAMFS_MAGIC_		0x858458f6
#define CACHE_SUBDIR		"agentcred/cache"

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

/* Profile names and keys go into file names and key descriptions. */
static int name_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (!n || n > max || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ files */

static int dir_fd = -2;		/* -2: not tried yet, -1: unusable */
static const char *dir_why = "";

static int fs_in_memory(int fd)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) && ((unsigned long)sf.f_type == TMPFS_MAGIC_ ||
				     (unsigned long)sf.f_type == RAMFS_MAGIC_);
}

static int dir_private(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 077);
}

static const char *runtime_dir(char *buf, size_t len)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");

	if (rt && *rt == '/')
		return rt;
	if (rt)
		return NULL;	/* set but not absolute: not ours to guess */
	/* su, cron: no variable, but logind's directory may exist */
	snprintf(buf, len, "/run/user/%lu", (unsigned long)geteuid());
	return buf;
}

/*
 * The cache directory, opened once per process.  create: make it (and
 * agentcred/) when missing; the hit path only opens.
 */
static int cache_dir(int create)
{
	char fallback[64], path[4096];
	const char *rt;
	int rfd, afd, fd;

	if (dir_fd >= 0 || (dir_fd == -1 && !create))
		return dir_fd;
	rt = runtime_dir(fallback, sizeof(fallback));
	if (!rt) {
		dir_why = "XDG_RUNTIME_DIR is not an absolute path";
		return dir_fd = -1;
	}
	if (snprintf(path, sizeof(path), "%s/" CACHE_SUBDIR, rt) >= (int)sizeof(path))
		return dir_fd = -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		rfd = open(rt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rfd < 0) {
			dir_why = "no runtime directory (XDG_RUNTIME_DIR)";
			return dir_fd = -1;
		}
		if (!fs_in_memory(rfd)) {
			close(rfd);
			dir_why = "the runtime directory is not a tmpfs";
			return dir_fd = -1;
		}
		if (mkdirat(rfd, "agentcred", 0700) && errno != EEXIST) {
			close(rfd);
			dir_why = "cannot create agentcred/ in the runtime directory";
			return dir_fd = -1;
		}
		afd = openat(rfd, "agentcred", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(rfd);
		if (afd < 0 || !dir_private(afd) ||
		    (mkdirat(afd, "cache", 0700) && errno != EEXIST)) {
			if (afd >= 0)
				close(afd);
			dir_why = "the runtime directory's agentcred/ is not private";
			return dir_fd = -1;
		}
		fd = openat(afd, "cache", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(afd);
	}
	if (fd < 0) {
		dir_why = errno == ENOENT ? "no runtime directory (XDG_RUNTIME_DIR)" :
			  "the runtime cache directory cannot be opened";
		return dir_fd = -1;
	}
	if (!dir_private(fd) || !fs_in_memory(fd)) {
		close(fd);
		dir_why = "the runtime directory is not a private tmpfs";
		return dir_fd = -1;
	}
	return dir_fd = fd;
}

static void file_name(const char *profile, const char *hexkey, char *out, size_t len)
{
	snprintf(out, len, "%s~%s", profile, hexkey);
}

static int file_get(int dfd, const char *name, char **value, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || st.st_size <= 0 || st.st_size > MAX_VALUE) {
		close(fd);
		return -1;
	}
	if (st.st_mtime <= (time_t)now_seconds()) {
		close(fd);
		unlinkat(dfd, name, 0);	/* expired: gone */
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size + 1);
	close(fd);
	if (n != st.st_size) {	/* replaced while we read: rename makes this rare */
		sec_free(buf);
		return -1;
	}
	buf[n] = '\0';
	*value = buf;
	*len = (size_t)n;
	return 0;
}

/* Expired entries and temporary files left by killed writers go. */
static size_t file_prune(int dfd, long long now, size_t *bytes)
{
	DIR *d;
	struct dirent *e;
	size_t count = 0;
	int fd = dup(dfd);

	*bytes = 0;
	if (fd < 0)
		return 0;
	lseek(fd, 0, SEEK_SET);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (e->d_name[0] == '.' ? st.st_ctime < now - 60 : st.st_mtime <= now) {
			unlinkat(dfd, e->d_name, 0);
			continue;
		}
		if (e->d_name[0] != '.' && strncmp(e->d_name, "prune~~", 7)) {
			count++;
			*bytes += (size_t)st.st_size;
		}
	}
	closedir(d);
	return count;
}

static int file_put(int dfd, const char *name, const char *value, size_t len,
		    long long expires_at)
{
	char tmp[300];
	struct timespec ts[2];
	size_t bytes;
	int fd, ok;

	if (file_prune(dfd, now_seconds(), &bytes) >= MAX_FILES) {
		log_verbose("fast cache: %d tokens in the runtime directory already", MAX_FILES);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ts[0].tv_sec = ts[1].tv_sec = (time_t)expires_at;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ok = write_full(fd, value, len) == 0 && !futimens(fd, ts);
	close(fd);
	if (!ok || renameat(dfd, tmp, dfd, name)) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

static void file_drop_profile(int dfd, const char *profile)
{
	DIR *d;
	struct dirent *e;
	size_t n = strlen(profile);
	int fd = dup(dfd);

	if (fd < 0)
		return;
	lseek(fd, 0, SEEK_SET);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, profile, n) && e->d_name[n] == '~')
			unlinkat(dfd, e->d_name, 0);
	closedir(d);
}

/* ------------------------------------------------------------ kernel */

static const char *kern_why = "";

#ifdef AGENTCRED_TEST_BUILD
/*
 * Test builds only: AGENTCRED_TEST_KEYCTL=EPERM|ENOSYS makes every key
 * system call fail as a seccomp filter or an old kernel would (the
 * integration tests also use a real seccomp filter, tests/seccomp_nokeys).
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

static void describe(const char *profile, const char *hexkey, char *out, size_t len)
{
	snprintf(out, len, "agentcred:%s:%s", profile, hexkey);
}

static key_serial_t search(const char *desc)
{
	long id = keyctl(KEYCTL_SEARCH, (unsigned long)KEY_SPEC_USER_KEYRING,
			 (unsigned long)"user", (unsigned long)desc, 0);

	return id < 0 ? -1 : (key_serial_t)id;
}

static int kern_get(const char *desc, char **value, size_t *len)
{
	key_serial_t id = search(desc);
	char *buf;
	long n;

	if (id < 0)
		return -1;
	/*
	 * A token fits in FIRST_READ nearly always; KEYCTL_READ returns the
	 * full size even when the buffer is short, so a bigger value costs
	 * one more call.
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

static void drop_id(key_serial_t id)
{
	if (keyctl(KEYCTL_INVALIDATE, (unsigned long)id, 0, 0, 0) < 0)
		keyctl(KEYCTL_UNLINK, (unsigned long)id,
		       (unsigned long)KEY_SPEC_USER_KEYRING, 0, 0);
}

static long read_long(const char *path)
{
	char buf[32];
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtol(buf, NULL, 10);
	}
	return v;
}

/* The user's key quota (count and bytes); -1 when unknown. */
static int quota(long *keys, long *bytes)
{
	int root = geteuid() == 0;

	*keys = read_long(root ? "/proc/sys/kernel/keys/root_maxkeys" :
			  "/proc/sys/kernel/keys/maxkeys");
	*bytes = read_long(root ? "/proc/sys/kernel/keys/root_maxbytes" :
			   "/proc/sys/kernel/keys/maxbytes");
	return *keys > 0 && *bytes > 0 ? 0 : -1;
}

/*
 * The uid's whole use of its quota, from /proc/key-users:
 * "  UID:  USAGE NKEYS/NIKEYS QNKEYS/MAXKEYS QNBYTES/MAXBYTES".
 */
static int quota_used(long *keys, long *bytes)
{
	char buf[4096], want[32];
	ssize_t n;
	int fd = open("/proc/key-users", O_RDONLY | O_CLOEXEC);
	const char *line;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	snprintf(want, sizeof(want), "%lu:", (unsigned long)geteuid());
	for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, want, strlen(want)))
			continue;
		return sscanf(p + strlen(want), " %*d %*d/%*d %ld/%*d %ld/%*d",
			      keys, bytes) == 2 ? 0 : -1;
	}
	return -1;
}

/*
 * Walk our keys in the user keyring: count them and their bytes (as the
 * kernel charges them: description + 1 + payload); with prefix, drop
 * those whose description starts with it.
 */
static int kern_walk(const char *prefix, long *count, long *bytes)
{
	key_serial_t ids[2048];
	char info[512];
	long n, i;

	*count = *bytes = 0;
	n = keyctl(KEYCTL_READ, (unsigned long)KEY_SPEC_USER_KEYRING,
		   (unsigned long)ids, sizeof(ids), 0);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(ids))
		n = sizeof(ids);
	for (i = 0; i < n / (long)sizeof(ids[0]); i++) {
		long m = keyctl(KEYCTL_DESCRIBE, (unsigned long)ids[i],
				(unsigned long)info, sizeof(info) - 1, 0);
		const char *desc;
		long size;

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
		if (strncmp(info, "user;", 5) || !desc ||
		    strncmp(desc + 1, "agentcred:", 10))
			continue;
		if (prefix && !strncmp(desc + 1, prefix, strlen(prefix))) {
			drop_id(ids[i]);
			continue;
		}
		size = keyctl(KEYCTL_READ, (unsigned long)ids[i], 0, 0, 0);
		(*count)++;
		*bytes += (long)strlen(desc + 1) + 1 + (size > 0 ? size : 0);
	}
	return 0;
}

static void kern_put(const char *desc, const char *value, size_t len, long long ttl)
{
	long qk, qb, ck, cb, id, uk, ub, need;

	if (quota(&qk, &qb) || kern_walk(NULL, &ck, &cb)) {
		kern_why = "the kernel keyring is refused (seccomp?)";
		log_verbose("fast cache: kernel keyring unavailable (%s)", strerror(errno));
		return;
	}
	/*
	 * A good neighbour: a quarter of the quota at most, and never the
	 * last quarter of it, whoever took the rest.
	 */
	need = (long)(strlen(desc) + 1 + len);
	if (ck + 1 > qk / 4 || cb + need > qb / 4 ||
	    (!quota_used(&uk, &ub) && (uk + 1 > qk - qk / 4 || ub + need > qb - qb / 4))) {
		kern_why = "a quarter of the user's key quota is used";
		log_verbose("fast cache: kernel keyring budget full (%ld keys, %ld bytes of %ld, %ld)",
			    ck, cb, qk / 4, qb / 4);
		return;
	}
	/*
	 * Possess the user keyring through our process keyring, so the new
	 * key (possessor-only at birth) can be restricted and timed out
	 * even in sessions that do not link the user keyring.
	 */
	keyctl(KEYCTL_LINK, (unsigned long)KEY_SPEC_USER_KEYRING,
	       (unsigned long)KEY_SPEC_PROCESS_KEYRING, 0, 0);
	id = add_key(desc, value, len);
	if (id < 0) {
		log_verbose("fast cache: kernel keyring refused the token (%s)", strerror(errno));
		return;
	}
	if (keyctl(KEYCTL_SETPERM, (unsigned long)id, KEY_PERMS, 0, 0) < 0 ||
	    keyctl(KEYCTL_SET_TIMEOUT, (unsigned long)id,
		   (unsigned long)(ttl > UINT32_MAX ? UINT32_MAX : ttl), 0, 0) < 0) {
		/* never keep a key we could not restrict or time out */
		if (keyctl(KEYCTL_INVALIDATE, (unsigned long)id, 0, 0, 0) < 0)
			keyctl(KEYCTL_UNLINK, (unsigned long)id,
			       (unsigned long)KEY_SPEC_USER_KEYRING, 0, 0);
		log_verbose("fast cache: cannot restrict the key (%s)", strerror(errno));
	}
}

static void kern_drop(const char *desc)
{
	key_serial_t id;
	int tries;

	/*
	 * Normally one key; a few more after racing puts.  Bounded: a key
	 * we can find but not remove must not spin here forever.
	 */
	for (tries = 0; tries < 16 && (id = search(desc)) >= 0; tries++)
		drop_id(id);
}

/* ------------------------------------------------------------ API */

int kcache_get(const char *profile, const char *hexkey, char **value, size_t *len)
{
	char name[200];
	int dfd;

	if (!kcache_enabled() || !name_ok(profile, 64) || !name_ok(hexkey, 100))
		return -1;
	dfd = cache_dir(0);
	if (dfd >= 0) {
		file_name(profile, hexkey, name, sizeof(name));
		return file_get(dfd, name, value, len);
	}
	describe(profile, hexkey, name, sizeof(name));
	return kern_get(name, value, len);
}

void kcache_put(const char *profile, const char *hexkey, const char *value,
		size_t len, long long expires_at)
{
	char name[200];
	long long ttl = expires_at - now_seconds();
	int dfd;

	if (!kcache_enabled() || ttl <= 0 || len > MAX_VALUE ||
	    !name_ok(profile, 64) || !name_ok(hexkey, 100))
		return;
	kcache_drop(profile, hexkey);
	dfd = cache_dir(1);
	if (dfd >= 0) {
		file_name(profile, hexkey, name, sizeof(name));
		if (file_put(dfd, name, value, len, expires_at))
			log_verbose("fast cache: cannot write the runtime directory (%s)",
				    strerror(errno));
		return;
	}
	describe(profile, hexkey, name, sizeof(name));
	kern_put(name, value, len, ttl);
}

void kcache_drop(const char *profile, const char *hexkey)
{
	char name[200];
	int dfd;

	if (!name_ok(profile, 64) || !name_ok(hexkey, 100))
		return;
	dfd = cache_dir(0);
	if (dfd >= 0) {
		file_name(profile, hexkey, name, sizeof(name));
		unlinkat(dfd, name, 0);
	}
	describe(profile, hexkey, name, sizeof(name));
	kern_drop(name);
}

void kcache_drop_profile(const char *profile)
{
	char prefix[100];
	long c, b;
	int dfd;

	if (!name_ok(profile, 64))
		return;
	dfd = cache_dir(0);
	if (dfd >= 0)
		file_drop_profile(dfd, profile);
	snprintf(prefix, sizeof(prefix), "agentcred:%s:", profile);
	kern_walk(prefix, &c, &b);
}

int kcache_due(const char *profile, long interval)
{
	char name[200];
	struct stat st;
	struct timespec ts[2];
	long long now = now_seconds();
	int dfd, fd;

	if (!kcache_enabled() || !name_ok(profile, 64))
		return 1;
	dfd = cache_dir(1);
	if (dfd < 0)
		return 1;
	/* "prune~~NAME": no profile's files start so ('~' is not in names) */
	snprintf(name, sizeof(name), "prune~~%s", profile);
	if (!fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && st.st_mtime > (time_t)now)
		return 0;
	unlinkat(dfd, name, 0);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* due again at mtime; file_prune removes it then */
		ts[0].tv_sec = ts[1].tv_sec = (time_t)(now + interval);
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(fd, ts);
		close(fd);
	}
	return 1;
}

const char *kcache_source(void)
{
	return dir_fd >= 0 ? "the fast cache (runtime directory)" :
	       "the fast cache (kernel keyring)";
}

void kcache_reset(void)
{
	if (dir_fd >= 0)
		close(dir_fd);
	dir_fd = -2;
	dir_why = "";
}

void kcache_describe(struct kcache_info *info)
{
	long qk, qb;
	size_t bytes;
	int dfd;

	memset(info, 0, sizeof(*info));
	if (!kcache_enabled()) {
		info->level = "off";
		info->why = "AGENTCRED_KERNEL_CACHE=0 or \"kernel_cache\": false";
		return;
	}
	dfd = cache_dir(1);
	if (dfd >= 0) {
		info->level = "runtime-dir";
		info->count = (long)file_prune(dfd, now_seconds(), &bytes);
		info->bytes = (long)bytes;
		info->why = "a private tmpfs runtime directory";
		return;
	}
	if (quota(&qk, &qb) || kern_walk(NULL, &info->count, &info->bytes)) {
		info->level = "none";
		info->why = "keyctl is refused (seccomp?) and there is no tmpfs runtime directory";
		info->dir_why = dir_why;
		return;
	}
	info->level = "kernel";
	info->max_count = qk / 4;
	info->max_bytes = qb / 4;
	info->dir_why = dir_why;
	info->why = kern_why[0] ? kern_why : "no tmpfs runtime directory";
}
