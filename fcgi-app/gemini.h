/* gemini.h: the client for Google's Generative Language API (generateContent), one per worker. */
#ifndef FROSTBYTE_GEMINI_H
#define FROSTBYTE_GEMINI_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "config.h"

enum gemini_result {
	GEMINI_OK,        /* *reply holds the model's text */
	GEMINI_BLOCKED,   /* the safety filter refused: *reply holds GEMINI_REFUSAL */
	GEMINI_ERROR,     /* upstream failed or answered nonsense: 502 upstream_error */
	GEMINI_TIMEOUT,   /* no answer within the timeouts: 504 upstream_timeout */
};

/* Stored and shown as the ranger's reply when the model's safety filter blocks one. */
#define GEMINI_REFUSAL "I'm sorry, I can't help with that one. Ask me about camping, gear, " \
	"trails or staying safe outdoors and I'll gladly help."

/* One earlier or current turn: role "user" or "model". */
struct gemini_turn {
	const char *role;
	const char *text;
};

/* Reads the key file, checks the base URL and model and makes the curl handle, before the accept
 * loop. Never stops the worker: without a usable key (or with a base URL we refuse) chat stays off,
 * with the reason logged. */
void gemini_init(const struct config *c);
void gemini_cleanup(void);

/* Sends the turns (oldest first, the camper's new message last) with the ranger's system
 * instruction and waits for the reply. Blocks for at most the configured timeouts; holds nothing
 * else meanwhile. *reply is arena text. */
enum gemini_result gemini_generate(struct arena *a, const struct gemini_turn *turns, size_t n,
				   const char **reply);

/* The pure part: a generateContent response body (len bytes, not NUL-terminated) to a result and
 * the candidate's text (valid UTF-8, copied into the arena). Kept apart for tests and fuzzing. */
enum gemini_result gemini_parse_reply(struct arena *a, const char *body, size_t len,
				      const char **reply);

/* The request body for turns, as JSON text in the arena. Exposed for tests. */
const char *gemini_request_body(struct arena *a, const struct gemini_turn *turns, size_t n);

/* The handlers call the client through this pointer: gemini_generate once gemini_init succeeded,
 * NULL while chat is off (the routes answer 503), a stub in in-process tests. */
extern enum gemini_result (*gemini_call)(struct arena *a, const struct gemini_turn *turns,
					 size_t n, const char **reply);

#endif
