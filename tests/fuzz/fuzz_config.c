/* libFuzzer: config.json parsing and validation (helper/config.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../helper/config.h"
#include "../../helper/lib/err.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.kernel_cache = 1;
	if (config_parse(&cfg, (const char *)data, size) == AC_OK) {
		/* what parsed must validate again and answer host lookups */
		for (i = 0; i < cfg.nprofiles; i++) {
			const struct profile *p = &cfg.profiles[i];

			if (profile_validate(p) != AC_OK)
				__builtin_trap();
			(void)profile_username(p);
			(void)profile_timeout(p);
			if (p->nhosts && config_find_by_host(&cfg, p->hosts[0]) == NULL)
				__builtin_trap();
		}
	}
	config_release(&cfg);
	ac_clear();
	return 0;
}
