/*
 * Reading the payload of a JWT (RFC 7519) without verifying it: agentcred
 * only needs the expiry of tokens it received over TLS from the identity
 * provider, to schedule their refresh.  Never use this to trust a token.
 *
 * The input is hostile: bounded size, exactly three dot-separated parts,
 * base64url, a JSON object; anything else is "not a JWT".
 */
#ifndef AGENTCRED_JWT_H
#define AGENTCRED_JWT_H

#include "../helper/lib/sbuf.h"

#define JWT_MAX_LEN (32 * 1024)

/* The decoded payload (JSON text) into out; 0 on success, -1 otherwise. */
int jwt_payload(const char *token, struct sbuf *out);

/*
 * The numeric "exp" claim (whole seconds, 0 < exp < year 10000);
 * 0 on success, -1 when token is not a JWT or has no usable exp.
 */
int jwt_payload_exp(const char *token, long long *exp);

#endif
