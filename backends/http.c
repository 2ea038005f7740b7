/*
 * The HTTP transport, and the only file that talks to libcurl.  It is
 * built as the private module agentcred-http.so (see helper/lib/module.h) and
 * reached through http_perform() in http_client.c.
 *
 * Rules kept here, whatever the caller asked for:
 *   - https only; http only when the URL's host is loopback (checked by
 *     the callers too, enforced again here with CURLOPT_PROTOCOLS_STR),
 *     and for the managed identity token at the IMDS address (req->imds
 *     and exactly HTTP_IMDS_PREFIX, no proxy);
 *   - TLS peer and host verification always on; a profile's ca_file ADDS
 *     trust anchors to the system's (see set_trust);
 *   - redirects are never followed (a 3xx comes back as a status);
 *   - bodies over max_body are refused while they arrive;
 *   - connect and whole-request deadlines, NOSIGNAL;
 *   - libcurl allocates through the binary's wiping allocator
 *     (curl_global_init_mem), so request bodies, Authorization headers and
 *     answers it copies are wiped when it frees them;
 *   - never CURLOPT_VERBOSE: only method, URL, status and timing are logged;
 *   - a TLS client certificate and key reach libcurl from memory only
 *     (CURLOPT_SSLCERT_BLOB/SSLKEY_BLOB with CURL_BLOB_NOCOPY), and the
 *     handle that held them is cleaned up before perform() returns, so no
 *     connection, TLS context or copy of the key outlives the request.
 *
 * One easy handle lives for the whole process, so the two or three POSTs
 * of an Entra exchange reuse one TLS connection.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "../helper/lib/log.h"
#include "../helper/lib/module.h"
#include "../helper/lib/sbuf.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "http.h"

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define MAX_RETRY_AFTER (24L * 3600)
#define FALLBACK_CA_DIR "/etc/ssl/certs"

static CURL *handle;
static int global_ready;

/* Everything the callbacks collect for one transfer. */
struct transfer {
	struct sbuf body;
	size_t max_body;
	int too_big;
	long retry_after;		/* delta seconds, -1 absent */
	long long retry_after_date;	/* HTTP-date form, 0 absent */
	long long date;
	char content_type[128];
};

/* curl_global_init_mem callbacks: the binary's wiping allocator. */
static void *cb_malloc(size_t n)
{
	return xmalloc(n);
}

static void cb_free(void *p)
{
	sec_free(p);
}

static void *cb_realloc(void *p, size_t n)
{
	return xrealloc(p, n);
}

static char *cb_strdup(const char *s)
{
	return xstrdup(s);
}

static void *cb_calloc(size_t nmemb, size_t size)
{
	return xcalloc(nmemb, size);
}

static enum ac_err init_curl(void)
{
	if (!global_ready) {
		if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, cb_malloc, cb_free,
					 cb_realloc, cb_strdup, cb_calloc))
			return ac_fail(AC_FAIL, "cannot initialise libcurl");
		global_ready = 1;
	}
	if (!handle) {
		handle = curl_easy_init();
		if (!handle)
			return ac_fail(AC_FAIL, "cannot initialise libcurl");
	} else {
		/* forget the last request's options, keep its connections */
		curl_easy_reset(handle);
	}
	return AC_OK;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (len > t->max_body || t->body.len > t->max_body - len) {
		t->too_big = 1;
		return 0;	/* CURLE_WRITE_ERROR ends the transfer */
	}
	sbuf_add(&t->body, data, len);
	return len;
}

/* Copy a header value without surrounding white space or CR/LF. */
static void header_value(const char *v, size_t n, char *out, size_t outlen)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	sanitize_line(out, outlen - 1);
}

static int header_is(const char *line, size_t n, const char *name, size_t *vstart)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':' || strncasecmp(line, name, k))
		return 0;
	*vstart = k + 1;
	return 1;
}

static void parse_retry_after(struct transfer *t, const char *v)
{
	if (*v && strspn(v, "0123456789") == strlen(v)) {
		/* more digits than we care about: clamp, it is "long" anyway */
		if (strlen(v) > 6)
			t->retry_after = MAX_RETRY_AFTER;
		else
			t->retry_after = strtol(v, NULL, 10);
		if (t->retry_after > MAX_RETRY_AFTER)
			t->retry_after = MAX_RETRY_AFTER;
	} else {
		time_t when = curl_getdate(v, NULL);

		if (when > 0)
			t->retry_after_date = (long long)when;
	}
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n, v;
	char value[256];

	/* a new status line (after 100 Continue, say): start over */
	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		t->retry_after = -1;
		t->retry_after_date = 0;
		t->date = 0;
		t->content_type[0] = '\0';
		return len;
	}
	if (header_is(line, len, "Retry-After", &v)) {
		header_value(line + v, len - v, value, sizeof(value));
		parse_retry_after(t, value);
	} else if (header_is(line, len, "Date", &v)) {
		time_t d;

		header_value(line + v, len - v, value, sizeof(value));
		d = curl_getdate(value, NULL);
		t->date = d > 0 ? (long long)d : 0;
	} else if (header_is(line, len, "Content-Type", &v)) {
		header_value(line + v, len - v, t->content_type,
			     sizeof(t->content_type));
	}
	return len;
}

/*
 * Trust anchors.  Handing OpenSSL the whole system bundle (~140
 * certificates, what CAINFO does) costs ~100 ms of parsing in every
 * process; the hashed system directory (/etc/ssl/certs with the c_rehash
 * links that ca-certificates keeps) is searched lazily, one file per
 * issuer actually met.  So CAPATH is the system directory and CAINFO holds
 * only the profile's ca_file, which adds anchors instead of replacing them.
 * Without a hashed directory, curl's defaults stay (the bundle file).
 */
static enum ac_err set_trust(const char *ca_file)
{
	char *capath = NULL;
	const char *dir = FALLBACK_CA_DIR;
	struct stat st;

	if (curl_easy_getinfo(handle, CURLINFO_CAPATH, &capath) == CURLE_OK &&
	    capath && *capath)
		dir = capath;
	if (ca_file && access(ca_file, R_OK))
		return ac_fail(AC_USAGE, "cannot read ca_file %s — fix the profile's ca_file",
			       ca_file);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		if (ca_file)
			curl_easy_setopt(handle, CURLOPT_CAINFO, ca_file);
		return AC_OK;
	}
	curl_easy_setopt(handle, CURLOPT_CAPATH, dir);
	curl_easy_setopt(handle, CURLOPT_CAINFO, ca_file);
	return AC_OK;
}

static enum ac_err fail_transfer(CURLcode rc, const char *errbuf,
				 const char *host, const struct transfer *t,
				 long timeout_ms)
{
	char why[CURL_ERROR_SIZE + 1];

	if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		if (t->max_body == HTTP_MAX_BODY)
			return ac_fail(AC_NETWORK, "the answer from %s is over 1 MiB — check the token URL",
				       host);
		return ac_fail(AC_NETWORK, "the answer from %s is over %zu bytes — check the URL",
			       host, t->max_body);
	}
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return ac_fail(AC_NETWORK, "no answer from %s within %ld s — check the network or proxy, or raise the profile's timeout",
			       host, (timeout_ms + 999) / 1000);
	snprintf(why, sizeof(why), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	sanitize_line(why, sizeof(why) - 1);
	return ac_fail(AC_NETWORK, "cannot reach %s: %s — check the network, proxy or ca_file",
		       host, why);
}

static enum ac_err perform(const struct http_request *req,
			   struct http_response *resp)
{
	struct transfer t;
	struct curl_slist *hdrs = NULL;
	char host[256], errbuf[CURL_ERROR_SIZE];
	const char *method = req->method ? req->method : "GET";
	long connect_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms
						      : DEFAULT_CONNECT_MS;
	long timeout_ms = req->timeout_ms > 0 ? req->timeout_ms
					      : DEFAULT_TIMEOUT_MS;
	curl_off_t usec = 0;
	CURLcode rc;
	enum ac_err err;
	size_t i;
	int loopback, imds;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	memset(&t, 0, sizeof(t));
	t.max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
	t.retry_after = -1;
	errbuf[0] = '\0';

	/* the one plain-http URL off loopback: IMDS's token path, no proxy */
	imds = req->imds && !strncmp(req->url, HTTP_IMDS_PREFIX,
				     strlen(HTTP_IMDS_PREFIX)) &&
	       !strpbrk(req->url, "#@ ");
	if (!imds && (err = url_check_scheme(req->url, "the URL")))
		return err;
	/* cannot fail: url_check_scheme() or the IMDS prefix vouch for it */
	url_host(req->url, host, sizeof(host));
	/* treated as loopback: http allowed, never a proxy */
	loopback = host_is_loopback(host) || imds;
	if ((err = init_curl()))
		return err;

	curl_easy_setopt(handle, CURLOPT_URL, req->url);
	curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR,
			 loopback ? "https,http" : "https");
	curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
			 connect_ms < timeout_ms ? connect_ms : timeout_ms);
	curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)t.max_body);
	curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(handle, CURLOPT_USERAGENT, "agentcred/" AGENTCRED_VERSION);
	curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(handle, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(handle, CURLOPT_HEADERDATA, &t);
	/* a local test server or sidecar is never reached through a proxy */
	if (loopback)
		curl_easy_setopt(handle, CURLOPT_PROXY, "");
	if ((err = set_trust(req->ca_file)))
		goto out;
	if (req->client_cert && req->client_key) {
		struct curl_blob cert, key;

		cert.data = (void *)(uintptr_t)req->client_cert;
		cert.len = req->client_cert_len;
		cert.flags = CURL_BLOB_NOCOPY;
		key.data = (void *)(uintptr_t)req->client_key;
		key.len = req->client_key_len;
		key.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(handle, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(handle, CURLOPT_SSLKEY_BLOB, &key);
	}

	for (i = 0; i < req->nheaders; i++)
		hdrs = curl_slist_append(hdrs, req->headers[i]);
	/* no "Expect: 100-continue" round trip for our small bodies */
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(handle, CURLOPT_HTTPHEADER, hdrs);

	if (!strcmp(method, "POST")) {
		curl_easy_setopt(handle, CURLOPT_POST, 1L);
		curl_easy_setopt(handle, CURLOPT_POSTFIELDS,
				 req->body ? req->body : "");
		curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
	} else if (!strcmp(method, "GET")) {
		curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
	} else {
		err = ac_fail(AC_FAIL, "unsupported HTTP method %s", method);
		goto out;
	}

	rc = curl_easy_perform(handle);
	curl_easy_getinfo(handle, CURLINFO_TOTAL_TIME_T, &usec);
	if (rc != CURLE_OK) {
		log_verbose("%s %s failed after %ld ms", method, req->url,
			    (long)(usec / 1000));
		if (rc == CURLE_OPERATION_TIMEDOUT)
			resp->timed_out = 1;
		err = fail_transfer(rc, errbuf, host, &t, timeout_ms);
		goto out;
	}
	curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &resp->status);
	log_verbose("%s %s → HTTP %ld (%ld ms)", method, req->url, resp->status,
		    (long)(usec / 1000));

	resp->body = sbuf_detach(&t.body, &resp->body_len);
	resp->date = t.date;
	resp->retry_after = t.retry_after;
	if (resp->retry_after < 0 && t.retry_after_date) {
		/* an HTTP date: measure it against the server's own clock */
		long long base = t.date ? t.date : (long long)time(NULL);
		long long d = t.retry_after_date - base;

		resp->retry_after = d < 0 ? 0 : d > MAX_RETRY_AFTER ?
			MAX_RETRY_AFTER : (long)d;
	}
	memcpy(resp->content_type, t.content_type, sizeof(resp->content_type));
	err = AC_OK;
out:
	/* drop the pointers into this call's stack and buffers */
	curl_easy_setopt(handle, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(handle, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	sbuf_release(&t.body);
	if (req->client_key) {
		/*
		 * The connection's TLS context holds the private key: close
		 * it and the handle now (the next request opens its own).
		 */
		curl_easy_cleanup(handle);
		handle = NULL;
	}
	return err;
}

__attribute__((visibility("default")))
const struct http_ops agentcred_http_ops = {
	AGENTCRED_MODULE_ABI,
	perform
};
