/*
 * Memory that may hold secrets.  Rules:
 *  - every buffer that ever held a secret is released with sec_free(),
 *    which wipes the whole allocation (malloc_usable_size) before free();
 *  - cJSON allocates through the same wiping free (secmem_init installs
 *    the hooks), so parsed token responses and keyring JSON are wiped too;
 *  - allocation failure is fatal (exit 1, "out of memory"), as in git.
 */
#ifndef AGENTCRED_SECMEM_H
#define AGENTCRED_SECMEM_H

#include <stddef.h>

/* umask(077), core dumps off, cJSON hooks.  Call first thing in main(). */
void secmem_init(void);
/* 1: cJSON allocates without wiping (non-secret JSON only); 0: wiping again. */
void secmem_cjson_plain(int plain);

void secmem_wipe(void *p, size_t n);
void sec_free(void *p);
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);	/* wipes the old block when it moves */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Test hook: called with (pointer, size) just before a block is freed. */
extern void (*secmem_free_observer)(const void *p, size_t n);

#endif
