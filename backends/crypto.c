/*
 * X.509 and RS256, and the only file that talks to OpenSSL's libcrypto.
 * It is built as the private module agentcred-crypto.so (see
 * helper/module.h) and reached through crypto_client.c.
 *
 * Rules kept here (see crypto.h):
 *   - PEM text comes from memory, bounded by CRYPTO_PEM_MAX, and is
 *     walked block by block with PEM_read_bio(), so a certificate file
 *     with a key, a chain or comments between blocks reads the same way;
 *   - an encrypted private key is refused (agentcred has nobody to ask
 *     for its pass phrase at request time), never prompted for;
 *   - libcrypto allocates through the binary's wiping allocator when it
 *     can still be told to (CRYPTO_set_mem_functions before its first
 *     allocation); key bytes it hands back are freed with
 *     OPENSSL_clear_free either way;
 *   - messages never quote PEM contents.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../helper/module.h"
#include "../helper/secmem.h"
#include "crypto.h"

#define MIN_RSA_BITS 2048

static int mem_ready;

static void *cb_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return xmalloc(n ? n : 1);
}

static void *cb_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (!n) {
		sec_free(p);
		return NULL;
	}
	return xrealloc(p, n);
}

static void cb_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	sec_free(p);
}

/* Best effort: refused (harmless) once libcrypto has allocated anything. */
static void mem_init(void)
{
	if (mem_ready)
		return;
	mem_ready = 1;
	CRYPTO_set_mem_functions(cb_malloc, cb_realloc, cb_free);
}

static enum ac_err fail(enum ac_err code, const char *msg)
{
	ERR_clear_error();
	return ac_fail(code, "%s", msg);
}

static BIO *pem_bio(const char *pem, size_t len)
{
	if (!pem || !len || len > CRYPTO_PEM_MAX || len > INT_MAX)
		return NULL;
	return BIO_new_mem_buf(pem, (int)len);
}

static int is_key_block(const char *name)
{
	size_t n = strlen(name), k = strlen("PRIVATE KEY");

	return n >= k && !strcmp(name + n - k, "PRIVATE KEY");
}

/* One PEM block, wiped when released (it may be a private key). */
struct block {
	char *name;
	char *header;
	unsigned char *data;
	long len;
};

static void block_release(struct block *b)
{
	OPENSSL_free(b->name);
	OPENSSL_free(b->header);
	if (b->data)
		OPENSSL_clear_free(b->data, (size_t)(b->len > 0 ? b->len : 0));
	memset(b, 0, sizeof(*b));
}

/* Next block of any kind: 1, or 0 at the end (or on garbage). */
static int next_block(BIO *bio, struct block *b)
{
	memset(b, 0, sizeof(*b));
	if (PEM_read_bio(bio, &b->name, &b->header, &b->data, &b->len) != 1) {
		ERR_clear_error();
		return 0;
	}
	return 1;
}

static X509 *first_cert(const char *pem, size_t len, int *ncerts,
			int *nkeys)
{
	BIO *bio = pem_bio(pem, len);
	struct block b;
	X509 *x = NULL;
	int bad = 0;

	*ncerts = 0;
	if (nkeys)
		*nkeys = 0;
	if (!bio)
		return NULL;
	while (next_block(bio, &b)) {
		if (!strcmp(b.name, "CERTIFICATE") ||
		    !strcmp(b.name, "X509 CERTIFICATE")) {
			if (!*ncerts) {
				const unsigned char *p = b.data;

				x = d2i_X509(NULL, &p, b.len);
				if (!x || p != b.data + b.len)
					bad = 1;
			}
			(*ncerts)++;
		} else if (nkeys && is_key_block(b.name)) {
			(*nkeys)++;
		}
		block_release(&b);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (bad) {
		X509_free(x);
		*ncerts = -1;
		return NULL;
	}
	return x;
}

static int asn1_unix(const ASN1_TIME *t, long long *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (long long)timegm(&tm);
	return 0;
}

static enum ac_err cert_info(const char *pem, size_t len,
			     struct crypto_cert_info *out)
{
	unsigned int n1 = 0, n256 = 0;
	int ncerts, nkeys;
	X509 *x;

	mem_init();
	memset(out, 0, sizeof(*out));
	if (len > CRYPTO_PEM_MAX)
		return ac_fail(AC_USAGE, "the certificate PEM is over %d KiB",
			       CRYPTO_PEM_MAX / 1024);
	x = first_cert(pem, len, &ncerts, &nkeys);
	if (!x)
		return fail(AC_USAGE, ncerts < 0 ?
			    "the first certificate in the PEM is malformed" :
			    "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
	out->ncerts = ncerts;
	out->has_key = nkeys > 0;
	if (asn1_unix(X509_get0_notBefore(x), &out->not_before) ||
	    asn1_unix(X509_get0_notAfter(x), &out->not_after) ||
	    X509_digest(x, EVP_sha1(), out->sha1, &n1) != 1 ||
	    X509_digest(x, EVP_sha256(), out->sha256, &n256) != 1 ||
	    n1 != CRYPTO_SHA1_LEN || n256 != CRYPTO_SHA256_LEN) {
		X509_free(x);
		memset(out, 0, sizeof(*out));
		return fail(AC_USAGE, "cannot read the certificate's validity or thumbprint");
	}
	X509_free(x);
	ERR_clear_error();
	return AC_OK;
}

/* The one unencrypted private key in pem, or NULL with the error recorded. */
static EVP_PKEY *load_key(const char *pem, size_t len, enum ac_err *err)
{
	BIO *bio = pem_bio(pem, len);
	struct block b;
	EVP_PKEY *k = NULL;
	int nkeys = 0, encrypted = 0, bad = 0;

	*err = AC_OK;
	if (!bio) {
		*err = fail(AC_USAGE, len > CRYPTO_PEM_MAX ?
			    "the private key PEM is too long" :
			    "no PEM private key found");
		return NULL;
	}
	while (next_block(bio, &b)) {
		if (is_key_block(b.name)) {
			nkeys++;
			if (!strcmp(b.name, "ENCRYPTED PRIVATE KEY") ||
			    (b.header && strstr(b.header, "ENCRYPTED")))
				encrypted = 1;
			else if (nkeys == 1) {
				const unsigned char *p = b.data;

				k = d2i_AutoPrivateKey(NULL, &p, b.len);
				if (!k || p != b.data + b.len)
					bad = 1;
			}
		}
		block_release(&b);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (nkeys == 1 && !encrypted && !bad && k)
		return k;
	EVP_PKEY_free(k);
	if (!nkeys)
		*err = fail(AC_USAGE, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
	else if (nkeys > 1)
		*err = fail(AC_USAGE, "the PEM holds more than one private key");
	else if (encrypted)
		*err = fail(AC_USAGE, "the private key is encrypted — decrypt it first (openssl pkey -in FILE -out KEY.pem) and keep that file private");
	else
		*err = fail(AC_USAGE, "the private key in the PEM is malformed");
	return NULL;
}

static enum ac_err private_key_pem(const char *pem, size_t len,
				   char **out, size_t *out_len)
{
	enum ac_err err;
	EVP_PKEY *k;
	BIO *mem;
	char *data = NULL;
	long n;

	mem_init();
	*out = NULL;
	*out_len = 0;
	if (!(k = load_key(pem, len, &err)))
		return err;
	mem = BIO_new(BIO_s_secmem());
	if (!mem || PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(mem, &data)) <= 0) {
		BIO_free(mem);
		EVP_PKEY_free(k);
		return fail(AC_FAIL, "cannot re-encode the private key");
	}
	*out = xmalloc((size_t)n + 1);
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	*out_len = (size_t)n;
	BIO_free(mem);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return AC_OK;
}

static enum ac_err key_matches(const char *cert_pem, size_t cert_len,
			       const char *key_pem, size_t key_len)
{
	enum ac_err err;
	int ncerts, same;
	EVP_PKEY *k;
	X509 *x;

	mem_init();
	x = first_cert(cert_pem, cert_len, &ncerts, NULL);
	if (!x)
		return fail(AC_USAGE, "no usable PEM certificate found");
	if (!(k = load_key(key_pem, key_len, &err))) {
		X509_free(x);
		return err;
	}
	same = EVP_PKEY_eq(X509_get0_pubkey(x), k) == 1;
	EVP_PKEY_free(k);
	X509_free(x);
	ERR_clear_error();
	if (!same)
		return ac_fail(AC_USAGE, "the private key does not belong to the certificate");
	return AC_OK;
}

static enum ac_err rs256_sign(const char *key_pem, size_t key_len,
			      const void *data, size_t len,
			      unsigned char **sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	enum ac_err err;
	EVP_PKEY *k;

	mem_init();
	*sig = NULL;
	*sig_len = 0;
	if (!(k = load_key(key_pem, key_len, &err)))
		return err;
	if (!EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_get_bits(k) < MIN_RSA_BITS) {
		EVP_PKEY_free(k);
		return ac_fail(AC_USAGE, "RS256 needs an RSA private key of at least %d bits",
			       MIN_RSA_BITS);
	}
	if (!(ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || !n)
		goto bad;
	buf = xmalloc(n);
	if (EVP_DigestSign(ctx, buf, &n, data, len) != 1)
		goto bad;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
	*sig = buf;
	*sig_len = n;
	return AC_OK;
bad:
	sec_free(buf);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return fail(AC_FAIL, "RS256 signing failed");
}

__attribute__((visibility("default")))
const struct crypto_ops agentcred_crypto_ops = {
	AGENTCRED_MODULE_ABI,
	cert_info,
	private_key_pem,
	key_matches,
	rs256_sign
};
