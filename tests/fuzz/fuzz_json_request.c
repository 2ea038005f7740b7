/* libFuzzer: the "agentcred get" request (helper/jsonproto.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../helper/jsonproto.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_request req;

	if (json_request_parse((const char *)data, size, &req) == AC_OK) {
		if (!req.profile || !*req.profile || strpbrk(req.profile, "\r\n"))
			__builtin_trap();
		if (req.user_token && strpbrk(req.user_token, "\r\n"))
			__builtin_trap();
		json_request_release(&req);
	} else if (req.profile || req.scope || req.user || req.user_token) {
		__builtin_trap();	/* a failed parse leaves nothing behind */
	}
	ac_clear();
	return 0;
}
