/* health.c: GET /api/health — the worker answers and its database can be read. */
#include "health.h"

#include "autoconfig.h"

#include "db.h"
#include "json.h"

int
health_get(struct request *rq, struct response *rs)
{
	int version = db_schema_version();
	struct jw w;
	jw_init(&w, rq->a);
	jw_object(&w);
	jw_kstring(&w, "status", version >= 0 ? "ok" : "unavailable");
	jw_kstring(&w, "version", PACKAGE_VERSION);
	jw_kstring(&w, "sqlite_version", sqlite3_libversion());
	jw_key(&w, "schema_version");
	if (version >= 0)
		jw_int(&w, version);
	else
		jw_null(&w);
	jw_end(&w);
	return resp_json(rs, version >= 0 ? 200 : 503, &w);
}
