/* search.h: the forgiving park search (names, aliases, states, one typo) and the U.S. states
 * and regions it knows, as SQL functions the park list calls. */
#ifndef FROSTBYTE_SEARCH_H
#define FROSTBYTE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

struct search_state {
	const char *code;   /* "UT" */
	const char *name;   /* "Utah" */
	const char *region; /* a value of search_regions */
};

struct search_region {
	const char *value; /* "southwest": what ?region= takes */
	const char *label; /* "Southwest": what a page shows */
};

extern const struct search_state search_states[];
extern const size_t search_states_count;
extern const struct search_region search_regions[];
extern const size_t search_regions_count;

/* The state of a two-letter upper-case code, or NULL. */
const struct search_state *search_state(const char *code);
/* Whether value is one of search_regions. */
bool search_region_known(const char *value);

/* Whether the text q finds the park of this slug and states ("TN,NC"): a part of its name (any
 * case, accents, spaces and "National Park"/"NP" ignored), an alias ("Smokies"), a state's code
 * or name, or any of these with one typo (a letter wrong, missing, extra or two swapped). */
bool search_match(const char *q, const char *slug, const char *states);
/* Whether one of the states ("CA,NV") lies in the region. */
bool search_in_region(const char *states, const char *region);

/* Registers park_match(q, slug, states) and park_in_region(states, region) on the connection. */
void search_register(sqlite3 *db);

#endif
