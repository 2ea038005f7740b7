/*
 * Pruning of the durable cache level (README.md, "How it works"): when a
 * token is stored, the profile's expired token items go from the store in
 * use (Secret Service or file store), with their lock files, so scopes
 * and OBO users fetched once do not pile up.  At most once every five
 * minutes per profile (a stamp in the fast cache's directory).
 */
#ifndef AGENTCRED_TOKPRUNE_H
#define AGENTCRED_TOKPRUNE_H

/* Best effort: errors are logged under -v only.  Returns items removed. */
int token_prune_durable(const char *profile, long long now);

#endif
