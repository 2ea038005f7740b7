/* libFuzzer harness for JWT payload decoding (backends/jwt.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/jwt.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf out = SBUF_INIT;
	long long exp = 0;
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	if (jwt_payload_exp(s, &exp) == 0 && (exp < 1 || exp > AC_TIME_MAX))
		abort();
	if (jwt_payload(s, &out) == 0 && !out.buf)
		abort();
	sbuf_release(&out);
	sec_free(s);
	return 0;
}
