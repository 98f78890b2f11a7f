/* chat.h: the ranger chat (/api/chat/conversations...), served by the chat pool. */
#ifndef FROSTBYTE_CHAT_H
#define FROSTBYTE_CHAT_H

#include "http.h"

int chat_create(struct request *rq, struct response *rs);
int chat_list(struct request *rq, struct response *rs);
int chat_get(struct request *rq, struct response *rs);
int chat_delete(struct request *rq, struct response *rs);
int chat_send(struct request *rq, struct response *rs);

#endif
