/* libFuzzer: PEM bundles of X.509 service keys (backends/pemproto.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../backends/pemproto.h"
#include "../../helper/lib/secmem.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf certs = SBUF_INIT, key = SBUF_INIT, again = SBUF_INIT;
	size_t n;
	char *plain = pem_unescape((const char *)data, size, &n);

	if (n > size)
		__builtin_trap();
	if (pem_split(plain, n, &certs, &key) == AC_OK) {
		/* what comes out is clean PEM that splits the same way again */
		if (!certs.len || !key.len || strncmp(certs.buf, "-----BEGIN CERTIFICATE-----\n", 28) ||
		    memchr(certs.buf, '\r', certs.len) || strlen(certs.buf) != certs.len)
			__builtin_trap();
		if (pem_split(certs.buf, certs.len, &again, NULL) != AC_OK ||
		    again.len != certs.len || memcmp(again.buf, certs.buf, certs.len))
			__builtin_trap();
	}
	ac_clear();
	sbuf_release(&certs);
	sbuf_release(&key);
	sbuf_release(&again);
	sec_free(plain);
	return 0;
}
