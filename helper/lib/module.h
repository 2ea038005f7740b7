/*
 * libcurl and libsecret cost ~10 ms of start-up when linked, so they live
 * in private modules (agentcred-http.so, agentcred-secret.so) that are
 * dlopen()ed only when a request gets past the kernel-keyring cache; so
 * does libcrypto (agentcred-crypto.so: certificates, signed assertions).
 *
 * Search order, from the directory D of /proc/self/exe (so the
 * git-credential-agentcred and docker-credential-agentcred links work):
 *   $AGENTCRED_MODULE_DIR, D/../lib/agentcred/, D/
 * $AGENTCRED_MODULE_DIR is honoured by every build, release ones too (the
 * tests and the build tree use it; it is documented in agentcred(1)).
 * A missing or wrong module is AC_FAIL with a message naming the path.
 */
#ifndef AGENTCRED_MODULE_H
#define AGENTCRED_MODULE_H

#include "err.h"

#define AGENTCRED_MODULE_ABI 1

enum ac_err module_load(const char *file, const char *symbol, const void **ops);
/* Nonzero once a module of that file name was loaded (tests, status). */
int module_loaded(const char *file);

#endif
