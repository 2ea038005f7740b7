/*
 * The docker credential-helper protocol (docker-credential-helpers
 * credentials/credentials.go) as pure functions.
 *
 *   get, erase: stdin is the server URL, no newline required; surrounding
 *               white space is trimmed as the reference helper does;
 *   store:      stdin is {"ServerURL": …, "Username": …, "Secret": …};
 *               key names match case-insensitively (Go's encoding/json);
 *   answers:    compact JSON and a newline, escaped the way Go's encoder
 *               does (<, >, & as \u003c, \u003e, \u0026), so the output is
 *               byte-for-byte what docker-credential-secretservice prints;
 *   list:       {"<server>": "<username>", …} with sorted keys.
 *
 * Every input is bounded by the caller (DOCKERPROTO_MAX_INPUT); a server
 * URL must be printable UTF-8 of at most DOCKERPROTO_MAX_URL bytes because
 * it becomes a keyring attribute.
 */
#ifndef AGENTCRED_DOCKERPROTO_H
#define AGENTCRED_DOCKERPROTO_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/sbuf.h"

#define DOCKERPROTO_MAX_INPUT (1024 * 1024)
#define DOCKERPROTO_MAX_URL 4096

/* The exact texts of docker-credential-helpers/credentials/error.go. */
#define DOCKER_ERR_NOT_FOUND	"credentials not found in native keychain"
#define DOCKER_ERR_NO_URL	"no credentials server URL"
#define DOCKER_ERR_NO_USER	"no credentials username"

struct docker_cred {
	char *server_url;
	char *username;
	char *secret;		/* secret: wiped by dockerproto_release */
};

#define DOCKER_CRED_INIT { NULL, NULL, NULL }

/* get/erase input.  AC_USAGE with DOCKER_ERR_NO_URL when empty. */
enum ac_err dockerproto_parse_server(const char *buf, size_t len, char **server);

/* store input.  AC_USAGE with the reference texts for missing fields. */
enum ac_err dockerproto_parse_store(const char *buf, size_t len, struct docker_cred *c);

void dockerproto_release(struct docker_cred *c);

/* {"ServerURL":…,"Username":…,"Secret":…} and a newline. */
void dockerproto_write_cred(const struct docker_cred *c, struct sbuf *out);

/* {"server":"username",…} and a newline; keys sorted, a repeated key keeps the last. */
void dockerproto_write_list(const char *const *servers, const char *const *users,
			    size_t n, struct sbuf *out);

/* A JSON string as Go's encoding/json writes it. */
void dockerproto_json_string(struct sbuf *out, const char *s);

/*
 * The host[:port] a server URL names ("https://r.example:5000/v2/" →
 * "r.example:5000"), for matching a profile's hosts; NULL when empty.
 */
char *dockerproto_server_host(const char *server_url);

#endif
