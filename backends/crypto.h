/*
 * X.509 certificates and RS256 signatures.  backends/crypto.c is the only
 * file that talks to OpenSSL's libcrypto; it is built into the private
 * module agentcred-crypto.so (see helper/module.h) and reached through the
 * crypto_*() functions below (crypto_client.c), which load the module on
 * first use.  The cache-hit path never calls them, so libcrypto is mapped
 * only when a certificate is read or a client assertion is signed.
 *
 * Rules enforced in crypto.c:
 *   - input is PEM text held in memory (never a file name: keys come from
 *     the keyring), at most CRYPTO_PEM_MAX bytes, treated as hostile;
 *   - private keys: PEM in, PEM out, never logged, never in a message;
 *     every buffer that held one is wiped (sec_free, OPENSSL_clear_free);
 *   - only RSA keys of at least 2048 bits sign (RS256, PKCS#1 v1.5).
 *
 * This API is stable: other modules (the SAP X.509 service keys) read
 * certificate expiry through crypto_cert_info().  Add, never change.
 */
#ifndef AGENTCRED_CRYPTO_H
#define AGENTCRED_CRYPTO_H

#include <stddef.h>

#include "../helper/err.h"

#define CRYPTO_PEM_MAX (256 * 1024)
#define CRYPTO_SHA1_LEN 20
#define CRYPTO_SHA256_LEN 32

struct crypto_cert_info {
	int ncerts;			/* CERTIFICATE blocks in the PEM (>= 1) */
	int has_key;			/* a private key block is in the PEM too */
	long long not_before;		/* first certificate, unix time */
	long long not_after;		/* first certificate, unix time */
	unsigned char sha1[CRYPTO_SHA1_LEN];	 /* of the first cert's DER */
	unsigned char sha256[CRYPTO_SHA256_LEN]; /* of the first cert's DER */
};

/* Module ABI: the symbol "agentcred_crypto_ops" in agentcred-crypto.so. */
struct crypto_ops {
	int abi;
	enum ac_err (*cert_info)(const char *pem, size_t len,
				 struct crypto_cert_info *out);
	enum ac_err (*private_key_pem)(const char *pem, size_t len,
				       char **out, size_t *out_len);
	enum ac_err (*key_matches)(const char *cert_pem, size_t cert_len,
				   const char *key_pem, size_t key_len);
	enum ac_err (*rs256_sign)(const char *key_pem, size_t key_len,
				  const void *data, size_t len,
				  unsigned char **sig, size_t *sig_len);
};

/*
 * Certificates in pem (other blocks, such as a private key, are skipped):
 * the count, and of the first one its validity and DER thumbprints.
 * AC_USAGE when pem holds no certificate or a malformed one.
 */
enum ac_err crypto_cert_info(const char *pem, size_t len,
			     struct crypto_cert_info *out);

/*
 * The (unencrypted) private key found in pem, re-encoded as PKCS#8 PEM
 * into *out (a secret: sec_free).  AC_USAGE when there is none, or it is
 * encrypted, or there are two.
 */
enum ac_err crypto_private_key_pem(const char *pem, size_t len,
				   char **out, size_t *out_len);

/*
 * AC_OK when the private key in key_pem belongs to the first certificate
 * in cert_pem; AC_USAGE saying so otherwise.
 */
enum ac_err crypto_key_matches(const char *cert_pem, size_t cert_len,
			       const char *key_pem, size_t key_len);

/*
 * RSASSA-PKCS1-v1_5 with SHA-256 over data[0..len) with the RSA private
 * key in key_pem: the raw signature into *sig (free()/sec_free), its
 * length into *sig_len.  AC_USAGE for a key that is not RSA >= 2048 bits.
 */
enum ac_err crypto_rs256_sign(const char *key_pem, size_t key_len,
			      const void *data, size_t len,
			      unsigned char **sig, size_t *sig_len);

#endif
