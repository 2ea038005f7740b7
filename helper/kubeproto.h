/*
 * KUBERNETES_EXEC_INFO, the request kubectl (client-go) hands an exec
 * credential plugin, and the ExecCredential answer (README.md, "Design:
 * front-end protocols").
 *
 * Pure functions: no I/O, no globals besides the recorded error, so the
 * parser can be unit tested and fuzzed on its own.
 */
#ifndef AGENTCRED_KUBEINFO_H
#define AGENTCRED_KUBEINFO_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/sbuf.h"

/*
 * An environment string cannot exceed MAX_ARG_STRLEN (128 KiB on Linux),
 * so anything larger did not come from kubectl.
 */
#define KUBE_INFO_MAX (128 * 1024)

/* Never hand kubectl an expiry closer than this (see kube_expiry()). */
#define KUBE_MIN_VALIDITY 10

enum kube_api {
	KUBE_V1,
	KUBE_V1BETA1
};

struct kube_info {
	enum kube_api api;
	int interactive;	/* spec.interactive */
};

/*
 * Parse KUBERNETES_EXEC_INFO.  Accepts the apiVersions
 * client.authentication.k8s.io/v1 and /v1beta1 with kind ExecCredential
 * (kind may be absent); anything else is AC_USAGE with a message that names
 * the supported versions.  Unknown fields (spec.cluster …) are ignored.
 */
enum ac_err kube_info_parse(const char *text, size_t len, struct kube_info *out);

/* "client.authentication.k8s.io/v1" or ".../v1beta1". */
const char *kube_api_version(enum kube_api api);

/*
 * The expirationTimestamp to report: the token's expiry minus the refresh
 * margin, so kubectl re-runs us when our cache would refresh; never earlier
 * than now + KUBE_MIN_VALIDITY, because client-go re-executes the plugin on
 * every request while the timestamp is in the past.
 */
long long kube_expiry(long long expires_at, long long margin, long long now);

/*
 * Append the ExecCredential answer (one line of JSON and a newline) to out.
 * expiry 0 leaves expirationTimestamp out.  The intermediate buffers are
 * wiped; out holds the token, so the caller releases it with sbuf_release().
 */
void kube_answer(enum kube_api api, const char *token, long long expiry,
		 struct sbuf *out);

#endif
