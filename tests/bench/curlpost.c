/*
 * The baseline for a cold miss: a minimal C program that makes the same
 * single form POST with libcurl that agentcred makes, and prints the body.
 * curlpost URL CAFILE BODYFILE
 */
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

int main(int argc, char **argv)
{
	char body[4096];
	size_t n;
	FILE *f;
	CURL *c;
	CURLcode rc;

	if (argc != 4)
		return 2;
	f = fopen(argv[3], "r");
	if (!f)
		return 2;
	n = fread(body, 1, sizeof(body) - 1, f);
	fclose(f);
	body[n] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	if (!c)
		return 1;
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_CAINFO, argv[2]);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc == CURLE_OK ? 0 : 1;
}
