/*
 * Single flight: an exclusive flock on $XDG_RUNTIME_DIR/agentcred/<key>.lock
 * (directory 0700; falls back to /tmp/agentcred-$UID, refused unless it is
 * ours and 0700).  Waits at most timeout seconds.  The kernel releases the
 * lock when its holder dies, so a crashed caller never blocks the others.
 */
#ifndef AGENTCRED_LOCK_H
#define AGENTCRED_LOCK_H

#include "err.h"

/* On success *fd holds the lock; lock_release() closes it. */
enum ac_err lock_acquire(const char *hexkey, long timeout_seconds, int *fd);
void lock_release(int fd);
/* Remove the lock file of a key no longer cached, unless it is held. */
void lock_prune(const char *hexkey);

#endif
