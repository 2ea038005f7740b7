/* libFuzzer: SAP AI Core service keys (backends/sapkey.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../backends/sapkey.h"
#include "../../helper/lib/util.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sap_key key;
	size_t n;

	if (sap_key_parse((const char *)data, size, &key) == AC_OK) {
		/* every accepted key yields usable, checked URLs */
		if (!key.client_id || !key.api_host ||
		    (key.x509 ? !key.certificate : !key.client_secret) ||
		    url_check_scheme(key.token_url, "token_url") != AC_OK ||
		    url_check_scheme(key.api_url, "api_url") != AC_OK)
			__builtin_trap();
		n = strlen(key.token_url);
		if (n < 12 || strcmp(key.token_url + n - 12, "/oauth/token"))
			__builtin_trap();
		sap_key_release(&key);
	}
	ac_clear();
	return 0;
}
