/* test_health.c: GET /api/health. */
#include "harness.h"

static void
test_health_names_versions(void)
{
	struct reply r = call("GET", "/api/health", NULL, NULL);
	is_int(r.status, 200, "health answers 200");
	is_str(jget(r.json, "status")->valuestring, "ok", "... status ok");
	is_str(jget(r.json, "version")->valuestring, "1.0.0", "... version 1.0.0");
	ok(cJSON_IsString(jget(r.json, "sqlite_version")), "... the linked SQLite version");
	ok(jget(r.json, "schema_version")->valueint >= 2, "... and the schema version");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_health_names_versions),
};

int
main(int argc, char **argv)
{
	return harness_main(cases, TAP_COUNT(cases), argc, argv);
}
