/*
 * "agentcred profile import-sap-key NAME [FILE|-] [--resource-group G]
 * [--key-file F] [--ca-file F]": an SAP AI Core profile from a service
 * key file, stdin, or where SAP's SDKs keep credentials (README.md).
 *
 * Rules: nothing secret is taken from argv; an X.509 key's private key
 * (from the service key or --key-file, read once) is stored in the
 * keyring with the certificate chain and nowhere else, after the crypto
 * module has checked that it belongs to the certificate; the
 * certificate's notAfter goes to the config (certificate_expires) so
 * expiry checks need no keyring; an expired certificate is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/crypto.h"
#include "../backends/pemproto.h"
#include "../backends/sapsources.h"
#include "../backends/x509.h"
#include "commands.h"
#include "../backends/sapkey.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define USAGE "usage: agentcred profile import-sap-key NAME [FILE|-] [--resource-group G] [--key-file F] [--ca-file F]"

struct import_args {
	const char *name, *file, *group, *key_file, *ca_file;
};

static enum ac_err parse_args(int argc, char **argv, struct import_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	if (argc < 2 || argv[1][0] == '-')
		return ac_fail(AC_USAGE, USAGE);
	a->name = argv[1];
	for (i = 2; i < argc; i++) {
		const char **slot = !strcmp(argv[i], "--resource-group") ? &a->group :
				    !strcmp(argv[i], "--key-file") ? &a->key_file :
				    !strcmp(argv[i], "--ca-file") ? &a->ca_file : NULL;

		if (slot && i + 1 < argc)
			*slot = argv[++i];
		else if (!slot && !a->file && (strcmp(argv[i], "-") == 0 || argv[i][0] != '-'))
			a->file = argv[i];
		else
			return ac_fail(AC_USAGE, "unexpected argument \"%.*s\" — " USAGE,
				       (int)strcspn(argv[i], "="), argv[i]);
	}
	return AC_OK;
}

static enum ac_err read_key(const struct import_args *a, struct sap_key *key,
			    char **source, char **group)
{
	char *text = NULL;
	size_t len = 0;
	enum ac_err err;

	if (!a->file)
		return sap_sources_load(key, source, group);
	if (!strcmp(a->file, "-"))
		err = read_fd_limited(0, SAPKEY_MAX, "the service key", &text, &len);
	else
		err = read_file_limited(a->file, SAPKEY_MAX, "service key", &text, &len);
	if (err)
		return err == AC_NOTFOUND ? AC_USAGE : err;
	err = sap_key_parse(text, len, key);
	sec_free(text);
	if (!err)
		*source = xstrdup(strcmp(a->file, "-") ? a->file : "stdin");
	return err;
}

/* The private key from --key-file (an X.509 key made with one's own certificate). */
static enum ac_err key_from_file(const char *path, struct sap_key *key)
{
	struct sbuf out = SBUF_INIT;
	char *text = NULL, *plain;
	size_t len = 0;
	enum ac_err err;

	if (!key->x509)
		return ac_fail(AC_USAGE, "--key-file is for X.509 service keys; this key has a client secret");
	if (key->private_key)
		return ac_fail(AC_USAGE, "the service key holds its private key already — leave out --key-file");
	err = read_file_limited(path, PEM_MAX, "key file", &text, &len);
	if (err)
		return err == AC_NOTFOUND ? AC_USAGE : err;
	plain = pem_unescape(text, len, &len);
	sec_free(text);
	err = pem_split(plain, len, NULL, &out);
	sec_free(plain);
	if (err) {
		sbuf_release(&out);
		return ac_fail(AC_USAGE, "--key-file %s: %s", path, ac_message());
	}
	key->private_key = sbuf_detach(&out, NULL);
	return AC_OK;
}

/* Check certificate and key; the keyring item's text and the notAfter. */
static enum ac_err x509_secret(struct sap_key *key, struct sbuf *secret,
			       char expires[21])
{
	struct crypto_cert_info info;
	enum ac_err err;

	if (!key->private_key)
		return ac_fail(AC_USAGE, "the service key has no private key (a key made with your own certificate) — give it with --key-file F");
	if ((err = crypto_cert_info(key->certificate, strlen(key->certificate), &info)))
		return ac_fail(err, "the service key's certificate: %s", ac_message());
	if ((err = crypto_key_matches(key->certificate, strlen(key->certificate),
				      key->private_key, strlen(key->private_key))))
		return ac_fail(err, "the private key does not belong to the certificate — import the key that came with it (%s)",
			       ac_message());
	format_rfc3339(info.not_after, expires);
	if (info.not_after <= now_seconds())
		return ac_fail(AC_EXPIRED, "the service key's certificate expired on %s — create a new service key in SAP BTP cockpit and import it",
			       expires);
	/* certificate chain first, the key after it: pem_split reads both */
	sbuf_addstr(secret, key->certificate);
	sbuf_addstr(secret, key->private_key);
	return AC_OK;
}

enum ac_err profile_import_sap(struct config *cfg, int argc, char **argv)
{
	struct import_args a;
	struct sap_key key;
	struct profile p;
	struct sbuf secret = SBUF_INIT, h = SBUF_INIT;
	char *source = NULL, *src_group = NULL, expires[21] = "";
	const char *group;
	enum ac_err err;

	memset(&key, 0, sizeof(key));
	profile_init(&p);
	if ((err = parse_args(argc, argv, &a)))
		return err;
	ac_set_subject(a.name);
	if (!profile_name_valid(a.name))
		return ac_fail(AC_USAGE, "bad profile name — use 1 to 64 letters, digits, '.', '_' and '-'");
	if ((err = read_key(&a, &key, &source, &src_group)))
		goto out;
	if (a.key_file && (err = key_from_file(a.key_file, &key)))
		goto out;
	if (key.x509 && (err = x509_secret(&key, &secret, expires)))
		goto out;
	group = a.group ? a.group : src_group ? src_group : "default";

	p.name = xstrdup(a.name);
	p.type = PT_CLIENT_CREDENTIALS;
	p.auth_method = AUTH_POST;
	p.token_url = xstrdup(key.token_url);
	p.client_id = xstrdup(key.client_id);
	p.api_url = xstrdup(key.api_url);
	sbuf_addf(&h, "AI-Resource-Group=%s", group);
	if ((err = profile_set_key(&p, "hosts", key.api_host)) ||
	    (a.ca_file && (err = profile_set_key(&p, "ca_file", a.ca_file))) ||
	    (err = profile_set_key(&p, "headers", h.buf)))
		goto out;
	if (key.x509 &&
	    ((err = profile_set_key(&p, "auth_method", "x509")) ||
	     (err = profile_set_key(&p, "certificate_expires", expires))))
		goto out;
	if ((err = profile_validate(&p)))
		goto out;
	err = profile_commit(cfg, &p, key.x509 ? secret.buf : key.client_secret);
	if (err)
		goto out;
	printf("imported %s from %s: token URL %s, API %s, resource group %s",
	       a.name, source, key.token_url, key.api_url, group);
	if (key.x509)
		printf(", X.509 client certificate valid until %s", expires);
	printf("\n");
	if (key.x509) {
		struct profile *saved = config_find(cfg, a.name);

		/* its last two days: say so now, not only at the next call */
		if (saved)
			x509_check_expiry(saved, now_seconds());
	}
out:
	free(source);
	free(src_group);
	sbuf_release(&secret);
	sbuf_release(&h);
	profile_release(&p);
	sap_key_release(&key);
	return err;
}
