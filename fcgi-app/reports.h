/* reports.h: readers' reports of reviews, and the moderators' queue and hide/unhide. */
#ifndef FROSTBYTE_REPORTS_H
#define FROSTBYTE_REPORTS_H

#include "http.h"

int reports_create(struct request *rq, struct response *rs);
int reports_queue(struct request *rq, struct response *rs);
/* GET /api/admin/reviews?hidden=1 */
int reports_hidden(struct request *rq, struct response *rs);
int reports_moderate(struct request *rq, struct response *rs);

#endif
