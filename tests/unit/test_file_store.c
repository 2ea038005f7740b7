/*
 * The plaintext file store (keyring/file_store.c) and agentcred's items on
 * top of it (keyring/keyring.c): round trips, matching rules, replacement,
 * deletion, modes, refusal of unsafe files, corrupt files left untouched,
 * and concurrent writers that must not lose each other's entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../helper/kcache.h"
#include "../../helper/token.h"
#include "../../helper/lib/secmem.h"
#include "../../keyring/keyring.h"
#include "check.h"

static char top[256], dir[300], path[350];
static const struct keyring_ops *fs = &file_store_ops;

static const struct kr_attr a_p1[] = { { "kind", "a" }, { "profile", "p1" } };
static const struct kr_attr a_p2[] = { { "kind", "a" }, { "profile", "p2" } };

static size_t count(const char *schema, const struct kr_attr *attrs,
		    size_t n, unsigned flags)
{
	struct kr_item *items = NULL;
	size_t c = 0;

	if (fs->search(schema, attrs, n, flags, &items, &c))
		return (size_t)-1;
	fs->free_items(items, c);
	return c;
}

static char *slurp(const char *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(p, "r");

	if (!f)
		return NULL;
	buf = calloc(1, 8 * 1024 * 1024);
	len = fread(buf, 1, 8 * 1024 * 1024 - 1, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	fputs(text, f);
	fclose(f);
	chmod(p, 0600);
}

static void test_round_trip(void)
{
	struct kr_item *items = NULL;
	size_t n = 0;
	struct stat st;

	/* nothing there yet: a miss, and nothing created by a read */
	CHECK_INT(count("s.A", a_p1, 2, 0), 0);
	CHECK(stat(dir, &st) && errno == ENOENT);

	CHECK_INT(fs->store("s.A", "label one", a_p1, 2, "secret-1", 8), AC_OK);
	CHECK(!stat(dir, &st) && S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0700);
	CHECK(!stat(path, &st) && S_ISREG(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0600);

	CHECK_INT(fs->search("s.A", a_p1, 2, 0, &items, &n), AC_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(items[0].schema, "s.A");
		CHECK_STR(items[0].label, "label one");
		CHECK_STR(items[0].secret, "secret-1");
		CHECK_INT(items[0].secret_len, 8);
		CHECK_INT(items[0].nattrs, 2);
		CHECK_STR(kr_item_attr(&items[0], "kind"), "a");
		CHECK_STR(kr_item_attr(&items[0], "profile"), "p1");
		CHECK(kr_item_attr(&items[0], "key") == NULL);
	}
	fs->free_items(items, n);
}

static void test_matching(void)
{
	const struct kr_attr prof[] = { { "profile", "p1" } };
	const struct kr_attr kind[] = { { "kind", "a" } };
	const struct kr_attr nope[] = { { "kind", "zzz" } };
	const struct kr_attr wild[] = { { "kind", "a" }, { "profile", NULL } };
	const struct kr_attr a_p1_k[] = {
		{ "kind", "a" }, { "profile", "p1" }, { "key", "k1" }
	};

	CHECK_INT(fs->store("s.A", "two", a_p2, 2, "secret-2", 8), AC_OK);
	CHECK_INT(fs->store("s.A", "three", a_p1_k, 3, "secret-3", 8), AC_OK);
	CHECK_INT(fs->store("s.B", "other schema", a_p1, 2, "secret-4", 8), AC_OK);

	CHECK_INT(count("s.A", prof, 1, 0), 2);		/* p1 and p1+key */
	CHECK_INT(count("s.A", kind, 1, 0), 3);
	CHECK_INT(count("s.A", wild, 2, 0), 3);		/* NULL: wildcard */
	CHECK_INT(count("s.A", nope, 1, 0), 0);
	CHECK_INT(count("s.A", NULL, 0, 0), 3);
	CHECK_INT(count("s.B", NULL, 0, 0), 1);
	CHECK_INT(count("s.C", a_p1, 2, 0), 0);
	CHECK_INT(count("s.C", a_p1, 2, KR_ANY_SCHEMA), 3);	/* 2 in s.A, 1 in s.B */
	CHECK_INT(count("s.A", kind, 1, KR_FIRST_ONLY), 1);
	CHECK_INT(count("s.A", a_p1_k, 3, 0), 1);
}

static void test_replace(void)
{
	struct kr_item *items = NULL;
	size_t n = 0;

	/* same schema and attribute set: replaced, not duplicated */
	CHECK_INT(fs->store("s.A", "one again", a_p1, 2, "secret-1b", 9), AC_OK);
	CHECK_INT(fs->search("s.A", a_p1, 2, 0, &items, &n), AC_OK);
	CHECK_INT(n, 2);	/* the exact item and the one with "key" */
	{
		size_t i, exact = 0;

		for (i = 0; i < n; i++)
			if (items[i].nattrs == 2) {
				exact++;
				CHECK_STR(items[i].secret, "secret-1b");
				CHECK_STR(items[i].label, "one again");
			}
		CHECK_INT(exact, 1);
	}
	fs->free_items(items, n);
	/* the other schema's item with the same attributes is untouched */
	CHECK_INT(fs->search("s.B", a_p1, 2, 0, &items, &n), AC_OK);
	CHECK(n == 1 && !strcmp(items[0].secret, "secret-4"));
	fs->free_items(items, n);

	/* secrets with quotes, backslashes, newlines and UTF-8 survive */
	{
		static const char odd[] = "a\"b\\c\nd\té€";
		const struct kr_attr at[] = { { "kind", "odd" } };

		CHECK_INT(fs->store("s.A", "odd", at, 1, odd, strlen(odd)), AC_OK);
		CHECK_INT(fs->search("s.A", at, 1, 0, &items, &n), AC_OK);
		CHECK(n == 1 && items[0].secret_len == strlen(odd) &&
		      !memcmp(items[0].secret, odd, strlen(odd)));
		fs->free_items(items, n);
		CHECK_INT(fs->clear("s.A", at, 1), AC_OK);
	}
	/* more attributes than a load accepts: refused, nothing written */
	{
		struct kr_attr many[65];
		char names[65][8], *before = slurp(path), *after;
		size_t i;

		for (i = 0; i < 65; i++) {
			snprintf(names[i], sizeof(names[i]), "a%zu", i);
			many[i].name = names[i];
			many[i].value = "v";
		}
		CHECK(fs->store("s.A", "many", many, 65, "x", 1) != AC_OK);
		CHECK(strstr(ac_message(), "attributes") != NULL);
		after = slurp(path);
		CHECK(before && after && !strcmp(before, after));
		free(before);
		free(after);
		CHECK_INT(fs->store("s.A", "64", many, 64, "x", 1), AC_OK);
		CHECK_INT(count("s.A", many, 64, 0), 1);
		CHECK_INT(fs->clear("s.A", many, 64), AC_OK);
	}
	/* a store that would pass the size limit: refused, file unchanged */
	{
		size_t big = 4 * 1024 * 1024;
		char *secret = malloc(big + 1), *before = slurp(path), *after;

		memset(secret, 'x', big);
		secret[big] = '\0';
		CHECK_INT(fs->store("s.A", "big", a_p2, 2, secret, big), AC_KEYRING);
		CHECK(strstr(ac_message(), "would grow beyond") != NULL);
		after = slurp(path);
		CHECK(before && after && !strcmp(before, after));
		free(before);
		free(after);
		free(secret);
	}
	/* a NUL byte cannot be kept in JSON text: refused, not truncated */
	CHECK(fs->store("s.A", "nul", a_p2, 2, "ab\0cd", 5) != AC_OK);
	CHECK_INT(fs->search("s.A", a_p2, 2, 0, &items, &n), AC_OK);
	CHECK(n == 1 && !strcmp(items[0].secret, "secret-2"));
	fs->free_items(items, n);
}

static void test_remove_clear(void)
{
	struct kr_item *items = NULL, *stale = NULL;
	size_t n = 0, ns = 0;
	const struct kr_attr prof1[] = { { "profile", "p1" } };
	const struct kr_attr none[] = { { "profile", "nobody" } };

	/* remove deletes exactly the item it was given */
	CHECK_INT(fs->search("s.A", a_p2, 2, 0, &items, &n), AC_OK);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(fs->remove(&items[0]), AC_OK);
	fs->free_items(items, n);
	CHECK_INT(count("s.A", a_p2, 2, 0), 0);
	CHECK_INT(count("s.A", NULL, 0, 0), 2);

	/* an item replaced since it was read is not deleted by remove */
	CHECK_INT(fs->store("s.A", "two", a_p2, 2, "old", 3), AC_OK);
	CHECK_INT(fs->search("s.A", a_p2, 2, 0, &stale, &ns), AC_OK);
	CHECK_INT(fs->store("s.A", "two", a_p2, 2, "new", 3), AC_OK);
	if (ns == 1)
		CHECK_INT(fs->remove(&stale[0]), AC_OK);
	fs->free_items(stale, ns);
	CHECK_INT(count("s.A", a_p2, 2, 0), 1);

	/* clear: every match of the schema; none matching is fine */
	CHECK_INT(fs->clear("s.A", none, 1), AC_OK);
	CHECK_INT(fs->clear("s.A", prof1, 1), AC_OK);
	CHECK_INT(count("s.A", prof1, 1, 0), 0);
	CHECK_INT(count("s.B", prof1, 1, 0), 1);	/* other schema kept */
	CHECK_INT(count("s.A", a_p2, 2, 0), 1);
}

static void test_refusals(void)
{
	char other[400], *before, *after;
	struct kr_item *items = NULL;
	size_t n = 0;

	/* group/other bits on the file */
	chmod(path, 0644);
	CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
	CHECK(strstr(ac_message(), "chmod 600") != NULL);
	CHECK(strstr(ac_message(), path) != NULL);
	CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
	chmod(path, 0600);
	CHECK_INT(count("s.A", a_p1, 2, 0), 0);		/* store did nothing */

	/* ... and on the directory */
	chmod(dir, 0755);
	CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
	CHECK(strstr(ac_message(), "chmod 700") != NULL);
	chmod(dir, 0700);

	/* the lock file: its own path in the message, and never followed */
	{
		char lock[400], msg[900];

		snprintf(lock, sizeof(lock), "%s.lock", path);
		chmod(lock, 0644);
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
		snprintf(msg, sizeof(msg), "chmod 600 %s", lock);
		CHECK(strstr(ac_message(), msg) != NULL);
		chmod(lock, 0600);
		CHECK(!unlink(lock));
		CHECK(!symlink("/dev/null", lock));
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
		CHECK(strstr(ac_message(), "symlink") != NULL);
		CHECK(!unlink(lock));
		CHECK(!mkdir(lock, 0700));
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
		CHECK(strstr(ac_message(), lock) != NULL);
		CHECK(!rmdir(lock));
		CHECK_INT(count("s.A", a_p1, 2, 0), 0);	/* nothing stored */
	}

	/* another writer that never lets go: a bounded wait, then a refusal */
	{
		char lock[400];
		int fd;

		struct timespec t0, t1;
		long long ms;

		snprintf(lock, sizeof(lock), "%s.lock", path);
		fd = open(lock, O_RDWR | O_CREAT, 0600);
		CHECK(fd >= 0 && !flock(fd, LOCK_EX));
		/* the test build's shorter wait (release builds: 10 s) */
		setenv("AGENTCRED_TEST_FILE_LOCK_MS", "300", 1);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		unsetenv("AGENTCRED_TEST_FILE_LOCK_MS");
		ms = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		CHECK(ms >= 300);	/* it did wait for the other writer */
		CHECK(strstr(ac_message(), "stayed locked") != NULL);
		CHECK(strstr(ac_message(), "for 1 s") != NULL);
		CHECK_INT(count("s.A", a_p1, 2, 0), 0);	/* readers need no lock */
		close(fd);
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_OK);
		CHECK_INT(fs->clear("s.A", a_p1, 2), AC_OK);
	}

	/* another owner (only root can set that up) */
	if (geteuid() == 0) {
		CHECK(!chown(path, 1, 1));
		CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
		CHECK(strstr(ac_message(), "owned by uid 1") != NULL);
		CHECK(!chown(path, 0, 0));
		CHECK(!chown(dir, 1, 1));
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
		CHECK(!chown(dir, 0, 0));
	}

	/* a symlink in place of the file: neither read nor written through */
	snprintf(other, sizeof(other), "%s/elsewhere.json", top);
	CHECK(!rename(path, other));
	CHECK(!symlink(other, path));
	before = slurp(other);
	CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
	CHECK(strstr(ac_message(), "symlink") != NULL);
	CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
	after = slurp(other);
	CHECK(before && after && !strcmp(before, after));
	free(before);
	free(after);
	CHECK(!unlink(path));
	CHECK(!rename(other, path));
	CHECK_INT(count("s.A", a_p2, 2, 0), 1);

	/* a symlink in place of the directory */
	{
		char realdir[400];

		snprintf(realdir, sizeof(realdir), "%s/realdir", top);
		CHECK(!rename(dir, realdir));
		CHECK(!symlink(realdir, dir));
		CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
		CHECK(strstr(ac_message(), "symlink") != NULL);
		CHECK(!unlink(dir));
		CHECK(!rename(realdir, dir));
	}
	/* not a regular file */
	{
		char fifo[400];

		snprintf(fifo, sizeof(fifo), "%s/fifo", top);
		CHECK(!rename(path, fifo));
		CHECK(!mkfifo(path, 0600));
		CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
		CHECK(!unlink(path));
		CHECK(!rename(fifo, path));
	}
	CHECK_INT(count("s.A", a_p2, 2, 0), 1);
}

static void test_corrupt(void)
{
	static const char *bad[] = {
		"{\"version\": 1, \"items\": [{\"schema\": \"s.A\", \"lab",
		"[]",
		"{\"version\": 2, \"items\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"items\": [1]}",
		"{\"version\": 1, \"items\": [{\"schema\": \"s\", \"label\": \"l\", \"secret\": 5, \"attributes\": {}}]}",
		"{\"version\": 1, \"items\": [{\"schema\": \"s\", \"label\": \"l\", \"secret\": \"x\", \"attributes\": {\"a\": 1}}]}",
		"{\"version\": 1, \"items\": [{\"schema\": \"s\", \"label\": \"l\", \"secret\": \"x\", \"attributes\": {\"a\": \"1\", \"a\": \"2\"}}]}",
		"{\"version\": 1, \"items\": [{\"schema\": \"s\", \"label\": \"l\", \"secret\": \"x\", \"secret\": \"y\", \"attributes\": {}}]}",
		"{\"version\": 1, \"items\": [{\"schema\": \"s\", \"label\": \"l\", \"secret\": \"x\\u0000y\", \"attributes\": {}}]}",
		"not json at all",
	};
	char *good = slurp(path), *now;
	struct kr_item *items = NULL;
	size_t i, n = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		spit(path, bad[i]);
		CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
		CHECK(strstr(ac_message(), "corrupt") != NULL);
		CHECK(strstr(ac_message(), path) != NULL);
		/* a store must not replace it: the other entries are in there */
		CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_KEYRING);
		CHECK_INT(fs->clear("s.A", NULL, 0), AC_KEYRING);
		now = slurp(path);
		CHECK(now && !strcmp(now, bad[i]));
		free(now);
	}
	/* an empty file is an empty store */
	spit(path, "");
	CHECK_INT(count("s.A", NULL, 0, 0), 0);

	/* too large: refused before parsing */
	{
		char *big = malloc(5 * 1024 * 1024);

		memset(big, ' ', 5 * 1024 * 1024 - 1);
		big[5 * 1024 * 1024 - 1] = '\0';
		spit(path, big);
		free(big);
		CHECK_INT(fs->search("s.A", NULL, 0, 0, &items, &n), AC_KEYRING);
		CHECK(strstr(ac_message(), "MiB") != NULL);
	}
	if (good)
		spit(path, good);
	free(good);
	CHECK_INT(count("s.A", a_p2, 2, 0), 1);
}

static void test_concurrent(void)
{
	enum { KIDS = 8, EACH = 12 };
	const struct kr_attr kind[] = { { "kind", "conc" } };
	int i, status, ok = 1;

	for (i = 0; i < KIDS; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int j, bad = 0;

			for (j = 0; j < EACH; j++) {
				char who[32], key[32];
				struct kr_attr at[] = {
					{ "kind", "conc" }, { "who", who }, { "key", key }
				};

				snprintf(who, sizeof(who), "%d", i);
				snprintf(key, sizeof(key), "%d", j);
				if (fs->store("s.A", "conc", at, 3, key, strlen(key)))
					bad = 1;
			}
			_exit(bad);
		}
	}
	for (i = 0; i < KIDS; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	}
	CHECK(ok);
	CHECK_INT(count("s.A", kind, 1, 0), KIDS * EACH);
	CHECK_INT(fs->clear("s.A", kind, 1), AC_OK);
	CHECK_INT(count("s.A", kind, 1, 0), 0);
	CHECK_INT(count("s.A", a_p2, 2, 0), 1);
}

static void test_default_location(void)
{
	char xdg[400], want[450], home[400];
	struct stat st;

	snprintf(xdg, sizeof(xdg), "%s/xdg/data", top);
	snprintf(want, sizeof(want), "%s/agentcred/secrets.json", xdg);
	file_store_set_path(NULL);
	setenv("XDG_DATA_HOME", xdg, 1);
	CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_OK);
	CHECK(!stat(want, &st) && (st.st_mode & 07777) == 0600);
	snprintf(want, sizeof(want), "%s/agentcred", xdg);
	CHECK(!stat(want, &st) && (st.st_mode & 07777) == 0700);

	/* a relative $XDG_DATA_HOME is ignored (XDG spec): ~/.local/share */
	snprintf(home, sizeof(home), "%s/home", top);
	CHECK(!mkdir(home, 0700));
	setenv("HOME", home, 1);
	setenv("XDG_DATA_HOME", "relative/path", 1);
	CHECK_INT(fs->store("s.A", "x", a_p1, 2, "x", 1), AC_OK);
	snprintf(want, sizeof(want), "%s/.local/share/agentcred/secrets.json", home);
	CHECK(!stat(want, &st));
	file_store_set_path(path);
}

static void test_agentcred_items(void)
{
	char *secret = NULL, *value = NULL;
	size_t len = 0;
	struct kr_item *items = NULL;
	size_t n = 0;
	const struct keyring_ops *ops = NULL;
	const struct kr_attr prof[] = { { "profile", "ut" } };

	keyring_select("bogus");
	CHECK_INT(keyring_get(&ops), AC_USAGE);
	keyring_select("file");
	CHECK_INT(keyring_get(&ops), AC_OK);
	CHECK(ops == &file_store_ops);

	CHECK_INT(kr_client_secret_get("ut", &secret), AC_NOTFOUND);
	CHECK(strstr(ac_message(), "agentcred profile add ut") != NULL);
	CHECK_INT(kr_client_secret_put("ut", "cs-1"), AC_OK);
	CHECK_INT(kr_client_secret_get("ut", &secret), AC_OK);
	CHECK_STR(secret, "cs-1");
	sec_free(secret);
	secret = NULL;

	CHECK_INT(kr_token_get("ut", "abc", &value, &len), AC_NOTFOUND);
	CHECK_INT(kr_token_put("ut", "abc", "https://x/.default", "{\"t\":1}", 7), AC_OK);
	CHECK_INT(kr_token_put("ut", "def", NULL, "{\"t\":2}", 7), AC_OK);
	CHECK_INT(kr_token_get("ut", "abc", &value, &len), AC_OK);
	CHECK(value && len == 7 && !strcmp(value, "{\"t\":1}"));
	sec_free(value);
	value = NULL;

	/* labels and attributes as in README.md, "Design: keyring layout";
	 * no secret in them */
	CHECK_INT(file_store_ops.search(KR_SCHEMA_AGENTCRED, prof, 1, 0, &items, &n), AC_OK);
	CHECK_INT(n, 3);
	{
		size_t i, found = 0;

		for (i = 0; i < n; i++) {
			const char *kind = kr_item_attr(&items[i], "kind");
			size_t j;

			CHECK_STR(items[i].schema, KR_SCHEMA_AGENTCRED);
			CHECK_STR(kr_item_attr(&items[i], "profile"), "ut");
			for (j = 0; j < items[i].nattrs; j++)
				CHECK(!strstr(items[i].values[j], items[i].secret));
			CHECK(!strstr(items[i].label, items[i].secret));
			if (kind && !strcmp(kind, "client-secret"))
				found += !strcmp(items[i].label, "agentcred: client secret for ut");
			else if (!strcmp(kr_item_attr(&items[i], "key"), "abc"))
				found += !strcmp(items[i].label, "agentcred: token for ut (https://x/.default)");
			else
				found += !strcmp(items[i].label, "agentcred: token for ut");
		}
		CHECK_INT(found, 3);
	}
	file_store_ops.free_items(items, n);

	CHECK_INT(kr_token_drop("ut", "abc"), AC_OK);
	CHECK_INT(kr_token_get("ut", "abc", &value, &len), AC_NOTFOUND);
	CHECK_INT(kr_token_get("ut", "def", &value, &len), AC_OK);
	sec_free(value);
	value = NULL;

	/*
	 * Storage knows no cache policy: a new secret leaves the tokens alone;
	 * the cache drops them (token_forget_profile, called by profile add).
	 */
	CHECK_INT(kr_token_put("ut", "abc", "s", "{}", 2), AC_OK);
	CHECK_INT(kr_token_put("other", "abc", "s", "{}", 2), AC_OK);
	CHECK_INT(kr_client_secret_put("ut", "cs-2"), AC_OK);
	CHECK_INT(kr_token_get("ut", "abc", &value, &len), AC_OK);
	sec_free(value);
	value = NULL;
	CHECK_INT(token_forget_profile("ut"), AC_OK);
	CHECK_INT(kr_token_get("ut", "abc", &value, &len), AC_NOTFOUND);
	CHECK_INT(kr_token_get("ut", "def", &value, &len), AC_NOTFOUND);
	CHECK_INT(kr_token_get("other", "abc", &value, &len), AC_OK);
	sec_free(value);
	value = NULL;
	CHECK_INT(kr_client_secret_get("ut", &secret), AC_OK);
	CHECK_STR(secret, "cs-2");
	sec_free(secret);
	secret = NULL;

	CHECK_INT(kr_token_put("ut", "abc", "s", "{}", 2), AC_OK);
	CHECK_INT(kr_tokens_drop_profile("ut"), AC_OK);
	CHECK_INT(kr_client_secret_get("ut", &secret), AC_OK);
	sec_free(secret);
	secret = NULL;
	CHECK_INT(kr_profile_drop_all("ut"), AC_OK);
	CHECK_INT(kr_client_secret_get("ut", &secret), AC_NOTFOUND);
	CHECK_INT(kr_token_get("other", "abc", &value, &len), AC_OK);
	sec_free(value);
	CHECK_INT(kr_profile_drop_all("other"), AC_OK);
	CHECK_INT(kr_profile_drop_all("nobody"), AC_OK);
}

int main(void)
{
	secmem_init();
	kcache_set_enabled(0);	/* no kernel keyring side effects */
	snprintf(top, sizeof(top), "%s/ac-fs-XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/store", top);
	snprintf(path, sizeof(path), "%s/secrets.json", dir);
	file_store_set_path(path);

	test_round_trip();
	test_matching();
	test_replace();
	test_remove_clear();
	test_refusals();
	test_corrupt();
	test_concurrent();
	test_default_location();
	test_agentcred_items();

	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", top);
	}
	return check_done("test_file_store");
}
