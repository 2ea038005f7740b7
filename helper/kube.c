/* kubectl exec credential plugin (DESIGN.md §3.2) — being written. */
#include "commands.h"

enum ac_err cmd_kube(struct config *cfg, int argc, char **argv)
{
	(void)cfg; (void)argc; (void)argv;
	return ac_fail(AC_FAIL, "kube is not implemented yet");
}
