/*
 * git's credential helper protocol (gitcredentials(7), git-credential(1)
 * "INPUT/OUTPUT FORMAT") and the keyring layout of git-credential-libsecret,
 * as pure functions: no I/O, no keyring, so they can be unit-tested and
 * fuzzed.
 *
 * Rules kept:
 *   - input is "key=value" lines ended by a blank line or the end of the
 *     buffer; no per-line limit (a 64 KiB line works), the caller bounds
 *     the total (GITPROTO_MAX_INPUT);
 *   - a trailing CR is dropped as git's strbuf_getline() does; a line with
 *     no '=' or with a NUL byte is an error and nothing is acted on;
 *   - unknown keys are ignored; a later value replaces an earlier one;
 *     url= is split into its parts the way git's credential_from_url() does;
 *   - a value containing CR or LF is never written.
 */
#ifndef AGENTCRED_GITPROTO_H
#define AGENTCRED_GITPROTO_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/sbuf.h"

#define GITPROTO_MAX_INPUT (1024 * 1024)

struct git_cred {
	char *protocol;
	char *host;		/* as git sends it: host or host:port */
	char *path;
	char *username;
	char *password;		/* secret */
	long long expiry;	/* password_expiry_utc; 0 = none */
	char *oauth_refresh_token;	/* secret */
};

#define GIT_CRED_INIT { NULL, NULL, NULL, NULL, NULL, 0, NULL }

/* Parse a request; AC_FAIL with a message naming no value on bad input. */
enum ac_err gitproto_parse(const char *buf, size_t len, struct git_cred *c);

/*
 * The answer to "get": username, password, password_expiry_utc,
 * oauth_refresh_token, each only when set and free of CR/LF.
 */
void gitproto_write(const struct git_cred *c, struct sbuf *out);

/* Wipes the secrets, frees everything, leaves *c empty. */
void gitproto_release(struct git_cred *c);

/*
 * Split git's host into server and port as git-credential-libsecret does
 * for its "server" and "port" attributes: a trailing ":digits" in 1..65535
 * is the port (0 when there is none).  *server is xmalloc'ed.
 */
void gitproto_split_host(const char *host, char **server, unsigned *port);

/* "Git: https://host[:port]/path", git-credential-libsecret's label. */
void gitproto_label(const struct git_cred *c, struct sbuf *out);

/*
 * The item secret: password, then "\npassword_expiry_utc=N", then
 * "\noauth_refresh_token=T" when present.  gitproto_secret_parse() reads
 * that layout and the bare password of the older helper; it sets
 * password, expiry and oauth_refresh_token of c.
 */
void gitproto_secret_format(const struct git_cred *c, struct sbuf *out);
void gitproto_secret_parse(const char *secret, size_t len, struct git_cred *c);

/*
 * git's credential_match() for one stored item, given its attributes
 * (NULL when absent): every field present in the request must be equal;
 * absent request fields are wildcards.  The host is compared as server
 * plus port, so "example.com" does not match an item for port 8443.
 * Passwords are compared by the caller (erase only).
 */
int gitproto_match(const struct git_cred *req, const char *user,
		   const char *protocol, const char *server, const char *port,
		   const char *object);

/* A password_expiry_utc value; 0 for "none" as git treats 0 or garbage. */
long long gitproto_parse_expiry(const char *s);


#endif
