/*
 * Wiping allocator.  Every free of a block that may have held a secret
 * goes through sec_free(), which clears malloc_usable_size() bytes first;
 * cJSON is pointed at the same functions so its copies are wiped too.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "secmem.h"

void (*secmem_free_observer)(const void *p, size_t n);

static void die_oom(void)
{
	static const char msg[] = "agentcred: out of memory\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

void secmem_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void sec_free(void *p)
{
	size_t n;

	if (!p)
		return;
	n = malloc_usable_size(p);
	explicit_bzero(p, n);
	if (secmem_free_observer)
		secmem_free_observer(p, n);
	free(p);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		die_oom();
	return p;
}

/* realloc() could leave a copy of a secret behind: move by hand. */
void *xrealloc(void *old, size_t n)
{
	void *p;
	size_t oldn;

	if (!old)
		return xmalloc(n);
	oldn = malloc_usable_size(old);
	if (n <= oldn)
		return old;
	p = xmalloc(n);
	memcpy(p, old, oldn);
	sec_free(old);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void *cjson_malloc(size_t n)
{
	return xmalloc(n);
}

/*
 * JSON that holds no secret (the config file, read on every cache hit):
 * plain malloc/free while it is parsed and freed, so a config of 100
 * profiles costs no wiping of every node.  Restores the wiping hooks.
 */
void secmem_cjson_plain(int plain)
{
	cJSON_Hooks wiping = { cjson_malloc, sec_free }, fast = { malloc, free };

	cJSON_InitHooks(plain ? &fast : &wiping);
}

void secmem_init(void)
{
	struct rlimit no_core = { 0, 0 };
	cJSON_Hooks hooks = { cjson_malloc, sec_free };

	umask(077);
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	cJSON_InitHooks(&hooks);
}
