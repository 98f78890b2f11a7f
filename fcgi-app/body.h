/* body.h: strict, typed reading of JSON request bodies over cJSON.
 *
 * Every reader returns 0 on success, or writes the contract's 400 error into rs and returns 400,
 * so a handler reads: if ((st = json_str(...)) != 0) return st; */
#ifndef FROSTBYTE_BODY_H
#define FROSTBYTE_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "http.h"

/* Parses rq->body into rq->json: must be a JSON object whose keys are all in `fields` (NULL-ended),
 * each at most once. Strings may not contain NUL. */
int json_parse_body(struct request *rq, struct response *rs, const char *const fields[]);

/* A string of min..max characters (code points), valid UTF-8. Absent or null: NULL when optional.
 * Only for values checked afterwards against a list or a pattern (an enum, a month, a username) and
 * for passwords: text that people write goes through json_text. */
int json_str(struct request *rq, struct response *rs, const char *name, size_t min_chars,
	     size_t max_chars, bool required, const char **out);
/* The one rule for text people write (titles, bodies, labels, notes, messages, names, reasons):
 * json_str of 1..max characters, not blank (white space alone, Unicode spaces included), and no
 * control characters: C0 and C1 controls, DEL and bidi overrides are refused; a multiline body
 * keeps newlines, tabs and CRLF. */
int json_text(struct request *rq, struct response *rs, const char *name, size_t max_chars,
	      bool required, bool multiline, const char **out);
/* An integral JSON number in min..max (4.5, "4", true are refused). *present tells if it was given. */
int json_int(struct request *rq, struct response *rs, const char *name, int64_t min, int64_t max,
	     bool required, int64_t *out, bool *present);
/* A finite JSON number in min..max. */
int json_num(struct request *rq, struct response *rs, const char *name, double min, double max,
	     bool required, double *out, bool *present);
int json_bool(struct request *rq, struct response *rs, const char *name, bool required, bool *out,
	      bool *present);

#endif
