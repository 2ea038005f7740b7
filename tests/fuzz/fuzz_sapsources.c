/*
 * libFuzzer: the SAP SDK's config file and VCAP_SERVICES
 * (backends/sapsources.c).  The first byte picks the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/sapsources.h"
#include "../../helper/lib/util.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sap_vars vars;
	struct sap_key key;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (sap_vcap_parse((const char *)data + 1, size - 1, &key) == AC_OK) {
			if (!key.client_id || !key.api_host ||
			    (key.x509 ? !key.certificate : !key.client_secret) ||
			    url_check_scheme(key.token_url, "token_url") != AC_OK)
				__builtin_trap();
			sap_key_release(&key);
		}
	} else if (sap_config_parse((const char *)data + 1, size - 1, &vars) == AC_OK) {
		/* no file paths: only the *_STR values are used */
		free(vars.v[SV_CERT_FILE_PATH]);
		free(vars.v[SV_KEY_FILE_PATH]);
		vars.v[SV_CERT_FILE_PATH] = vars.v[SV_KEY_FILE_PATH] = NULL;
		if (sap_vars_to_key(&vars, "fuzz", &key) == AC_OK) {
			if (!key.client_id || !key.token_url || !key.api_url)
				__builtin_trap();
			sap_key_release(&key);
		}
		sap_vars_release(&vars);
	}
	ac_clear();
	return 0;
}
