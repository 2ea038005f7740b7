/* backends/pemproto.c: PEM bundles of X.509 service keys, good and hostile. */
#include <stdlib.h>
#include <string.h>

#include "../../backends/pemproto.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

#define C1 "-----BEGIN CERTIFICATE-----\nQUJD\nREVG\n-----END CERTIFICATE-----\n"
#define C2 "-----BEGIN CERTIFICATE-----\nR0hJ\n-----END CERTIFICATE-----\n"
#define K1 "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n"

static enum ac_err split(const char *s, struct sbuf *c, struct sbuf *k)
{
	return pem_split(s, strlen(s), c, k);
}

static void test_unescape(void)
{
	size_t n;
	char *s = pem_unescape("a\\nb\\\\n\r\nc\\", 11, &n);

	/* "\\n" (backslash, backslash, n): the last two are an escape too */
	CHECK_STR(s, "a\nb\\\n\nc\\");
	CHECK_INT(n, strlen(s));
	sec_free(s);
	s = pem_unescape("", 0, &n);
	CHECK_STR(s, "");
	sec_free(s);
}

static void test_good(void)
{
	struct sbuf c = SBUF_INIT, k = SBUF_INIT;

	/* chain and key, text around, CRLF and trailing blanks, key first */
	CHECK_INT(split("subject=/CN=x\r\n" K1 "junk\n-----BEGIN CERTIFICATE----- \r\nQUJD\r\n\r\nREVG\n"
			"-----END CERTIFICATE-----\r\n" C2, &c, &k), AC_OK);
	CHECK_STR(c.buf, C1 C2);
	CHECK_STR(k.buf, K1);
	sbuf_release(&c);
	sbuf_release(&k);
	/* no final newline; RSA and EC key labels; other blocks skipped */
	CHECK_INT(split("-----BEGIN EC PARAMETERS-----\nBggq\n-----END EC PARAMETERS-----\n"
			"-----BEGIN EC PRIVATE KEY-----\nS0VZ\n-----END EC PRIVATE KEY-----", NULL, &k), AC_OK);
	CHECK_STR(k.buf, "-----BEGIN EC PRIVATE KEY-----\nS0VZ\n-----END EC PRIVATE KEY-----\n");
	sbuf_release(&k);
	CHECK_INT(split(C1 "-----BEGIN RSA PRIVATE KEY-----\nS0VZ\n-----END RSA PRIVATE KEY-----\n", &c, &k), AC_OK);
	CHECK_STR(c.buf, C1);
	sbuf_release(&c);
	sbuf_release(&k);
	/* only what was asked for is required */
	CHECK_INT(split(C1, &c, NULL), AC_OK);
	sbuf_release(&c);
	CHECK_INT(split(K1, NULL, &k), AC_OK);
	sbuf_release(&k);
}

static void bad(const char *s, int want_cert, int want_key, const char *msg)
{
	struct sbuf c = SBUF_INIT, k = SBUF_INIT;

	CHECK_INT(split(s, want_cert ? &c : NULL, want_key ? &k : NULL), AC_USAGE);
	if (!strstr(ac_message(), msg)) {
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", ac_message(), msg);
		CHECK(0);
	}
	/* never quote the key */
	CHECK(strstr(ac_message(), "S0VZ") == NULL);
	sbuf_release(&c);
	sbuf_release(&k);
}

static void test_bad(void)
{
	char *big;

	bad("", 1, 0, "no PEM certificate");
	bad(C1, 0, 1, "no PEM private key");
	bad(K1, 1, 1, "no PEM certificate");
	bad("-----BEGIN CERTIFICATE-----\nQUJD\n", 1, 0, "no END line");
	bad("-----BEGIN CERTIFICATE-----\nQUJD\n-----END PRIVATE KEY-----\n", 1, 0, "ends with END");
	bad("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", 1, 0, "empty");
	bad("-----BEGIN CERTIFICATE-----\nQU JD\n-----END CERTIFICATE-----\n", 1, 0, "not base64");
	bad("-----BEGIN CERTIFICATE-----\nQUJD\n\"x\n-----END CERTIFICATE-----\n", 1, 0, "not base64");
	bad(C1 K1 K1, 1, 1, "two private keys");
	bad("-----BEGIN ENCRYPTED PRIVATE KEY-----\nS0VZ\n-----END ENCRYPTED PRIVATE KEY-----\n", 0, 1, "encrypted");
	bad("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nS0VZ\n"
	    "-----END RSA PRIVATE KEY-----\n", 0, 1, "encrypted");
	bad("-----BEGIN RSA PRIVATE KEY-----\nX-Other: 1\n\nS0VZ\n-----END RSA PRIVATE KEY-----\n", 0, 1, "not base64");

	big = malloc(PEM_MAX + 2);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'A', PEM_MAX + 1);
	big[PEM_MAX + 1] = '\0';
	bad(big, 1, 0, "larger than");
	/* one over-long line inside a block */
	memcpy(big, "-----BEGIN CERTIFICATE-----\n", 28);
	strcpy(big + 5000, "\n-----END CERTIFICATE-----\n");
	bad(big, 1, 0, "over");
	free(big);
}

int main(void)
{
	test_unescape();
	test_good();
	test_bad();
	return check_done("test_pemproto");
}
