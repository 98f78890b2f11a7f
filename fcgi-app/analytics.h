/* analytics.h: public, aggregated figures (no personal data). */
#ifndef FROSTBYTE_ANALYTICS_H
#define FROSTBYTE_ANALYTICS_H

#include "http.h"

int analytics_park(struct request *rq, struct response *rs);
int analytics_summary(struct request *rq, struct response *rs);
int analytics_visit_months(struct request *rq, struct response *rs);

#endif
