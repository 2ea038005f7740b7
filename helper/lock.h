/*
 * Single flight: an exclusive flock on $XDG_RUNTIME_DIR/agentcred/<key>.lock
 * (directory 0700; without a runtime directory of ours, under
 * $XDG_CACHE_HOME/agentcred/locks).  Waits at most timeout seconds.  The
 * kernel releases the lock when its holder dies, so a crashed caller never
 * blocks the others.
 */
#ifndef AGENTCRED_LOCK_H
#define AGENTCRED_LOCK_H

#include "lib/err.h"

/*
 * On success *fd holds the lock; lock_release() closes it.  A lock
 * directory or file that cannot be used safely (another owner, a symlink,
 * group/other access) is AC_OK with *fd = -1 and one warning on stderr:
 * the call goes on without the single flight.  Only the wait for another
 * holder running out is an error (AC_NETWORK).
 */
enum ac_err lock_acquire(const char *hexkey, long timeout_seconds, int *fd);
void lock_release(int fd);
/* Remove the lock file of a key no longer cached, unless it is held. */
void lock_prune(const char *hexkey);

#endif
