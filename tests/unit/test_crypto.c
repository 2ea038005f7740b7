/*
 * agentcred-crypto.so through crypto_client.c: certificate facts, key
 * extraction and matching, and RS256 signatures checked against what the
 * openssl command computed for the same fixed key (PKCS#1 v1.5 signatures
 * are deterministic).  The fixtures were made with
 *   openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=agentcred-test
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../backends/crypto.h"
#include "../../helper/secmem.h"

static const char cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDAjCCAeqgAwIBAgIBATANBgkqhkiG9w0BAQsFADAZMRcwFQYDVQQDDA5hZ2Vu\n"
	"dGNyZWQtdGVzdDAgFw0yNjEyMDIxOTA3MjdaGA8yMTI2MTEwODE5MDcyN1owGTEX\n"
	"MBUGA1UEAwwOYWdlbnRjcmVkLXRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw\n"
	"ggEKAoIBAQC5xSVaDiVrlnsU7QQSZU0CpNVCOyuva3bSRagbg4B5fYvZDSxXZiCq\n"
	"tIPodB9fEK6zv2sUgjcNWuJVIamUMITrESwNYQ4GL4npN33Yi+gqynyPcz45EEEF\n"
	"ks7AULh5T5CD5M12psvSaGYsm9zk3UmKx2Tg8jBfCcFxsUuR/Xgxz8IEXMZ8TCoC\n"
	"3pfr7Na4GksxSlUGHQOiY2Pq5zpll6kWD1Xg2INVXXcCXe5QFJ3Bb8dxtkn/FCDK\n"
	"W8F8Ns8E1VetzTGro1IQYZ0V8lcWjZM4Swt68oQpTST/48jP84K/aja4iGTCULoX\n"
	"2xojpwONKMfTBksl+N8V1ynjhx8Lxv+nAgMBAAGjUzBRMB0GA1UdDgQWBBShPZbg\n"
	"Ddly2IRS1CDRBF/Vp0dKlzAfBgNVHSMEGDAWgBShPZbgDdly2IRS1CDRBF/Vp0dK\n"
	"lzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQBCSeNXsRRhu+Qz\n"
	"O//naHnp1ynJkQgW0Kj4rq8yR6dhYgPmHoSZb65rZj9m5RTyjX93fDCcmlGZIKeq\n"
	"NnrzrHIEtitrWBv+qM5Vzc30IFDOjDI7eEdoZZpbLy+aZYt87v/oFg09cT7NsVYi\n"
	"bH3ePPd3nXD/W7/7YoXKBd18h1UI48s2aL17AYtjq6l2eRdXR136xckFLmdkKPbs\n"
	"/1e9YjuBX84/eLIisb8YGqQ9P2tl9oP7ijRBQJI/4THsaWcSgXtomqZPMrWkMXgV\n"
	"XLIby+B8xIIJNH4XOpFapxvnVKyASE4Lpbiioz/2i7TXMs2zJUlLZhEXgwzNVeJq\n"
	"zVXxeNxF\n"
	"-----END CERTIFICATE-----\n";

static const char key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC5xSVaDiVrlnsU\n"
	"7QQSZU0CpNVCOyuva3bSRagbg4B5fYvZDSxXZiCqtIPodB9fEK6zv2sUgjcNWuJV\n"
	"IamUMITrESwNYQ4GL4npN33Yi+gqynyPcz45EEEFks7AULh5T5CD5M12psvSaGYs\n"
	"m9zk3UmKx2Tg8jBfCcFxsUuR/Xgxz8IEXMZ8TCoC3pfr7Na4GksxSlUGHQOiY2Pq\n"
	"5zpll6kWD1Xg2INVXXcCXe5QFJ3Bb8dxtkn/FCDKW8F8Ns8E1VetzTGro1IQYZ0V\n"
	"8lcWjZM4Swt68oQpTST/48jP84K/aja4iGTCULoX2xojpwONKMfTBksl+N8V1ynj\n"
	"hx8Lxv+nAgMBAAECggEAVbQhTlG2a9NJx1atiTsY8z5OcLbRqaVfdRTTwJXDgMkt\n"
	"6p4MNeoU6gxLysM/8eDFaIHICfclJNEoF/Rmwso7mCMc+rMrACmQa3rBYVTycENo\n"
	"gdm9/B+Gj+ax4cGbycOuPVsieznqUJD/ilcB6sg4dIEXBjxVmpLqnuQXpCuW9wtB\n"
	"kInEVbtval6aaez1vOD8fM96+hcjpqSflP0eaCd4oQCf8EvpD4kc79pu54Y/+p4C\n"
	"h0eQtPtM3h8tcNLYaf7+tGzrWCNXS/JglzqO/sCPzZlaukUBQQlp83wNFYxHdf4O\n"
	"fcpLhgROXkNS0cVsJdTf/mr7syAzvBvzsk380W6EYQKBgQD/YquYKrtM2gUR5dQ9\n"
	"hhHP0mG27KsfmC513aq/xplaNYYxW1UirGHKkLls94KuiwoW8i1BF/HTJSj/rHaS\n"
	"LdO41FbRax5CgWThzo573B+OoDYE8TvyLuhr1Y57cd4xFKjH951CAAHPttxpjSTK\n"
	"8glCU/lnMf7iBGxb/V8eklCIsQKBgQC6N5bXVTM+MXGM7ayP7xQPymf0aEE7qrJT\n"
	"Cn7XDZcqM9T9mW/1ryMb4xBCKl9sqSrpBX/fo3UG+eBeSlEhrdYV7zNNYxWy8afy\n"
	"ZNqfBnIyKYKYJfUG4+QVipG3zRurUDr9R7CO8HjKRGVcK8nYH0r+GQ6VNXyRY/TN\n"
	"Hi9ke7Qj1wKBgEiq8tihkBoWD0tAclvvQjI4UsWSIj8jNlUjdeqLwCcDA+QXcOok\n"
	"0s6oz5pJ801nEr/kuSvEfHLwJ/JYSITftVbqVKnSKRITb3kxJSnpQLF8tOJDIiOP\n"
	"ZWMJqTlG9UpR7pS3yG93QQyxo5YFK2rz496Ttmu+th/p0kt6lQ5F49SBAoGABZ4R\n"
	"rdNDJXgmXcL5tqnWqBdKBYRzm1It6PVjGCevzLUdkrzjNL0gyQGThvtyP3vm8Hqa\n"
	"/esXZ6t4CkAhrGtrDuRVXttDV0+U6moCclOmdD7uUpqqhpevVLsGZE4KrKNR9DwK\n"
	"ZnV4n1lq2Vn0z9E52Op2lyey50vloZ5sfZKBv6cCgYAe5tF1sVa5MY4zroCN+VQ4\n"
	"fjh4OHYyOMBxFozBbKRjxQjSvd4aC8DNPCpvakFmgoUFcVu8CjGkeOZ21qFrYCP7\n"
	"U5dVj5TGP5zk8pEeI9kLq022Ea4bqW4PZWDhD8SXllBeWR7mNK4q7I3AiP42NdUV\n"
	"39YIesmJLIo9TXVG1Gkj6Q==\n"
	"-----END PRIVATE KEY-----\n";

/* another key, for a certificate it does not belong to */
static const char other_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCoZLm+ghnei/Uw\n"
	"n07bTy+n55cZnZvR9iCdetha5obZ+alCTzrgGtxitQdvx3vfQ87KJ+iYb+PegyOu\n"
	"PsRn80FKsKHcos9tQG7mRT1o1Qm4g3163zWgyUEGy9ogs8od9Kmzp9h2iPCgoUhq\n"
	"Cb/FzyQwBjKtDdTNFcefULsntXTIYRmZBymU+TfYReKGvKaqaEmlTdXPzIZFlaF7\n"
	"JJHHP4Iv6SSbEQYgwLs8yAqYtSzkBU0AgIAa7OkIgTmaPqF42dGjRlsb6vMb/syU\n"
	"tMuwQlyYwqA2HGTdEqc5tRlZ0qaXJNqwAbHXQu6sg9Hz+XO1R072p53kkOhxakqq\n"
	"jmt8YO7NAgMBAAECggEAF8VCOBuO8cyhc7flTo2GzWWifYXzV0fucjSDYo+MpSv6\n"
	"QedDyRtZlWB3GIcZHBrrD7vi+FPBH6m06XWoTYE37AZzjtz3uXUhQoWvJcN+8Ao1\n"
	"thjYreYC9SXlGH0wsJpXM0pkAtWRXCdwPLG8Hb0AH3xcfnPHoJystXdUuAYEIn3h\n"
	"rvHYhzMuLyopu8NFGJ9xyqiSOF9vsXFof8TffnO5rwp0JqRf2B8nl2lVMCcf3rrv\n"
	"8U8uOLu2uLLvenwp8OxiwanoPl7Gcom/f8L/t8ju7jSlv75yxWWn/3hDkyrQ+BsD\n"
	"B0gP+xJvGZUQlaEzu8iRtdYW9VNWv0qDj6bB+S7GUQKBgQDgYGv/csfyk8TQy8TA\n"
	"0yU40e1cgwyUgPyNmrOGaDs2/wcV86ef2vsiybJ+p6DQclaFNycwj5MkOeYTmDLq\n"
	"XnPtBttR1zA+Xks8DPiAddVpRNcxDVbTlPs4bp8QbUbhU63Yv1SAbQEeHVvKnVpP\n"
	"CuLmoo9Ure7FNXFlgiR2BkrenQKBgQDAIGnB0OZ/To2mIxHw5hYJ95Ub9P2mp+R2\n"
	"6qYuXDkGl35icSHsW2XC/ko5bmr3eujkxBvJyZm4SbUNKSm8AzFmuuFgt8uuTjg5\n"
	"Ccej0amRG/4WG2hccHzW6ZLDzu7fswZZ9p+c2P7g4NbgR+1FlO5hRlctGBpc/u8/\n"
	"p4QgSQXB8QKBgQDUvjfIJlG1DCzx+DLezZSeUlVngQ4dhEtyDDup9gwnMhnK05Kc\n"
	"/ClgK7PlaRUOb0rf1pJ+9bMDBy7CZ23nUJVEKVssNweUKx3Um0vHqXIm9NHAvbAU\n"
	"v06PjDuffK1XGltchtUdS71ii12sOBQXm+/V1E5ocN5S+EBDiej+SysT9QKBgQC3\n"
	"eDyGEW+L8v/hv2vKmG5DZmLGJ9Zx57KMvNelPfxXByRx7YdvpngvFZbb8U3Et2Lf\n"
	"00aWFCbvjbOPtddc68+pQp0nN10SPzABiA1Vq0o6gHjLs7CdVe5hbPvycRI8HUHb\n"
	"d2BE8BO1vAB2fTlgUTCzQ/DL51CFrg3aw6WxDwqogQKBgDCkW/kwKH4n2JHEjAKW\n"
	"OgkoHIIqYAHuLe6Zt4SqFhQEHzPOPrOO0eXiZGzqmjZYapbCYNknf4ipjmWIAoxY\n"
	"byl44rlCziDh+pqUFkhdn6JcnWE+XAZsEnXYDyzW0e2BYCwe3nVUiJv8ElQ/Cfik\n"
	"oYq70UkzVZcUNhDejRYtEazA\n"
	"-----END PRIVATE KEY-----\n";

static const char sig_hello[] = "37fd69784e6936b82ef4e5f50df7402635f4dd58394f04c70cbae6e5d93460da2b7e4bce0a31ac246de059717d5dc03dc58eee60518483e28e9e3dd91804be17d8a46ac8a4678f7b2aba601ca957aba73850146039ed76f9007d9a606d2124c306ac0e6174869fe6df90b4359b15585546e339a9fd4b3d84d4697a3c55748338024a9a982203308c0c621981d37f15efcb9de4746ace43de2dfca577df1eb8c1d1c6c051694011254f5f2cb8db81be9f1e7bf17744e1d05dfe65573d96618250e7605a6434adfb641a9856160039ea51f595e61cc5b1ec71c0d980bd5cd03346137ea685ce7300787864f35f55618f922253bac021b3df08e98315295632a058";

static void hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The modules are beside the test's directory: build/san/tests/.. */
static void module_dir(void)
{
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	char *s;

	if (n <= 0)
		return;
	dir[n] = '\0';
	if ((s = strrchr(dir, '/')))
		*s = '\0';
	if ((s = strrchr(dir, '/')))
		*s = '\0';
	setenv("AGENTCRED_MODULE_DIR", dir, 1);
}

static void test_cert_info(void)
{
	struct crypto_cert_info ci;
	char both[8192], h[80];

	CHECK_INT(crypto_cert_info(cert, strlen(cert), &ci), AC_OK);
	CHECK_INT(ci.ncerts, 1);
	CHECK_INT(ci.has_key, 0);
	CHECK_INT(ci.not_after, 4949838447LL);
	CHECK(ci.not_before > 1700000000LL && ci.not_before < ci.not_after);
	hex(ci.sha1, sizeof(ci.sha1), h);
	CHECK_STR(h, "aee5ae4b510d57ce30c5116241cbe7e7722914e1");
	hex(ci.sha256, sizeof(ci.sha256), h);
	CHECK_STR(h, "420abffa87cf799f9f4f8cbf05edd55eefbf87f1045ca4150010c5106d2cb403");

	/* key first, then a chain of two with text between blocks */
	snprintf(both, sizeof(both), "%sBag Attributes: x\n%s%s", key, cert, cert);
	CHECK_INT(crypto_cert_info(both, strlen(both), &ci), AC_OK);
	CHECK_INT(ci.ncerts, 2);
	CHECK_INT(ci.has_key, 1);
	CHECK_INT(ci.not_after, 4949838447LL);

	CHECK_INT(crypto_cert_info(key, strlen(key), &ci), AC_USAGE);
	CHECK_INT(ci.ncerts, 0);
	CHECK_INT(crypto_cert_info("", 0, &ci), AC_USAGE);
	CHECK_INT(crypto_cert_info("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
				   58, &ci), AC_USAGE);
	CHECK(strstr(ac_message(), "malformed") != NULL);
}

static void test_key(void)
{
	char both[8192], enc[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
	char *pem = NULL;
	size_t n = 0;

	snprintf(both, sizeof(both), "%s%s", cert, key);
	CHECK_INT(crypto_private_key_pem(both, strlen(both), &pem, &n), AC_OK);
	CHECK(pem && n == strlen(pem));
	CHECK(pem && !strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28));
	CHECK(pem && !strstr(pem, "CERTIFICATE"));
	CHECK_INT(crypto_key_matches(cert, strlen(cert), pem, n), AC_OK);
	sec_free(pem);

	CHECK_INT(crypto_key_matches(cert, strlen(cert), other_key, strlen(other_key)), AC_USAGE);
	CHECK(strstr(ac_message(), "does not belong") != NULL);
	CHECK_INT(crypto_private_key_pem(cert, strlen(cert), &pem, &n), AC_USAGE);
	CHECK(pem == NULL);
	CHECK_INT(crypto_private_key_pem(enc, strlen(enc), &pem, &n), AC_USAGE);
	CHECK(strstr(ac_message(), "encrypted") != NULL);
	snprintf(both, sizeof(both), "%s%s", key, other_key);
	CHECK_INT(crypto_private_key_pem(both, strlen(both), &pem, &n), AC_USAGE);
	CHECK(strstr(ac_message(), "more than one") != NULL);
}

static void test_sign(void)
{
	unsigned char *sig = NULL;
	size_t n = 0;
	char h[1024];

	CHECK_INT(crypto_rs256_sign(key, strlen(key), "hello", 5, &sig, &n), AC_OK);
	CHECK_INT(n, 256);
	if (sig && n == 256) {
		hex(sig, n, h);
		CHECK_STR(h, sig_hello);
	}
	sec_free(sig);
	CHECK_INT(crypto_rs256_sign(cert, strlen(cert), "hello", 5, &sig, &n), AC_USAGE);
	CHECK(sig == NULL);
}

int main(void)
{
	secmem_init();
	module_dir();
	test_cert_info();
	test_key();
	test_sign();
	return check_done("test_crypto");
}
