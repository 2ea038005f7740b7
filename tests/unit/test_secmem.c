/*
 * helper/lib/secmem.c and sbuf: every release wipes.  secmem_free_observer
 * sees each block just before free(), so the test can look at the bytes
 * while they are still ours.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../helper/lib/sbuf.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

static int frees, dirty;
static const void *last_p;
static size_t last_n;

static void observe(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	frees++;
	last_p = p;
	last_n = n;
	for (i = 0; i < n; i++)
		if (b[i]) {
			dirty++;
			break;
		}
}

static void reset(void)
{
	frees = dirty = 0;
	last_p = NULL;
	last_n = 0;
}

int main(void)
{
	char *p, *q;
	struct sbuf sb = SBUF_INIT;
	cJSON *o;
	char *text;
	size_t n;

	secmem_init();
	secmem_free_observer = observe;

	/* sec_free wipes the whole usable size */
	reset();
	p = xmalloc(100);
	n = malloc_usable_size(p);
	memset(p, 'S', n);
	sec_free(p);
	CHECK_INT(frees, 1);
	CHECK_INT(dirty, 0);
	CHECK(last_p == p);
	CHECK_INT(last_n, n);
	sec_free(NULL);
	CHECK_INT(frees, 1);

	/* xrealloc: growing in place keeps the block; moving wipes the old */
	reset();
	p = xmalloc(16);
	n = malloc_usable_size(p);
	memset(p, 'S', n);
	q = xrealloc(p, n);
	CHECK(q == p);
	CHECK_INT(frees, 0);
	q = xrealloc(p, n + 4096);
	CHECK(q != p);
	CHECK_INT(frees, 1);
	CHECK(last_p == p);
	CHECK_INT(dirty, 0);
	CHECK(q[0] == 'S' && q[n - 1] == 'S');	/* contents moved */
	sec_free(q);
	CHECK_INT(dirty, 0);
	q = xrealloc(NULL, 10);
	CHECK(q != NULL);
	sec_free(q);

	/* xstrdup / xstrndup / xcalloc */
	p = xstrndup("secret-value", 6);
	CHECK_STR(p, "secret");
	sec_free(p);
	p = xstrndup("ab", 10);
	CHECK_STR(p, "ab");
	sec_free(p);
	p = xcalloc(4, 8);
	CHECK(p[0] == 0 && p[31] == 0);
	sec_free(p);
	p = xmalloc(0);
	CHECK(p != NULL);
	sec_free(p);

	/* sbuf growth and release wipe every old block */
	reset();
	for (n = 0; n < 5000; n++)
		sbuf_addch(&sb, 'T');
	CHECK(frees > 1);		/* it moved while growing */
	CHECK_INT(dirty, 0);
	sbuf_reset(&sb);
	CHECK_INT(sb.len, 0);
	CHECK(sb.buf && sb.buf[0] == '\0' && sb.buf[4000] == '\0');
	sbuf_addstr(&sb, "token");
	reset();
	sbuf_release(&sb);
	CHECK_INT(frees, 1);
	CHECK_INT(dirty, 0);
	CHECK(sb.buf == NULL && sb.len == 0);
	sbuf_addf(&sb, "%s=%d", "k", 42);
	CHECK_STR(sbuf_str(&sb), "k=42");
	p = sbuf_detach(&sb, &n);
	CHECK_INT(n, 4);
	CHECK(sb.buf == NULL);
	sec_free(p);
	CHECK_STR(sbuf_str(&sb), "");

	/* cJSON allocates through the wiping free */
	reset();
	o = cJSON_Parse("{\"access_token\":\"SECRETSECRETSECRET\",\"n\":[1,2,3]}");
	CHECK(o != NULL);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	CHECK(frees >= 3);
	CHECK_INT(dirty, 0);
	sec_free(text);
	CHECK_INT(dirty, 0);

	/* secmem_wipe on a range */
	{
		char buf[8] = "abcdefg";

		secmem_wipe(buf + 2, 3);
		CHECK(buf[1] == 'b' && buf[2] == 0 && buf[4] == 0 && buf[5] == 'f');
		secmem_wipe(NULL, 5);
	}
	secmem_free_observer = NULL;
	return check_done("test_secmem");
}
