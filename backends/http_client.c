/*
 * The core side of the HTTP transport: loads agentcred-http.so (the only
 * libcurl user) the first time a request really has to go to the network,
 * so the cache-hit path never maps libcurl.
 */
#include <string.h>

#include "../helper/lib/module.h"
#include "../helper/lib/secmem.h"
#include "http.h"

static const struct http_ops *ops;

enum ac_err http_perform(const struct http_request *req,
			 struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (!ops) {
		const void *v = NULL;
		enum ac_err err = module_load("agentcred-http.so",
					      "agentcred_http_ops", &v);

		if (err)
			return err;
		ops = v;
	}
	return ops->perform(req, resp);
}

void http_response_release(struct http_response *resp)
{
	sec_free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}
