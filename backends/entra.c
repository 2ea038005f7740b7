/* placeholder: being written. */
#include "backend.h"

static enum ac_err fetch(const struct token_request *req, struct token *out)
{
	(void)req; (void)out;
	return ac_fail(AC_FAIL, "entra-agent is not implemented yet");
}

const struct backend backend_entra_agent = { PT_ENTRA_AGENT, fetch };
