/*
 * The core side of the crypto module: loads agentcred-crypto.so (the only
 * libcrypto user) the first time a certificate is read or an assertion is
 * signed, so the cache-hit path never maps libcrypto (see crypto.h).
 */
#include <string.h>

#include "../helper/module.h"
#include "crypto.h"

static const struct crypto_ops *ops;

static enum ac_err load(void)
{
	const void *v = NULL;
	enum ac_err err;

	if (ops)
		return AC_OK;
	err = module_load("agentcred-crypto.so", "agentcred_crypto_ops", &v);
	if (!err)
		ops = v;
	return err;
}

enum ac_err crypto_cert_info(const char *pem, size_t len,
			     struct crypto_cert_info *out)
{
	enum ac_err err = load();

	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	return ops->cert_info(pem, len, out);
}

enum ac_err crypto_private_key_pem(const char *pem, size_t len,
				   char **out, size_t *out_len)
{
	enum ac_err err = load();

	*out = NULL;
	*out_len = 0;
	return err ? err : ops->private_key_pem(pem, len, out, out_len);
}

enum ac_err crypto_key_matches(const char *cert_pem, size_t cert_len,
			       const char *key_pem, size_t key_len)
{
	enum ac_err err = load();

	return err ? err : ops->key_matches(cert_pem, cert_len, key_pem, key_len);
}

enum ac_err crypto_rs256_sign(const char *key_pem, size_t key_len,
			      const void *data, size_t len,
			      unsigned char **sig, size_t *sig_len)
{
	enum ac_err err = load();

	*sig = NULL;
	*sig_len = 0;
	return err ? err : ops->rs256_sign(key_pem, key_len, data, len, sig, sig_len);
}
