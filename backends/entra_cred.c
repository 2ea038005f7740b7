/*
 * Entra blueprint credentials: step 1's client authentication by kind
 * (secret, federated credential file, certificate, managed identity) and
 * the profile-add side of each (see entra_cred.h and README.md
 * "Blueprint credentials").
 *
 * Rules:
 *  - exactly one credential per profile, checked at profile add (naming
 *    the options) and when config.json is read (naming the keys);
 *  - a certificate is read once, at profile add: its private key goes to
 *    the keyring, its thumbprints and notAfter to config.json; at request
 *    time the key comes from the keyring and is wiped after signing;
 *  - every client assertion is fresh: a new jti, iat = nbf = now,
 *    exp = now + 10 min, never cached (T1 is what gets cached);
 *  - managed identity: IDENTITY_ENDPOINT + X-IDENTITY-HEADER when set,
 *    else IMDS; the IMDS address is the only plain-http URL off loopback
 *    and only the exact IMDS token path may use it (http.c checks again);
 *    AZURE_POD_IDENTITY_AUTHORITY_HOST must be https or loopback; an
 *    answer of 404, 410, 429 or 5xx is retried once after 1 s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../helper/lib/log.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "backend.h"
#include "crypto.h"
#include "entra.h"
#include "entra_cred.h"
#include "http.h"
#include "miproto.h"

#define MI_CONNECT_MS 3000L

enum entra_cred_kind entra_cred_kind(const struct profile *p)
{
	if (p->managed_identity)
		return ENTRA_CRED_MANAGED;
	if (p->certificate_thumbprint)
		return ENTRA_CRED_CERT;
	if (p->client_assertion_file)
		return ENTRA_CRED_FILE;
	return ENTRA_CRED_SECRET;
}

const char *entra_cred_name(enum entra_cred_kind k)
{
	switch (k) {
	case ENTRA_CRED_FILE:
		return "federated credential file";
	case ENTRA_CRED_CERT:
		return "certificate";
	case ENTRA_CRED_MANAGED:
		return "managed identity";
	case ENTRA_CRED_SECRET:
	default:
		return "client secret";
	}
}

static int hex_ok(const char *s, size_t n)
{
	return s && strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n;
}

enum ac_err entra_cred_validate(const struct profile *p)
{
	const char *given[4];
	int n = 0;

	int cert = p->certificate_thumbprint || p->certificate_thumbprint_sha256 ||
		   p->certificate_expires;

	if (p->client_assertion_file)
		given[n++] = "client_assertion_file";
	if (cert)
		given[n++] = "certificate_thumbprint";
	if (p->managed_identity)
		given[n++] = "managed_identity";
	if (p->secret_env)
		given[n++] = "secret_env";
	if (n > 1)
		return ac_fail(AC_USAGE, "profile %s: a profile has exactly one blueprint credential, not both %s and %s",
			       p->name, given[0], given[1]);
	if (cert) {
		long long t;

		if (!hex_ok(p->certificate_thumbprint, 40) ||
		    !hex_ok(p->certificate_thumbprint_sha256, 64) ||
		    parse_rfc3339(p->certificate_expires, &t))
			return ac_fail(AC_USAGE, "profile %s: certificate_thumbprint (40 hex digits), certificate_thumbprint_sha256 (64) and certificate_expires (YYYY-MM-DDTHH:MM:SSZ) go together — set them with: agentcred profile add %s --certificate FILE ...",
				       p->name, p->name);
	}
	if (p->managed_identity && strcmp(p->managed_identity, "system") &&
	    !looks_like_guid(p->managed_identity))
		return ac_fail(AC_USAGE, "profile %s: managed_identity is \"system\" or the client id (a GUID) of a user-assigned identity",
			       p->name);
	return AC_OK;
}

/* ------------------------------------------------------ JWT assembly */

void b64url_encode(struct sbuf *sb, const unsigned char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 |
			     data[i + 2];

		sbuf_addch(sb, alphabet[v >> 18 & 63]);
		sbuf_addch(sb, alphabet[v >> 12 & 63]);
		sbuf_addch(sb, alphabet[v >> 6 & 63]);
		sbuf_addch(sb, alphabet[v & 63]);
	}
	if (len - i == 1) {
		unsigned v = (unsigned)data[i] << 16;

		sbuf_addch(sb, alphabet[v >> 18 & 63]);
		sbuf_addch(sb, alphabet[v >> 12 & 63]);
	} else if (len - i == 2) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8;

		sbuf_addch(sb, alphabet[v >> 18 & 63]);
		sbuf_addch(sb, alphabet[v >> 12 & 63]);
		sbuf_addch(sb, alphabet[v >> 6 & 63]);
	}
}

static int unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t i;

	if (!hex_ok(hex, 2 * n))
		return -1;
	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

static void b64url_json(struct sbuf *out, cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;

	if (!text) {
		fprintf(stderr, "agentcred: out of memory\n");
		exit(1);
	}
	b64url_encode(out, (const unsigned char *)text, strlen(text));
	sec_free(text);
}

int entra_assertion_input(const struct entra_assertion *a, struct sbuf *out)
{
	unsigned char sha1[CRYPTO_SHA1_LEN], sha256[CRYPTO_SHA256_LEN];
	struct sbuf x5t = SBUF_INIT, x5t256 = SBUF_INIT;
	cJSON *head, *claims;

	if (unhex(a->thumbprint, sha1, sizeof(sha1)) ||
	    unhex(a->thumbprint_sha256, sha256, sizeof(sha256)))
		return -1;
	b64url_encode(&x5t, sha1, sizeof(sha1));
	b64url_encode(&x5t256, sha256, sizeof(sha256));
	head = cJSON_CreateObject();
	cJSON_AddStringToObject(head, "alg", "RS256");
	cJSON_AddStringToObject(head, "typ", "JWT");
	cJSON_AddStringToObject(head, "x5t", x5t.buf);
	cJSON_AddStringToObject(head, "x5t#S256", x5t256.buf);
	claims = cJSON_CreateObject();
	cJSON_AddStringToObject(claims, "aud", a->aud);
	cJSON_AddStringToObject(claims, "iss", a->client_id);
	cJSON_AddStringToObject(claims, "sub", a->client_id);
	cJSON_AddStringToObject(claims, "jti", a->jti);
	cJSON_AddNumberToObject(claims, "iat", (double)a->now);
	cJSON_AddNumberToObject(claims, "nbf", (double)a->now);
	cJSON_AddNumberToObject(claims, "exp", (double)(a->now + ENTRA_ASSERTION_LIFETIME));
	b64url_json(out, head);
	sbuf_addch(out, '.');
	b64url_json(out, claims);
	cJSON_Delete(head);
	cJSON_Delete(claims);
	sbuf_release(&x5t);
	sbuf_release(&x5t256);
	return 0;
}

/* A random (version 4) UUID: the assertion's jti. */
static enum ac_err new_jti(char out[37])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return ac_fail(AC_FAIL, "cannot read random bytes for the assertion's jti");
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
		 r[10], r[11], r[12], r[13], r[14], r[15]);
	return AC_OK;
}

static enum ac_err cert_assertion(const struct token_source *src,
				  const char *token_url, char **assertion)
{
	const struct profile *p = src->req->profile;
	struct entra_assertion a = { p->certificate_thumbprint,
				     p->certificate_thumbprint_sha256,
				     token_url, p->blueprint_app_id, NULL, 0 };
	struct sbuf jws = SBUF_INIT;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char jti[37], *key = NULL;
	long long expires = 0;
	enum ac_err err;

	a.now = now_seconds();
	if (!parse_rfc3339(p->certificate_expires, &expires) &&
	    expires <= a.now)
		return ac_fail(AC_EXPIRED, "the blueprint certificate expired at %s — add a new one with: agentcred profile add %s --certificate FILE ...",
			       p->certificate_expires, p->name);
	if ((err = new_jti(jti)))
		return err;
	a.jti = jti;
	if (entra_assertion_input(&a, &jws))
		return ac_fail(AC_USAGE, "profile %s: bad certificate thumbprint", p->name);
	if ((err = src->secret(src, &key)))
		goto out;
	err = crypto_rs256_sign(key, strlen(key), jws.buf, jws.len, &sig, &sig_len);
	if (err)
		goto out;
	sbuf_addch(&jws, '.');
	b64url_encode(&jws, sig, sig_len);
	log_verbose("%s: signed a client assertion with certificate %s", p->name,
		    p->certificate_thumbprint);
	*assertion = sbuf_detach(&jws, NULL);
out:
	sec_free(key);
	sec_free(sig);
	sbuf_release(&jws);
	return err;
}

/* ------------------------------------------------- managed identity */

static void mi_query(const struct profile *p, const char *api_version,
		     struct sbuf *url)
{
	sbuf_addf(url, "api-version=%s&resource=", api_version);
	form_escape(url, ENTRA_MI_RESOURCE);
	if (strcmp(p->managed_identity, "system")) {
		sbuf_addstr(url, "&client_id=");
		form_escape(url, p->managed_identity);
	}
}

enum ac_err entra_mi_request(const struct profile *p, struct sbuf *url,
			     struct sbuf *header, int *imds)
{
	const char *ep = getenv("IDENTITY_ENDPOINT");
	const char *hdr = getenv("IDENTITY_HEADER");
	const char *base = getenv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
	enum ac_err err;
	size_t n;

	*imds = 0;
	if (ep && *ep) {
		/* App Service, Container Apps (not Arc's challenge flow) */
		if ((err = url_check_scheme(ep, "IDENTITY_ENDPOINT")))
			return err;
		if (!hdr || !*hdr || has_newline(hdr))
			return ac_fail(AC_USAGE, "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not — both come from App Service or Container Apps (Azure Arc's challenge flow is not supported)");
		if (strchr(ep, '#'))
			return ac_fail(AC_USAGE, "IDENTITY_ENDPOINT must not hold a '#'");
		sbuf_addstr(url, ep);
		sbuf_addch(url, strchr(ep, '?') ? '&' : '?');
		mi_query(p, "2019-08-01", url);
		sbuf_addf(header, "X-IDENTITY-HEADER: %s", hdr);
		return AC_OK;
	}
	if (!base || !*base)
		base = ENTRA_IMDS_BASE;
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	if (n == strlen(ENTRA_IMDS_BASE) && !strncmp(base, ENTRA_IMDS_BASE, n)) {
		*imds = 1;
	} else {
		if ((err = url_check_scheme(base, "AZURE_POD_IDENTITY_AUTHORITY_HOST")))
			return err;
		if (strpbrk(base, "?#"))
			return ac_fail(AC_USAGE, "AZURE_POD_IDENTITY_AUTHORITY_HOST must be a scheme and host, not \"%s\"",
				       base);
	}
	sbuf_add(url, base, n);
	sbuf_addstr(url, ENTRA_IMDS_PATH "?");
	mi_query(p, "2018-02-01", url);
	sbuf_addstr(header, "Metadata: true");
	return AC_OK;
}

/* IMDS's advice: 404 (updating), 410, 429 and 5xx are worth a retry. */
static int mi_transient(long status)
{
	return status == 404 || status == 410 || status == 429 || status >= 500;
}

static void sleep_one_second(void)
{
	struct timespec ts = { 1, 0 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

enum ac_err entra_mi_fetch(const struct profile *p, struct token *out)
{
	struct sbuf url = SBUF_INIT, header = SBUF_INIT;
	struct http_request req;
	struct http_response resp;
	const char *lines[1];
	enum ac_err err;
	int imds = 0, attempt;

	memset(out, 0, sizeof(*out));
	if ((err = entra_mi_request(p, &url, &header, &imds)))
		goto out;
	lines[0] = header.buf;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url.buf;
	req.headers = lines;
	req.nheaders = 1;
	req.imds = imds;
	req.connect_timeout_ms = MI_CONNECT_MS;
	req.timeout_ms = profile_timeout(p) * 1000L;
	log_verbose("%s: managed identity token from %s", p->name,
		    getenv("IDENTITY_ENDPOINT") && *getenv("IDENTITY_ENDPOINT") ?
		    "IDENTITY_ENDPOINT" : "IMDS");
	for (attempt = 0;; attempt++) {
		long status = 0;

		err = http_perform(&req, &resp);
		if (!err) {
			status = resp.status;
			err = mi_parse_response(resp.status, resp.body,
						resp.body_len, now_seconds(), out);
			http_response_release(&resp);
		}
		/* an endpoint that answered "not now" gets one more try */
		if (attempt || !err || !mi_transient(status))
			break;
		log_verbose("%s: managed identity endpoint answered HTTP %ld; retrying in 1 s",
			    p->name, status);
		sleep_one_second();
	}
	if (err) {
		/* the subject is the profile; say which request failed */
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", ac_message());
		err = ac_fail(err, "managed identity token: %s", msg);
	}
out:
	sbuf_release(&url);
	sbuf_release(&header);
	return err;
}

/* ------------------------------------------------------------ step 1 */

enum ac_err entra_cred_step1(const struct token_source *src, const char *token_url,
			     char **secret, char **assertion)
{
	const struct profile *p = src->req->profile;
	struct token t = { 0 };
	enum ac_err err;

	*secret = *assertion = NULL;
	switch (entra_cred_kind(p)) {
	case ENTRA_CRED_FILE:
		return entra_read_assertion(p->client_assertion_file, assertion);
	case ENTRA_CRED_CERT:
		return cert_assertion(src, token_url, assertion);
	case ENTRA_CRED_MANAGED:
		if ((err = src->get(src, LEVEL_ENTRA_MI, &t)))
			return err;
		*assertion = t.access_token;
		t.access_token = NULL;
		token_release(&t);
		return AC_OK;
	case ENTRA_CRED_SECRET:
	default:
		return src->secret(src, secret);
	}
}

/* ------------------------------------------------------- profile add */

int entra_cred_option(struct entra_cred_opts *o, int argc, char **argv)
{
	const char *a = argv[0];

	if (!strcmp(a, "--managed-identity")) {
		o->managed_identity = 1;
		return 1;
	}
	if (!strcmp(a, "--workload-identity")) {
		o->workload_identity = 1;
		return 1;
	}
	if (!strcmp(a, "--certificate") || !strcmp(a, "--managed-identity-client-id")) {
		if (argc < 2 || !*argv[1]) {
			ac_fail(AC_USAGE, "%s needs a value", a);
			return -1;
		}
		if (a[2] == 'c')
			o->certificate = argv[1];
		else
			o->mi_client_id = argv[1];
		return 2;
	}
	if (!strcmp(a, "--certificate-thumbprint") ||
	    !strcmp(a, "--certificate-thumbprint-sha256") ||
	    !strcmp(a, "--certificate-expires")) {
		ac_fail(AC_USAGE, "%s is set by --certificate FILE", a);
		return -1;
	}
	if (!strcmp(a, "--client-assertion-file"))
		o->assertion_file = 1;	/* and profile_set_key() takes it */
	else if (!strcmp(a, "--secret-stdin"))
		o->secret_stdin = 1;
	return 0;
}

/* Fill key from the environment variable when the options did not. */
static enum ac_err from_env(struct profile *p, char **slot, const char *key,
			    const char *var)
{
	const char *v = getenv(var);

	if (*slot || !v || !*v)
		return AC_OK;
	return profile_set_key(p, key, v);
}

static enum ac_err read_certificate(const char *path, struct profile *p,
				    char **secret)
{
	struct crypto_cert_info ci;
	char *pem = NULL, hex[2 * CRYPTO_SHA256_LEN + 1], when[21];
	size_t len = 0, i;
	long long now = now_seconds();
	enum ac_err err;

	err = read_file_limited(path, CRYPTO_PEM_MAX, "certificate file", &pem, &len);
	if (err)
		return err == AC_NOTFOUND ? AC_USAGE : err;
	if ((err = crypto_cert_info(pem, len, &ci)) ||
	    (err = crypto_private_key_pem(pem, len, secret, &len)))
		goto out;
	if ((err = crypto_key_matches(pem, strlen(pem), *secret, len)))
		goto out;
	if (ci.not_after <= now) {
		format_rfc3339(ci.not_after, when);
		err = ac_fail(AC_EXPIRED, "the certificate in %s expired at %s", path, when);
		goto out;
	}
	for (i = 0; i < CRYPTO_SHA1_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02X", ci.sha1[i]);
	if ((err = profile_set_key(p, "certificate_thumbprint", hex)))
		goto out;
	for (i = 0; i < CRYPTO_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02X", ci.sha256[i]);
	if ((err = profile_set_key(p, "certificate_thumbprint_sha256", hex)))
		goto out;
	format_rfc3339(ci.not_after, when);
	err = profile_set_key(p, "certificate_expires", when);
	if (!err && ci.not_after - now < 30 * 86400)
		log_warn("%s: the certificate expires at %s", p->name, when);
out:
	if (err) {
		sec_free(*secret);
		*secret = NULL;
	}
	sec_free(pem);
	return err;
}

enum ac_err entra_cred_finish(const struct entra_cred_opts *o,
			      struct profile *p, char **secret)
{
	const char *given[6];
	enum ac_err err;
	int n = 0;

	*secret = NULL;
	if (o->secret_stdin)
		given[n++] = "--secret-stdin";
	if (p->secret_env)
		given[n++] = "--secret-env";
	if (o->workload_identity)
		given[n++] = "--workload-identity";
	else if (o->assertion_file)
		given[n++] = "--client-assertion-file";
	if (o->certificate)
		given[n++] = "--certificate";
	if (o->managed_identity || o->mi_client_id)
		given[n++] = o->managed_identity ? "--managed-identity" :
			     "--managed-identity-client-id";
	if (p->type != PT_ENTRA_AGENT) {
		if (o->workload_identity || o->certificate || o->managed_identity ||
		    o->mi_client_id)
			return ac_fail(AC_USAGE, "%s applies to entra-agent profiles only",
				       o->certificate ? "--certificate" :
				       o->workload_identity ? "--workload-identity" :
				       "--managed-identity");
		return AC_OK;
	}
	if (n > 1)
		return ac_fail(AC_USAGE, "one blueprint credential per profile, not both %s and %s",
			       given[0], given[1]);
	if (o->workload_identity) {
		if ((err = from_env(p, &p->tenant, "tenant", "AZURE_TENANT_ID")) ||
		    (err = from_env(p, &p->blueprint_app_id, "blueprint_app_id",
				    "AZURE_CLIENT_ID")) ||
		    (err = from_env(p, &p->authority, "authority",
				    "AZURE_AUTHORITY_HOST")) ||
		    (err = from_env(p, &p->client_assertion_file,
				    "client_assertion_file",
				    "AZURE_FEDERATED_TOKEN_FILE")))
			return err;
		if (!p->client_assertion_file)
			return ac_fail(AC_USAGE, "--workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set and --client-assertion-file is not given");
	}
	if (o->managed_identity || o->mi_client_id)
		if ((err = profile_set_key(p, "managed_identity",
					   o->mi_client_id ? o->mi_client_id : "system")))
			return err;
	if (o->certificate)
		return read_certificate(o->certificate, p, secret);
	return AC_OK;
}
