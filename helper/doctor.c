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

#include "../backends/http.h"
#include "../keyring/keyring.h"
#include "commands.h"
#include "kcache.h"
#include "secmem.h"
#include "util.h"

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
	report(1, "keyring", "%s reachable and unlocked", ops->name);
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

static void check_secret(const struct profile *p)
{
	char *secret = NULL;
	enum ac_err err;

	if (p->secret_env) {
		const char *v = getenv(p->secret_env);

		report(v && *v ? 1 : 0, p->name, v && *v ? "secret from $%s" :
		       "$%s is not set — export it before calling agentcred", p->secret_env);
		return;
	}
	if (p->type == PT_ENTRA_AGENT && p->client_assertion_file) {
		int ok = !access(p->client_assertion_file, R_OK);

		report(ok, p->name, ok ? "federated credential file %s readable" :
		       "federated credential file %s is not readable — check the path and mount",
		       p->client_assertion_file);
		return;
	}
	err = kr_client_secret_get(p->name, &secret);
	sec_free(secret);
	if (err == AC_OK)
		report(1, p->name, "secret stored");
	else if (err == AC_NOTFOUND)
		report(0, p->name, "no secret stored — run: agentcred profile add %s --type %s ...",
		       p->name, profile_type_name(p->type));
	else
		report(0, p->name, "cannot read the secret: %s", ac_message());
	ac_clear();
}

static void endpoint(const struct profile *p, struct sbuf *url)
{
	switch (p->type) {
	case PT_CLIENT_CREDENTIALS:
		sbuf_addstr(url, p->token_url);
		break;
	case PT_ENTRA_AGENT:
		sbuf_addf(url, "%s/%s/oauth2/v2.0/token",
			  p->authority ? p->authority : "https://login.microsoftonline.com",
			  p->tenant);
		break;
	default:
		sbuf_addstr(url, p->api_url);
	}
}

static void check_online(const struct profile *p)
{
	struct sbuf url = SBUF_INIT;
	struct http_request req;
	struct http_response resp;
	char what[80];

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	endpoint(p, &url);
	snprintf(what, sizeof(what), "%s/online", p->name);
	req.method = "GET";
	req.url = url.buf;
	req.ca_file = p->ca_file;
	req.timeout_ms = profile_timeout(p) * 1000;
	req.max_body = 64 * 1024;
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
		check_secret(&cfg.profiles[i]);
		if (online)
			check_online(&cfg.profiles[i]);
	}
	config_release(&cfg);
	if (failures)
		return ac_fail(AC_FAIL, "%d check%s failed — see the lines above", failures,
			       failures == 1 ? "" : "s");
	return AC_OK;
}
