/*
 * The plain stdin/stdout JSON protocol of "agentcred get" (README.md,
 * "Design: front-end protocols").
 */
#ifndef AGENTCRED_JSON_H
#define AGENTCRED_JSON_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/sbuf.h"
#include "../backends/backend.h"

#define JSON_REQUEST_MAX (1024 * 1024)

struct json_request {
	char *profile;
	char *scope;
	char *user;
	char *user_token;	/* secret: wiped by json_request_release */
};

/* Parse {"profile": …, "scope": …, "user": …, "user_token": …}. */
enum ac_err json_request_parse(const char *text, size_t len, struct json_request *req);
void json_request_release(struct json_request *req);

/* The success answer, pretty-printed, with a trailing newline. */
void json_answer(const struct profile *p, const struct token *t, long long now,
		 struct sbuf *out);
/* {"error": …, "error_description": …} for the last recorded error. */
void json_error(enum ac_err err, struct sbuf *out);

#endif
