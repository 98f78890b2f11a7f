/* health.c: GET /api/health — the worker answers and its database can be read. */
#include "health.h"

#include "autoconfig.h"

#include "db.h"
#include "json.h"

int
health_get(struct request *rq, struct response *rs)
{
	int version = db_schema_version();
	cJSON *o = json_obj();
	json_add_str(o, "status", version >= 0 ? "ok" : "unavailable");
	json_add_str(o, "version", PACKAGE_VERSION);
	json_add_str(o, "sqlite_version", sqlite3_libversion());
	if (version >= 0)
		json_add_int(o, "schema_version", version);
	else
		json_add_null(o, "schema_version");
	return resp_json(rq, rs, version >= 0 ? 200 : 503, o);
}
