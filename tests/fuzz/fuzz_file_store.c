/*
 * libFuzzer: arbitrary bytes as the file store (secrets.json).  Each input
 * is written to a private 0700 directory, then searched (any schema, with
 * and without attributes) and, when it parsed, stored into and cleared, so
 * the parser, the validation and the rewrite all see hostile input.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../helper/lib/err.h"
#include "../../helper/lib/secmem.h"
#include "../../keyring/keyring.h"

static char dir[] = "/tmp/ac-fuzz-fs-XXXXXX";
static char path[300];

static void cleanup(void)
{
	char lock[320];

	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(path);
	unlink(lock);
	rmdir(dir);
}

static void setup(void)
{
	secmem_init();
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/secrets.json", dir);
	file_store_set_path(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const struct kr_attr attrs[] = { { "kind", "token" }, { "profile", "p" } };
	struct kr_item *items = NULL;
	size_t n = 0, i, j;
	int fd;

	if (!ready) {
		setup();
		ready = 1;
	}
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	if (file_store_ops.search(KR_SCHEMA_AGENTCRED, NULL, 0, KR_ANY_SCHEMA,
				  &items, &n) == AC_OK) {
		for (i = 0; i < n; i++) {
			/* every field must be a usable string */
			if (strlen(items[i].secret) != items[i].secret_len)
				abort();
			for (j = 0; j < items[i].nattrs; j++)
				if (!kr_item_attr(&items[i], items[i].names[j]))
					abort();
		}
		if (n)
			file_store_ops.remove(&items[0]);
		file_store_ops.free_items(items, n);
		file_store_ops.search(KR_SCHEMA_AGENTCRED, attrs, 2, KR_FIRST_ONLY,
				      &items, &n);
		file_store_ops.free_items(items, n);
		file_store_ops.store(KR_SCHEMA_AGENTCRED, "l", attrs, 2, "s", 1);
		file_store_ops.clear(KR_SCHEMA_AGENTCRED, attrs, 2);
	}
	ac_clear();
	return 0;
}
