/* backends/x509.c: certificate expiry of X.509 profiles, and parse_rfc3339. */
#include <string.h>

#include "../../backends/x509.h"
#include "../../helper/lib/util.h"
#include "check.h"
#include "stubs.h"

static void test_rfc3339(void)
{
	long long t;

	CHECK_INT(parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(parse_rfc3339("2026-12-09T10:11:12Z", &t), 0);
	CHECK_INT(t, 1796811072LL);
	CHECK_INT(parse_rfc3339("9999-12-31T23:59:59Z", &t), 0);
	CHECK_INT(t, AC_TIME_MAX);
	CHECK_INT(parse_rfc3339("2026-02-29T00:00:00Z", &t), -1);
	CHECK_INT(parse_rfc3339("2026-12-09T24:00:00Z", &t), -1);
	CHECK_INT(parse_rfc3339("2026-12-09T10:60:00Z", &t), -1);
	CHECK_INT(parse_rfc3339("2026-12-09 10:11:12Z", &t), -1);
	CHECK_INT(parse_rfc3339("2026-12-09T10:11:12", &t), -1);
	CHECK_INT(parse_rfc3339("2026-12-09T10:11:12+00:00", &t), -1);
	CHECK_INT(parse_rfc3339("2026-12-09T1a:11:12Z", &t), -1);
	CHECK_INT(parse_rfc3339("", &t), -1);
}

static void test_expiry(void)
{
	struct profile p;
	char line[300], name[] = "sap", date[] = "2026-12-09T10:11:12Z", soon[] = "soon";
	long long na, t;

	profile_init(&p);
	p.name = name;
	p.type = PT_CLIENT_CREDENTIALS;
	line[0] = '\0';
	/* not an X.509 profile: nothing to say, nothing to stop */
	CHECK_INT(x509_describe(&p, 0, line, sizeof(line)), X509_NONE);
	CHECK_STR(line, "");
	CHECK_INT(x509_check_expiry(&p, 0), AC_OK);
	p.auth_method = AUTH_X509;
	CHECK(!x509_not_after(&p, &t));		/* no certificate_expires */
	CHECK_INT(x509_check_expiry(&p, AC_TIME_MAX), AC_OK);
	p.certificate_expires = date;
	CHECK(x509_not_after(&p, &na));
	CHECK_INT(na, 1796811072LL);

	CHECK_INT(x509_describe(&p, na - 5 * 86400, line, sizeof(line)), X509_VALID);
	CHECK(strstr(line, "valid until 2026-12-09T10:11:12Z (5 days)") != NULL);
	CHECK_INT(x509_check_expiry(&p, na - 5 * 86400), AC_OK);
	CHECK_INT(x509_describe(&p, na - X509_WARN_SECONDS, line, sizeof(line)), X509_VALID);
	CHECK_INT(x509_describe(&p, na - X509_WARN_SECONDS + 1, line, sizeof(line)), X509_EXPIRING);
	CHECK(strstr(line, "expires on 2026-12-09T10:11:12Z (in 47 h 59 min)") != NULL);
	CHECK(strstr(line, "import-sap-key sap") != NULL);
	CHECK_INT(x509_check_expiry(&p, na - 1), AC_OK);	/* warns, serves */
	CHECK_INT(x509_describe(&p, na, line, sizeof(line)), X509_EXPIRED);
	CHECK(strstr(line, "expired on 2026-12-09T10:11:12Z") != NULL);
	CHECK_INT(x509_check_expiry(&p, na), AC_EXPIRED);
	CHECK(strstr(ac_message(), "create a new service key") != NULL);
	CHECK_INT(x509_check_expiry(&p, na + 86400), AC_EXPIRED);
	/* a malformed date (hand-edited config) is no date */
	p.certificate_expires = soon;
	CHECK_INT(x509_describe(&p, 0, line, sizeof(line)), X509_NONE);
	/* other profile types never */
	p.certificate_expires = date;
	p.type = PT_FOUNDATIONALLM;
	CHECK_INT(x509_check_expiry(&p, na + 1), AC_OK);
}

int main(void)
{
	test_rfc3339();
	test_expiry();
	return check_done("test_x509");
}
