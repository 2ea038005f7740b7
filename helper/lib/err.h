/*
 * Errors: every failing function returns an enum ac_err and records one
 * human-readable line with ac_fail().  Only helper/main.c turns an ac_err
 * into an exit status, and only it prints the recorded line.
 *
 * Rule: a recorded message never contains a secret (client secret, token,
 * user assertion).  Server-provided text is sanitised before it is recorded.
 */
#ifndef AGENTCRED_ERR_H
#define AGENTCRED_ERR_H

enum ac_err {
	AC_OK = 0,
	AC_FAIL,	/* anything not listed below */
	AC_USAGE,	/* bad command line or configuration */
	AC_KEYRING,	/* keyring unavailable or locked */
	AC_REJECTED,	/* identity provider rejected the credentials */
	AC_NETWORK,	/* network, TLS or server failure; retry may help */
	AC_EXPIRED,	/* stored static token has expired */
	AC_NOTFOUND	/* internal: lookup miss; never an exit reason of its own */
};

/*
 * Record "what went wrong — what to do" and return code.  The message is
 * kept until the next ac_fail() or ac_clear().
 */
enum ac_err ac_fail(enum ac_err code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *ac_message(void);
enum ac_err ac_last(void);
void ac_clear(void);

/*
 * OAuth "error" value to report in JSON answers (e.g. "invalid_client");
 * NULL means the caller derives one from the ac_err.
 */
void ac_set_oauth_error(const char *error);
const char *ac_oauth_error(void);

/* Profile (or other subject) named in the one-line failure message. */
void ac_set_subject(const char *name);
const char *ac_subject(void);

#endif
