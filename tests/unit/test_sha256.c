/* helper/lib/sha256.c against the FIPS 180-4 / NIST example vectors. */
#include <stdlib.h>
#include <string.h>

#include "../../helper/lib/sha256.h"
#include "check.h"

static void hex(const unsigned char d[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

int main(void)
{
	static const char *abc56 =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct sha256 c;
	unsigned char d[32];
	char h[65], *million;
	size_t i;

	sha256_hex("", 0, h);
	CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, h);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex(abc56, strlen(abc56), h);
	CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	/* one million 'a': in one call, and fed in odd-sized pieces */
	million = malloc(1000000);
	CHECK(million != NULL);
	if (!million)
		return check_done("test_sha256");
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, h);
	CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	sha256_init(&c);
	for (i = 0; i < 1000000; i += 997)
		sha256_update(&c, million + i, 1000000 - i < 997 ? 1000000 - i : 997);
	sha256_final(&c, d);
	hex(d, h);
	CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);

	/* lengths around the 55/56/64-byte padding boundaries differ */
	{
		char buf[130], prev[65] = "";

		memset(buf, 'x', sizeof(buf));
		for (i = 54; i <= 129; i++) {
			sha256_hex(buf, i, h);
			CHECK(strcmp(h, prev) != 0);
			memcpy(prev, h, sizeof(prev));
		}
	}
	/* byte-at-a-time equals one shot across a block boundary */
	sha256_init(&c);
	for (i = 0; i < strlen(abc56); i++)
		sha256_update(&c, abc56 + i, 1);
	sha256_final(&c, d);
	hex(d, h);
	CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	return check_done("test_sha256");
}
