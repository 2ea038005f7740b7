/* Backend table and the long-lived secret every backend starts from. */
#include <stdlib.h>
#include <string.h>

#include "../keyring/keyring.h"
#include "../helper/lib/secmem.h"
#include "backend.h"

const struct backend *backend_for(enum profile_type type)
{
	switch (type) {
	case PT_CLIENT_CREDENTIALS:
		return &backend_client_credentials;
	case PT_ENTRA_AGENT:
		return &backend_entra_agent;
	case PT_FOUNDATIONALLM:
		return &backend_foundationallm;
	default:
		return NULL;
	}
}

enum ac_err profile_secret(const struct profile *p, char **secret)
{
	enum ac_err err;

	if (p->secret_env) {
		const char *v = getenv(p->secret_env);

		if (!v || !*v)
			return ac_fail(AC_USAGE, "profile %s reads its secret from $%s, which is not set",
				       p->name, p->secret_env);
		*secret = xstrdup(v);
		return AC_OK;
	}
	/*
	 * A profile without its secret is a configuration problem (exit 2),
	 * not a failure of the keyring: the message says how to store it.
	 */
	err = kr_client_secret_get(p->name, secret);
	return err == AC_NOTFOUND ? AC_USAGE : err;
}
