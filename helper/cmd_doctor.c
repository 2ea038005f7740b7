/*
 * "agentcred doctor [--online]": checks the things that make agentcred
 * fail and says, one line each, how to fix them.  Exit 0 when all is well.
 *
 * It never prints a secret and never fetches a token; --online only opens
 * a TLS connection to each token endpoint (any HTTP status means it is
 * reachable) and compares the server's Date header with the local clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../backends/x509.h"
#include "../backends/http.h"
#include "../keyring/keyring.h"
#include "commands.h"
#include "kcache.h"
#include "token.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define MAX_SKEW 120

static int failures;

static void report(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(int ok, const char *what, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("%-5s %-14s %s\n", ok > 0 ? "ok" : ok == 0 ? "FAIL" : "warn", what, line);
	if (ok == 0)
		failures++;
}

static void check_keyring(const char *store)
{
	const struct keyring_ops *ops;
	struct kr_attr probe[] = { { "kind", "doctor-probe" } };
	struct kr_item *items = NULL;
	size_t n = 0;
	const char *bus = getenv("DBUS_SESSION_BUS_ADDRESS");

	if (store && !strcmp(store, "file")) {
		report(1, "keyring", "file store (plaintext, opted into) — no D-Bus needed");
	} else if (!bus || !*bus || !strncmp(bus, "disabled:", 9)) {
		report(0, "d-bus", "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is %s) — log in to a desktop session, run under dbus-run-session, or use --keyring file",
		       bus && *bus ? "disabled" : "unset");
	} else {
		report(1, "d-bus", "session bus present");
	}
	if (keyring_get(&ops)) {
		report(0, "keyring", "%s", ac_message());
		ac_clear();
		return;
	}
	if (ops->search(KR_SCHEMA_AGENTCRED, probe, 1, KR_FIRST_ONLY, &items, &n)) {
		report(0, "keyring", "%s", ac_message());
		ac_clear();
		return;
	}
	ops->free_items(items, n);
	/* the provider's name, and no claim a later item read could belie */
	if (ops->provider && ops->provider())
		report(1, "keyring", "%s (%s) reachable, default collection unlocked",
		       ops->name, ops->provider());
	else
		report(1, "keyring", "%s reachable, default collection unlocked", ops->name);
}

static void check_kernel(void)
{
	struct kcache_info ki;
	char key[65], *value = NULL;
	size_t len = 0;
	int ok;

	kcache_describe(&ki);
	if (!strcmp(ki.level, "off")) {
		report(-1, "fast-cache", "disabled (%s): every call reads the Secret Service", ki.why);
		return;
	}
	snprintf(key, sizeof(key), "doctor-%ld", (long)getpid());
	kcache_put("doctor", key, "{}", 2, now_seconds() + 60);
	ok = !kcache_get("doctor", key, &value, &len) && len == 2;
	sec_free(value);
	kcache_drop("doctor", key);
	if (ok && !strcmp(ki.level, "runtime-dir"))
		report(1, "fast-cache", "runtime-directory files on tmpfs (%s): %ld tokens, %ld bytes",
		       ki.why, ki.count, ki.bytes);
	else if (ok)
		report(1, "fast-cache", "kernel user keyring (%s%s%s): %ld of %ld keys, %ld of %ld bytes (a quarter of the user's key quota)",
		       ki.dir_why && *ki.dir_why ? ki.dir_why : ki.why,
		       ki.dir_why && *ki.dir_why ? "; " : "",
		       ki.dir_why && *ki.dir_why ? ki.why : "",
		       ki.count, ki.max_count, ki.bytes, ki.max_bytes);
	else if (!strcmp(ki.level, "kernel"))
		report(-1, "fast-cache", "kernel user keyring full (%s): %ld of %ld keys, %ld of %ld bytes; cache hits go to the Secret Service, slower but correct",
		       ki.why, ki.count, ki.max_count, ki.bytes, ki.max_bytes);
	else
		report(-1, "fast-cache", "none (%s%s%s): cache hits go to the Secret Service, slower but correct",
		       ki.why, ki.dir_why && *ki.dir_why ? "; " : "",
		       ki.dir_why ? ki.dir_why : "");
}

/* Blueprint credentials (README "Blueprint credentials"): expiry, endpoint. */
static void check_certificate(const struct profile *p)
{
	long long t, left;

	if (parse_rfc3339(p->certificate_expires, &t)) {
		report(0, p->name, "certificate_expires \"%s\" is not a date", p->certificate_expires);
		return;
	}
	left = t - now_seconds();
	if (left <= 0)
		report(0, p->name, "certificate %s expired at %s — add a new one with: agentcred profile add %s --certificate FILE ...",
		       p->certificate_thumbprint, p->certificate_expires, p->name);
	else
		report(left < 30 * 86400 ? -1 : 1, p->name, "certificate %s expires %s (in %lld days)",
		       p->certificate_thumbprint, p->certificate_expires, left / 86400);
}

static void check_managed(const struct profile *p)
{
	const char *ep = getenv("IDENTITY_ENDPOINT");

	report(1, p->name, "managed identity %s from %s", p->managed_identity,
	       ep && *ep ? "IDENTITY_ENDPOINT" : "IMDS");
}

static void check_secret(const struct profile *p)
{
	const struct backend *be = backend_for(p->type);
	struct credential c;
	char *secret = NULL;
	enum ac_err err;

	if (!be) {
		report(0, p->name, "unsupported profile type");
		return;
	}
	be->credential(p, &c);
	if (c.from == CRED_ENV) {
		const char *v = getenv(c.where);

		report(v && *v ? 1 : 0, p->name, v && *v ? "secret from $%s" :
		       "$%s is not set — export it before calling agentcred", c.where);
		return;
	}
	if (c.from == CRED_FILE) {
		int ok = !access(c.where, R_OK);

		report(ok, p->name, ok ? "%s %s readable" :
		       "%s %s is not readable — check the path and mount",
		       c.what, c.where);
		return;
	}
	if (c.from == CRED_ENDPOINT) {
		check_managed(p);
		return;
	}
	if (p->certificate_thumbprint && p->certificate_expires)
		check_certificate(p);
	err = kr_client_secret_get(p->name, &secret);
	sec_free(secret);
	if (err == AC_OK)
		report(1, p->name, p->certificate_expires ?
		       "certificate private key stored" : "secret stored");
	else if (err == AC_NOTFOUND && p->auth_method == AUTH_X509)
		report(0, p->name, "no certificate and key stored — run: agentcred profile import-sap-key %s FILE",
		       p->name);
	else if (err == AC_NOTFOUND)
		report(0, p->name, "no secret stored — run: agentcred profile add %s --type %s ...",
		       p->name, profile_type_name(p->type));
	else
		report(0, p->name, "cannot read the secret: %s", ac_message());
	ac_clear();
}

static void check_online(const struct profile *p)
{
	const struct backend *be = backend_for(p->type);
	struct sbuf url = SBUF_INIT, cert = SBUF_INIT, key = SBUF_INIT;
	struct http_request req;
	struct http_response resp;
	char what[80];

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (!be)
		return;
	be->server_url(p, &url);
	snprintf(what, sizeof(what), "%s/online", p->name);
	req.method = "GET";
	req.url = url.buf;
	req.ca_file = p->ca_file;
	req.timeout_ms = profile_timeout(p) * 1000;
	req.max_body = 64 * 1024;
	/* a certificate host wants the client certificate in the handshake */
	if (p->type == PT_CLIENT_CREDENTIALS && p->auth_method == AUTH_X509) {
		char *bundle = NULL;
		enum ac_err err = token_profile_secret(p, &bundle);

		if (!err)
			err = x509_split(p, bundle, &cert, &key);
		sec_free(bundle);
		if (err) {
			report(0, what, "%s", ac_message());
			ac_clear();
			goto out;
		}
		req.client_cert = cert.buf;
		req.client_cert_len = cert.len;
		req.client_key = key.buf;
		req.client_key_len = key.len;
	}
	if (http_perform(&req, &resp)) {
		report(0, what, "%s", ac_message());
		ac_clear();
	} else {
		long long skew = resp.date ? resp.date - now_seconds() : 0;

		report(1, what, "%s answers over TLS (HTTP %ld)", url.buf, resp.status);
		if (resp.date && (skew > MAX_SKEW || skew < -MAX_SKEW))
			report(0, "clock", "local clock differs from %s by %lld s — fix the system time (timedatectl / NTP)",
			       url.buf, skew);
	}
	http_response_release(&resp);
out:
	sbuf_release(&cert);
	sbuf_release(&key);
	sbuf_release(&url);
}

enum ac_err cmd_doctor(struct config *unused, int argc, char **argv)
{
	struct config cfg;
	int online = argc == 2 && !strcmp(argv[1], "--online");
	long long now = now_seconds();
	enum ac_err err;
	size_t i;

	(void)unused;
	if (argc > 2 || (argc == 2 && !online))
		return ac_fail(AC_USAGE, "usage: agentcred doctor [--online]");
	err = config_load(&cfg);
	if (err) {
		report(0, "config", "%s", ac_message());
		ac_clear();
	} else {
		report(1, "config", "%s: %zu profile%s", cfg.path, cfg.nprofiles,
		       cfg.nprofiles == 1 ? "" : "s");
		if (!global.keyring && !getenv("AGENTCRED_KEYRING"))
			keyring_select(cfg.keyring);
		kcache_set_enabled(cfg.kernel_cache);
	}
	/* a clock before this program was written is certainly wrong */
	report(now > 1767225600LL && now < 4102444800LL, "clock",
	       now > 1767225600LL && now < 4102444800LL ? "system time plausible" :
	       "system time is implausible — fix it (timedatectl / NTP): tokens would look expired or eternal");
	check_keyring(global.keyring ? global.keyring : getenv("AGENTCRED_KEYRING") ?
		      getenv("AGENTCRED_KEYRING") : cfg.keyring);
	check_kernel();
	for (i = 0; !err && i < cfg.nprofiles; i++) {
		char cert[300];
		enum x509_state st;

		check_secret(&cfg.profiles[i]);
		/* an X.509 profile's certificate: valid, last two days, expired */
		st = x509_describe(&cfg.profiles[i], now, cert, sizeof(cert));
		if (st)
			report(st == X509_VALID ? 1 : st == X509_EXPIRING ? -1 : 0,
			       cfg.profiles[i].name, "%s", cert);
		if (online)
			check_online(&cfg.profiles[i]);
	}
	config_release(&cfg);
	if (failures)
		return ac_fail(AC_FAIL, "%d check%s failed — see the lines above", failures,
			       failures == 1 ? "" : "s");
	return AC_OK;
}
