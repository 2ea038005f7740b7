/*
 * libFuzzer harness for KUBERNETES_EXEC_INFO (helper/kubeproto.c): any
 * input either parses into a supported apiVersion or fails with AC_USAGE
 * and a one-line message; an accepted request yields a parseable answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../helper/kubeproto.h"
#include "../../helper/lib/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct kube_info info;
	struct sbuf out = SBUF_INIT;
	enum ac_err err;
	cJSON *o;

	if (!ready) {
		secmem_init();
		ready = 1;
	}
	err = kube_info_parse((const char *)data, size, &info);
	if (err) {
		if (err != AC_USAGE || strchr(ac_message(), '\n'))
			abort();
		return 0;
	}
	if (info.api != KUBE_V1 && info.api != KUBE_V1BETA1)
		abort();
	kube_answer(info.api, "token", 1800000000, &out);
	o = cJSON_Parse(sbuf_str(&out));
	if (!o || strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "apiVersion")),
			 kube_api_version(info.api)))
		abort();
	cJSON_Delete(o);
	sbuf_release(&out);
	return 0;
}
