/*
 * libFuzzer harness for helper/dockerproto.c: any bytes as a get/erase
 * server URL and as a store JSON object; every accepted value is written
 * back through the JSON writer, whose output must parse as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../helper/dockerproto.h"
#include "../../helper/lib/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_cred c = DOCKER_CRED_INIT;
	struct sbuf out = SBUF_INIT;
	char *server = NULL, *host;

	if (dockerproto_parse_server((const char *)data, size, &server) == AC_OK) {
		host = dockerproto_server_host(server);
		sec_free(host);
		sec_free(server);
	}
	if (dockerproto_parse_store((const char *)data, size, &c) == AC_OK) {
		const char *servers[1] = { c.server_url }, *users[1] = { c.username };
		cJSON *j;

		dockerproto_write_cred(&c, &out);
		j = cJSON_ParseWithLength(out.buf, out.len);
		if (!cJSON_IsObject(j))
			abort();
		cJSON_Delete(j);
		sbuf_reset(&out);
		dockerproto_write_list(servers, users, 1, &out);
		j = cJSON_ParseWithLength(out.buf, out.len);
		if (!cJSON_IsObject(j))
			abort();
		cJSON_Delete(j);
	}
	dockerproto_release(&c);
	sbuf_release(&out);
	return 0;
}
