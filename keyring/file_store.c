/*
 * The opt-in plaintext keyring for headless machines (--keyring file):
 * $XDG_DATA_HOME/agentcred/secrets.json (default ~/.local/share), as
 *
 *   {"version": 1, "items": [{"schema": S, "label": L,
 *                             "attributes": {NAME: VALUE, ...},
 *                             "secret": SECRET}, ...]}
 *
 * Rules:
 *  - the directory is 0700 and the file 0600, both owned by us; anything
 *    else (another owner, group/other bits, a symlink, not a regular file)
 *    is refused with a message saying how to fix it, never "repaired";
 *  - every open goes through the directory descriptor with O_NOFOLLOW, so
 *    a symlink swapped in later is not followed either;
 *  - the file is replaced atomically (helper/lib/atomicfile.c: a fresh O_EXCL
 *    temporary file in the same directory, write, fsync, rename, fsync of
 *    the directory); a temporary file found while we hold the lock was left by a writer
 *    that died, and is removed (it holds secrets, maybe removed ones);
 *  - read-modify-write runs under an flock on secrets.json.lock beside it,
 *    so concurrent writers never lose each other's entries (readers need no
 *    lock: they see either the old or the new file);
 *  - a corrupt or oversized file is an error naming the file; it is never
 *    overwritten, so the entries in it can still be recovered by hand;
 *  - every buffer that held the file or a secret is wiped (sec_free, and
 *    cJSON allocates through the wiping hooks).
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

#include <cjson/cJSON.h>

#include "../helper/lib/atomicfile.h"
#include "../helper/lib/module.h"
#include "../helper/lib/sbuf.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "keyring.h"

#define STORE_MAX	(4 * 1024 * 1024)
#define STORE_VERSION	1
#define MAX_ATTRS	64
#define LOCK_WAIT_MS	10000

static char *override_path;

/*
 * How long a writer waits for another one's lock.  The test build takes
 * AGENTCRED_TEST_FILE_LOCK_MS instead, so the refusal is tested quickly.
 */
static int lock_wait_ms(void)
{
#ifdef AGENTCRED_TEST_BUILD
	const char *e = getenv("AGENTCRED_TEST_FILE_LOCK_MS");

	if (e && *e)
		return atoi(e);
#endif
	return LOCK_WAIT_MS;
}

void file_store_set_path(const char *path)
{
	free(override_path);
	override_path = path && *path ? xstrdup(path) : NULL;
}

/* Where the store lives, split into directory and file name. */
struct location {
	struct sbuf dir;
	struct sbuf base;
	struct sbuf path;	/* dir/base, for messages */
};

static void location_release(struct location *loc)
{
	sbuf_release(&loc->dir);
	sbuf_release(&loc->base);
	sbuf_release(&loc->path);
}

static enum ac_err locate(struct location *loc)
{
	memset(loc, 0, sizeof(*loc));
	if (override_path) {
		const char *slash = strrchr(override_path, '/');

		if (!slash) {
			sbuf_addstr(&loc->dir, ".");
			sbuf_addstr(&loc->base, override_path);
		} else {
			sbuf_add(&loc->dir, override_path,
				 slash == override_path ? 1 :
				 (size_t)(slash - override_path));
			sbuf_addstr(&loc->base, slash + 1);
		}
	} else {
		enum ac_err err = xdg_dir("XDG_DATA_HOME", ".local/share", "agentcred",
					  &loc->dir);

		if (err) {
			location_release(loc);
			return err;
		}
		sbuf_addstr(&loc->base, "secrets.json");
	}
	if (!loc->base.len) {
		location_release(loc);
		return ac_fail(AC_KEYRING, "the file store path %s names a directory — give a file name",
			       override_path);
	}
	sbuf_addf(&loc->path, "%s/%s", loc->dir.buf, loc->base.buf);
	return AC_OK;
}

/* mkdir -p with mode 0700 for every directory we create. */
static int mkdir_parents(const char *dir)
{
	char *p = xstrdup(dir), *s;
	int ret = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) && errno != EEXIST) {
				ret = -1;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

static enum ac_err check_owner_mode(const struct stat *st, const char *what,
				    const char *path, int is_dir)
{
	if (st->st_uid != geteuid())
		return ac_fail(AC_KEYRING, "the file store %s %s is owned by uid %lu, not by you — agentcred refuses it; remove it or give it to your user",
			       what, path, (unsigned long)st->st_uid);
	if (st->st_mode & 077)
		return ac_fail(AC_KEYRING, "the file store %s %s is accessible to other users (mode %04o) — agentcred refuses it; fix with: chmod %s %s",
			       what, path, (unsigned)(st->st_mode & 07777),
			       is_dir ? "700" : "600", path);
	return AC_OK;
}

/*
 * Open and check the directory.  *dirfd = -1 (and AC_OK) when it does not
 * exist and create is 0: the store is simply empty.
 */
static enum ac_err open_dir(const struct location *loc, int create, int *dirfd)
{
	struct stat st;
	int fd;
	enum ac_err err;

	*dirfd = -1;
	fd = open(loc->dir.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (!create)
			return AC_OK;
		if (mkdir_parents(loc->dir.buf))
			return ac_fail(AC_KEYRING, "cannot create the file store directory %s: %s",
				       loc->dir.buf, strerror(errno));
		fd = open(loc->dir.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return ac_fail(AC_KEYRING, "the file store directory %s is a symlink or not a directory — agentcred refuses it; replace it with a directory of mode 0700",
				       loc->dir.buf);
		return ac_fail(AC_KEYRING, "cannot open the file store directory %s: %s",
			       loc->dir.buf, strerror(errno));
	}
	if (fstat(fd, &st)) {
		err = ac_fail(AC_KEYRING, "cannot stat %s: %s", loc->dir.buf, strerror(errno));
		close(fd);
		return err;
	}
	if ((err = check_owner_mode(&st, "directory", loc->dir.buf, 1))) {
		close(fd);
		return err;
	}
	*dirfd = fd;
	return AC_OK;
}

/* Exclusive lock on "<base>.lock" in the directory, bounded wait. */
static enum ac_err lock_store(const struct location *loc, int dirfd, int *lockfd)
{
	struct sbuf name = SBUF_INIT, full = SBUF_INIT;
	struct stat st;
	enum ac_err err = AC_OK;
	int fd, waited = 0, limit = lock_wait_ms();

	sbuf_addf(&name, "%s.lock", loc->base.buf);
	sbuf_addf(&full, "%s.lock", loc->path.buf);	/* for messages */
	fd = openat(dirfd, name.buf, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = ac_fail(AC_KEYRING, "cannot open the file store lock %s: %s%s",
			      full.buf, strerror(errno),
			      errno == ELOOP ? " (a symlink: remove it)" : "");
		goto out;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = ac_fail(AC_KEYRING, "the file store lock %s is not a regular file — remove it",
			      full.buf);
		goto out;
	}
	if ((err = check_owner_mode(&st, "lock file", full.buf, 0)))
		goto out;
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			err = ac_fail(AC_KEYRING, "cannot lock the file store %s: %s",
				      loc->path.buf, strerror(errno));
			goto out;
		}
		if (waited >= limit) {
			err = ac_fail(AC_KEYRING, "the file store %s stayed locked by another agentcred for %d s — try again",
				      loc->path.buf, (limit + 999) / 1000);
			goto out;
		}
		nanosleep(&ts, NULL);
		waited += 10;
	}
out:
	if (err && fd >= 0) {
		close(fd);
		fd = -1;
	}
	*lockfd = fd;
	sbuf_release(&name);
	sbuf_release(&full);
	return err;
}

static enum ac_err corrupt(const struct location *loc, const char *why)
{
	return ac_fail(AC_KEYRING, "the file store %s is corrupt (%s) — repair or move it aside; agentcred does not overwrite it, so the entries in it are kept",
		       loc->path.buf, why);
}

/* NULL when it is a well-formed store; else what is wrong. */
static const char *validate(const cJSON *root)
{
	const cJSON *v, *items, *it;

	if (!cJSON_IsObject(root))
		return "not a JSON object";
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(v))
		return "no \"version\"";
	if (v->valuedouble != STORE_VERSION)
		return "unknown version: written by a newer agentcred?";
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (!cJSON_IsArray(items))
		return "no \"items\" array";
	cJSON_ArrayForEach(it, items) {
		const cJSON *a, *b, *attrs;
		int n = 0;

		if (!cJSON_IsObject(it))
			return "an item is not an object";
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "schema")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "label")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "secret")))
			return "an item lacks a string schema, label or secret";
		attrs = cJSON_GetObjectItemCaseSensitive(it, "attributes");
		if (!cJSON_IsObject(attrs))
			return "an item lacks its attributes";
		cJSON_ArrayForEach(a, attrs) {
			if (!cJSON_IsString(a) || !a->string)
				return "an attribute value is not a string";
			if (++n > MAX_ATTRS)
				return "an item has too many attributes";
			for (b = attrs->child; b != a; b = b->next)
				if (!strcmp(b->string, a->string))
					return "an item repeats an attribute";
		}
	}
	return NULL;
}

/* Parse file contents; an empty file is an empty store. */
static enum ac_err parse(const struct location *loc, const char *text,
			 size_t len, cJSON **root)
{
	const char *why;

	*root = NULL;
	if (len == 0) {
		*root = cJSON_CreateObject();
		cJSON_AddNumberToObject(*root, "version", STORE_VERSION);
		cJSON_AddArrayToObject(*root, "items");
		return AC_OK;
	}
	if (memchr(text, '\0', len))
		return corrupt(loc, "it contains a NUL byte");
	*root = json_parse_strict(text, len, 0, &why);
	if (!*root)
		return corrupt(loc, why ? why : "not valid JSON, perhaps truncated");
	if ((why = validate(*root))) {
		cJSON_Delete(*root);
		*root = NULL;
		return corrupt(loc, why);
	}
	return AC_OK;
}

/* Read and parse the store; a missing directory or file is an empty one. */
static enum ac_err load(const struct location *loc, int dirfd, cJSON **root)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	enum ac_err err;
	int fd = -1;

	if (dirfd >= 0)
		fd = openat(dirfd, loc->base.buf,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (dirfd < 0 || (fd < 0 && errno == ENOENT))
		return parse(loc, "", 0, root);
	if (fd < 0) {
		if (errno == ELOOP)
			return ac_fail(AC_KEYRING, "the file store %s is a symlink — agentcred refuses it; replace it with a regular file of mode 0600",
				       loc->path.buf);
		return ac_fail(AC_KEYRING, "cannot open the file store %s: %s",
			       loc->path.buf, strerror(errno));
	}
	if (fstat(fd, &st)) {
		err = ac_fail(AC_KEYRING, "cannot stat %s: %s", loc->path.buf, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ac_fail(AC_KEYRING, "the file store %s is not a regular file — agentcred refuses it; remove it",
			      loc->path.buf);
		goto out;
	}
	if ((err = check_owner_mode(&st, "file", loc->path.buf, 0)))
		goto out;
	/* refused before reading; read_fd_limited() bounds a file that grows */
	if (st.st_size > STORE_MAX) {
		err = ac_fail(AC_KEYRING, "the file store %s is larger than %d MiB — agentcred refuses it; move it aside",
			      loc->path.buf, STORE_MAX >> 20);
		goto out;
	}
	if (read_fd_limited(fd, STORE_MAX, loc->path.buf, &text, &len)) {
		/* the same line, as the keyring failure it is */
		err = ac_fail(AC_KEYRING, "%s", ac_message());
		goto out;
	}
	err = parse(loc, text, len, root);
out:
	sec_free(text);
	close(fd);
	return err;
}

/*
 * Atomic replace (helper/lib/atomicfile.c).  Called with the lock held, so no
 * live writer owns a temporary file: each one found is what a killed
 * agentcred left between create and rename, and is removed.
 */
static enum ac_err save(const struct location *loc, int dirfd, const cJSON *root)
{
	char *text = cJSON_Print(root);
	size_t len;
	enum ac_err err;

	if (!text)
		return ac_fail(AC_FAIL, "out of memory");
	len = strlen(text);
	if (len + 1 > STORE_MAX) {
		err = ac_fail(AC_KEYRING, "the file store %s would grow beyond %d MiB — remove entries you no longer need",
			      loc->path.buf, STORE_MAX >> 20);
	} else {
		atomic_drop_leftovers(dirfd, loc->base.buf);
		err = atomic_replace(dirfd, loc->dir.buf, loc->base.buf, text,
				     len, AC_KEYRING);
	}
	sec_free(text);
	return err;
}

static const char *str_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Every given pair present (NULL values are wildcards). */
static int matches(const cJSON *it, const char *schema,
		   const struct kr_attr *attrs, size_t nattrs, unsigned flags)
{
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(it, "attributes");
	size_t i;

	if (schema && !(flags & KR_ANY_SCHEMA) && strcmp(str_of(it, "schema"), schema))
		return 0;
	for (i = 0; i < nattrs; i++) {
		const char *v;

		if (!attrs[i].value)
			continue;
		v = str_of(have, attrs[i].name);
		if (!v || strcmp(v, attrs[i].value))
			return 0;
	}
	return 1;
}

/* Same schema and exactly the same attribute set. */
static int same_item(const cJSON *it, const char *schema,
		     const struct kr_attr *attrs, size_t nattrs)
{
	size_t i, given = 0;

	if (!schema || !matches(it, schema, attrs, nattrs, 0))
		return 0;
	for (i = 0; i < nattrs; i++)
		if (attrs[i].value)
			given++;
	return (size_t)cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(it, "attributes")) == given;
}

/* Open (creating when asked), lock when writing, and load. */
struct session {
	struct location loc;
	int dirfd;
	int lockfd;
	cJSON *root;
};

static enum ac_err begin(struct session *s, int write)
{
	enum ac_err err;

	s->dirfd = s->lockfd = -1;
	s->root = NULL;
	if ((err = locate(&s->loc)))
		return err;
	if ((err = open_dir(&s->loc, write, &s->dirfd)))
		goto fail;
	if (write && (err = lock_store(&s->loc, s->dirfd, &s->lockfd)))
		goto fail;
	if ((err = load(&s->loc, s->dirfd, &s->root)))
		goto fail;
	return AC_OK;
fail:
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	location_release(&s->loc);
	return err;
}

static void end(struct session *s)
{
	cJSON_Delete(s->root);
	if (s->lockfd >= 0)
		close(s->lockfd);	/* releases the flock */
	if (s->dirfd >= 0)
		close(s->dirfd);
	location_release(&s->loc);
}

static void fill_item(struct kr_item *out, const cJSON *it)
{
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(it, "attributes");
	const cJSON *a;
	const char *secret = str_of(it, "secret");
	size_t n = (size_t)cJSON_GetArraySize(attrs), i = 0;

	memset(out, 0, sizeof(*out));
	out->schema = xstrdup(str_of(it, "schema"));
	out->label = xstrdup(str_of(it, "label"));
	out->names = xcalloc(n, sizeof(char *));
	out->values = xcalloc(n, sizeof(char *));
	cJSON_ArrayForEach(a, attrs) {
		out->names[i] = xstrdup(a->string);
		out->values[i] = xstrdup(a->valuestring);
		i++;
	}
	out->nattrs = i;
	out->secret_len = strlen(secret);
	out->secret = xstrdup(secret);
}

static void fs_free_items(struct kr_item *items, size_t count)
{
	size_t i;

	for (i = 0; items && i < count; i++)
		kr_item_release(&items[i]);
	free(items);
}

static enum ac_err fs_search(const char *schema, const struct kr_attr *attrs,
			     size_t nattrs, unsigned flags,
			     struct kr_item **items, size_t *count)
{
	struct session s;
	const cJSON *it;
	size_t n = 0, alloc = 0;
	struct kr_item *out = NULL;
	enum ac_err err;

	*items = NULL;
	*count = 0;
	if ((err = begin(&s, 0)))
		return err;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(s.root, "items")) {
		if (!matches(it, schema, attrs, nattrs, flags))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 4;
			out = xrealloc(out, alloc * sizeof(*out));
		}
		fill_item(&out[n++], it);	/* sets every field */
		if (flags & KR_FIRST_ONLY)
			break;
	}
	end(&s);
	*items = out;
	*count = n;
	return AC_OK;
}

static enum ac_err fs_store(const char *schema, const char *label,
			    const struct kr_attr *attrs, size_t nattrs,
			    const char *secret, size_t secret_len)
{
	struct session s;
	cJSON *list, *it, *next, *obj;
	size_t i, j, given = 0;
	enum ac_err err;

	if (!schema)
		return ac_fail(AC_FAIL, "internal: a keyring item needs a schema");
	if (memchr(secret, '\0', secret_len))
		return ac_fail(AC_FAIL, "the secret contains a NUL byte, which the file store cannot keep");
	/* never write what validate() would call corrupt */
	for (i = 0; i < nattrs; i++)
		given += attrs[i].value != NULL;
	if (given > MAX_ATTRS)
		return ac_fail(AC_FAIL, "internal: more than %d keyring attributes",
			       MAX_ATTRS);
	for (i = 0; i < nattrs; i++)
		for (j = 0; j < i; j++)
			if (attrs[i].value && attrs[j].value &&
			    !strcmp(attrs[i].name, attrs[j].name))
				return ac_fail(AC_FAIL, "internal: attribute %s given twice",
					       attrs[i].name);
	if ((err = begin(&s, 1)))
		return err;
	list = cJSON_GetObjectItemCaseSensitive(s.root, "items");
	for (it = list->child; it; it = next) {
		next = it->next;
		if (same_item(it, schema, attrs, nattrs))
			cJSON_Delete(cJSON_DetachItemViaPointer(list, it));
	}
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "schema", schema);
	cJSON_AddStringToObject(it, "label", label ? label : "");
	obj = cJSON_AddObjectToObject(it, "attributes");
	for (i = 0; i < nattrs; i++)
		if (attrs[i].value)
			cJSON_AddStringToObject(obj, attrs[i].name, attrs[i].value);
	{
		char *copy = xstrndup(secret, secret_len);

		cJSON_AddStringToObject(it, "secret", copy);
		sec_free(copy);
	}
	cJSON_AddItemToArray(list, it);
	err = save(&s.loc, s.dirfd, s.root);
	end(&s);
	return err;
}

/* Delete items that match; with secret, only that very item (same_item). */
static enum ac_err drop(const char *schema, const struct kr_attr *attrs,
			size_t nattrs, const char *secret)
{
	struct session s;
	cJSON *list, *it, *next;
	enum ac_err err;
	int changed = 0;

	if ((err = begin(&s, 1)))
		return err;
	list = cJSON_GetObjectItemCaseSensitive(s.root, "items");
	for (it = list->child; it; it = next) {
		int hit = secret ? same_item(it, schema, attrs, nattrs) &&
				   !strcmp(str_of(it, "secret"), secret) :
				   matches(it, schema, attrs, nattrs, 0);

		next = it->next;
		if (!hit)
			continue;
		cJSON_Delete(cJSON_DetachItemViaPointer(list, it));
		changed = 1;
	}
	if (changed)
		err = save(&s.loc, s.dirfd, s.root);
	end(&s);
	return err;
}

static enum ac_err fs_remove(const struct kr_item *item)
{
	struct kr_attr *attrs = xcalloc(item->nattrs, sizeof(*attrs));
	enum ac_err err;
	size_t i;

	for (i = 0; i < item->nattrs; i++) {
		attrs[i].name = item->names[i];
		attrs[i].value = item->values[i];
	}
	/* the secret too: a concurrent replacement is not deleted */
	err = drop(item->schema, attrs, item->nattrs,
		   item->secret ? item->secret : "");
	free(attrs);
	return err;
}

static enum ac_err fs_clear(const char *schema, const struct kr_attr *attrs,
			    size_t nattrs)
{
	return drop(schema, attrs, nattrs, NULL);
}

const struct keyring_ops file_store_ops = {
	AGENTCRED_MODULE_ABI,	/* linked in, but the same table */
	"file",
	fs_search,
	fs_store,
	fs_remove,
	fs_clear,
	fs_free_items,
	NULL,		/* provider */
};
