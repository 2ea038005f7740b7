/* placeholder: being written. */
#include "commands.h"

enum ac_err cmd_git(struct config *cfg, int argc, char **argv)
{
	(void)cfg; (void)argc; (void)argv;
	return ac_fail(AC_FAIL, "git is not implemented yet");
}
