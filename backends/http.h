/*
 * HTTP transport.  backends/http.c is the only file that talks to libcurl;
 * it is built into the agentcred-http.so module and reached through
 * http_perform(), which loads the module on first use.
 *
 * Rules enforced in http.c: TLS verification always on (ca_file adds
 * anchors), no redirects followed (a 3xx is returned as a status), bodies
 * over max_body refused, connect and total deadlines, no proxy credentials
 * or bodies in verbose output, libcurl's buffers wiped (curl_global_init_mem
 * with the wiping free).
 */
#ifndef AGENTCRED_HTTP_H
#define AGENTCRED_HTTP_H

#include <stddef.h>

#include "../helper/lib/err.h"

#define HTTP_MAX_BODY (1024 * 1024)

struct http_request {
	const char *method;		/* "POST" or "GET" */
	const char *url;
	const char *const *headers;	/* "Name: value" lines */
	size_t nheaders;
	const char *body;		/* may hold secrets */
	size_t body_len;
	const char *ca_file;		/* NULL: system trust store only */
	long connect_timeout_ms;	/* default 10000 */
	long timeout_ms;		/* whole request, default 30000 */
	size_t max_body;		/* 0: HTTP_MAX_BODY */
	/*
	 * The managed identity exception: plain http to exactly
	 * HTTP_IMDS_PREFIX..., never through a proxy.  Ignored for any other
	 * URL, which must be https (or http on loopback) as always.
	 */
	int imds;
	/*
	 * TLS client certificate (mutual TLS): PEM in memory, the leaf
	 * first, intermediates after it; the key is a secret.  libcurl is
	 * handed the caller's buffers (never a file, never copied) and the
	 * handle that saw them is closed before http_perform() returns, so
	 * the caller may wipe them at once.  NULL: no client certificate.
	 */
	const char *client_cert;
	size_t client_cert_len;
	const char *client_key;
	size_t client_key_len;
};

#define HTTP_IMDS_PREFIX "http://169.254.169.254/metadata/identity/oauth2/token?"

struct http_response {
	long status;
	char *body;			/* NUL-terminated; sec_free */
	size_t body_len;
	long retry_after;		/* seconds; -1 when absent */
	long long date;			/* server Date header, 0 when absent */
	char content_type[128];
	int timed_out;			/* set with AC_NETWORK: deadline hit */
};

/* Module ABI: the symbol "agentcred_http_ops" in agentcred-http.so. */
struct http_ops {
	int abi;
	enum ac_err (*perform)(const struct http_request *req,
			       struct http_response *resp);
};

/*
 * AC_OK whenever an HTTP status was received (any status, 3xx included);
 * AC_NETWORK for DNS, connect, TLS, time-out and oversized bodies, with a
 * one-line message naming the host.
 */
enum ac_err http_perform(const struct http_request *req,
			 struct http_response *resp);
void http_response_release(struct http_response *resp);

#endif
