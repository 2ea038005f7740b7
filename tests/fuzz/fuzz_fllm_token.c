/*
 * libFuzzer: FoundationaLLM agent access tokens and API URLs
 * (backends/foundationallm.c).  Input: token, optional '\n', URL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/foundationallm.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *nl;
	char inst[64], agent[64], out[32];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	if (fllm_token_check(s, inst, sizeof(inst), agent, sizeof(agent)) == AC_OK) {
		if (strlen(inst) >= sizeof(inst) || strlen(agent) >= sizeof(agent) ||
		    strncmp(s, "keya.", 5))
			__builtin_trap();
	}
	(void)fllm_token_check(s, NULL, 0, NULL, 0);
	if (nl && fllm_url_instance(nl + 1, out, sizeof(out)) == 0 &&
	    (!*out || strlen(out) >= sizeof(out) || strpbrk(out, "/?#")))
		__builtin_trap();
	ac_clear();
	free(s);
	return 0;
}
