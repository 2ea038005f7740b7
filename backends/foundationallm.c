/*
 * FoundationaLLM: nothing is exchanged.  The "fetch" reads the stored
 * agent access token, checks its shape and its expiry date, and hands it
 * to the cache like any other token (so cache hits skip the keyring).
 *
 * Rules: after the expiry date (good through 23:59:59 UTC of that day) the
 * token is never returned: AC_EXPIRED, exit 6, nothing on stdout.
 */
#include <stdio.h>
#include <string.h>

#include "../helper/lib/log.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "backend.h"
#include "foundationallm.h"

#define MAX_TOKEN 4096
#define NO_EXPIRY_CACHE (24 * 3600)
/* Days before the expiry date from which every use warns. */
#define WARN_DAYS 7
#define RENEW "create a new one in the FoundationaLLM management portal (the agent's Security section)"

static int b58_value(char c)
{
	static const char alphabet[] =
		"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* Bitcoin base58 → bytes, as a NUL-terminated printable string. */
static int b58_decode_text(const char *in, size_t n, char *out, size_t outlen)
{
	unsigned char buf[256];
	size_t len = 0, zeros = 0, i, j;

	if (n == 0 || n > 340)
		return -1;
	while (zeros < n && in[zeros] == '1')
		zeros++;
	for (i = 0; i < n; i++) {
		int carry = b58_value(in[i]);

		if (carry < 0)
			return -1;
		for (j = 0; j < len; j++) {
			carry += buf[j] * 58;
			buf[j] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
		while (carry) {
			if (len == sizeof(buf))
				return -1;
			buf[len++] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
	}
	if (zeros + len + 1 > outlen)
		return -1;
	for (i = 0; i < zeros; i++)
		out[i] = '\0';
	for (j = 0; j < len; j++)
		out[zeros + j] = (char)buf[len - 1 - j];
	out[zeros + len] = '\0';
	for (i = 0; i < zeros + len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -1;
	return 0;
}

enum ac_err fllm_token_check(const char *token, char *instance, size_t ilen,
			     char *agent, size_t alen)
{
	const char *part[6];
	size_t plen[6], n = 0;
	const char *p = token, *dot;
	char tmp[256];

	if (strlen(token) > MAX_TOKEN)
		return ac_fail(AC_USAGE, "the agent access token is longer than %d bytes", MAX_TOKEN);
	for (;;) {
		dot = strchr(p, '.');
		if (n == 6)
			return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: it has more than six dot-separated parts");
		part[n] = p;
		plen[n] = dot ? (size_t)(dot - p) : strlen(p);
		n++;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (n != 6)
		return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: it has %zu dot-separated parts, not six (keya.….ayek)", n);
	if (plen[0] != 4 || memcmp(part[0], "keya", 4) ||
	    plen[5] != 4 || memcmp(part[5], "ayek", 4))
		return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: it must start with \"keya.\" and end with \".ayek\"");
	if (plen[4] == 0)
		return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: its secret part is empty");
	for (n = 0; n < plen[4]; n++)
		if ((unsigned char)part[4][n] <= 0x20 || part[4][n] == 0x7f)
			return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: its secret part has spaces or control characters");
	if (b58_decode_text(part[1], plen[1], instance ? instance : tmp,
			    instance ? ilen : sizeof(tmp)))
		return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: the instance id part is not base58");
	if (b58_decode_text(part[2], plen[2], agent ? agent : tmp,
			    agent ? alen : sizeof(tmp)))
		return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: the agent name part is not base58");
	if (b58_decode_text(part[3], plen[3], tmp, sizeof(tmp)))
		return ac_fail(AC_USAGE, "this is not a FoundationaLLM agent access token: the id part is not base58");
	return AC_OK;
}

int fllm_url_instance(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "/instances/");
	size_t n;

	if (!p)
		return -1;
	p += strlen("/instances/");
	n = strcspn(p, "/?#");
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static enum ac_err fetch(const struct token_source *src, struct token *out)
{
	const struct profile *p = src->req->profile;
	long long now = now_seconds(), end = 0;
	char *secret = NULL;
	enum ac_err err;

	if (p->expires) {
		if (parse_date_end_of_day(p->expires, &end))
			return ac_fail(AC_USAGE, "profile %s: bad expires date", p->name);
		if (now > end)
			return ac_fail(AC_EXPIRED, "the agent access token expired on %s — " RENEW " and run: agentcred profile add %s --type foundationallm --api-url %s --expires YYYY-MM-DD",
				       p->expires, p->name, p->api_url);
	}
	if ((err = src->secret(src, &secret)))
		return err;
	if ((err = fllm_token_check(secret, NULL, 0, NULL, 0))) {
		sec_free(secret);
		return ac_fail(err, "the stored secret of %s: %s", p->name, ac_message());
	}
	out->access_token = secret;
	out->token_type = xstrdup("Agent");
	out->obtained_at = now;
	out->expires_at = end ? end : now + NO_EXPIRY_CACHE;
	if (out->expires_at > AC_TIME_MAX)
		out->expires_at = AC_TIME_MAX;
	return AC_OK;
}

static void served(const struct profile *p, const struct token *t, long long now)
{
	long long left = t->expires_at - now;
	/* expires_at is 23:59:59 UTC of the date: whole days = calendar days */
	long long days = left / 86400;
	char when[32];

	if (!p->expires || left >= WARN_DAYS * 86400LL)
		return;
	if (days == 0)
		snprintf(when, sizeof(when), "today");
	else
		snprintf(when, sizeof(when), "in %lld day%s", days, days == 1 ? "" : "s");
	log_warn("%s: the agent access token expires on %s (%s) — " RENEW " and re-add it with: agentcred profile add %s",
		 p->name, p->expires, when, p->name);
}

/* A token for another instance than the API URL's is worth a warning. */
static enum ac_err check_secret(const struct profile *p, const char *secret)
{
	char inst[256], url_inst[256];
	enum ac_err err;

	if ((err = fllm_token_check(secret, inst, sizeof(inst), NULL, 0)))
		return err;
	if (!fllm_url_instance(p->api_url, url_inst, sizeof(url_inst)) &&
	    strcasecmp(inst, url_inst))
		log_warn("%s: the token belongs to instance %s but --api-url names instance %s",
			 p->name, inst, url_inst);
	else if (fllm_url_instance(p->api_url, url_inst, sizeof(url_inst)))
		log_warn("%s: --api-url has no /instances/<id>; the token is for instance %s",
			 p->name, inst);
	return AC_OK;
}

static void key_fields(const struct token_request *req, const char *scope,
		       struct key_fields *k)
{
	(void)scope;
	key_add(k, req->profile->api_url);
}

static void server_url(const struct profile *p, struct sbuf *url)
{
	if (p->api_url)
		sbuf_addstr(url, p->api_url);
}

static void credential(const struct profile *p, struct credential *c)
{
	backend_credential_secret(p, c);
	c->what = "agent access token";
}

const struct backend backend_foundationallm = {
	.type = PT_FOUNDATIONALLM,
	.flags = BACKEND_STATIC,
	.header_name = "X-AGENT-ACCESS-TOKEN",
	.answer_type = "AgentAccessToken",
	.key_fields = key_fields,
	.server_url = server_url,
	.credential = credential,
	.check_secret = check_secret,
	.fetch = fetch,
	.served = served,
};
