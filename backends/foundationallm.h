/*
 * FoundationaLLM agent access tokens (README.md, "Design: token systems"):
 * static secrets of the shape
 * keya.<base58 instance id>.<base58 agent name>.<base58 id>.<secret>.ayek
 */
#ifndef AGENTCRED_FOUNDATIONALLM_H
#define AGENTCRED_FOUNDATIONALLM_H

#include <stddef.h>

#include "../helper/lib/err.h"

/*
 * AC_OK when token has the agent access token shape; the decoded instance
 * id and agent name go to instance/agent (may be NULL).  AC_USAGE with a
 * message that says what is wrong, never quoting the token.
 */
enum ac_err fllm_token_check(const char *token, char *instance, size_t ilen,
			     char *agent, size_t alen);

/* Instance id from an API URL ".../instances/<id>[/...]"; 0 on success. */
int fllm_url_instance(const char *url, char *out, size_t len);

#endif
