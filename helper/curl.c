/* placeholder: being written. */
#include "commands.h"

enum ac_err cmd_curl(struct config *cfg, int argc, char **argv)
{
	(void)cfg; (void)argc; (void)argv;
	return ac_fail(AC_FAIL, "curl is not implemented yet");
}

enum ac_err cmd_curl_config(struct config *cfg, int argc, char **argv)
{
	(void)cfg; (void)argc; (void)argv;
	return ac_fail(AC_FAIL, "curl-config is not implemented yet");
}
