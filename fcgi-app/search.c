/* search.c: the forgiving park search and the states and regions it knows. Everything is matched
 * on a "compact" form: lower-case ASCII letters and digits, accents folded, every other character
 * and the words that only say "national park" dropped, so "Zion NP", "zion" and "Zion National
 * Park" are one query, and "yellow stone" is "yellowstone". A slug is the park's name in ASCII,
 * so the name is matched through its slug. */
#include "search.h"

#include <string.h>

const struct search_region search_regions[] = {
	{ "northeast", "Northeast" },
	{ "southeast", "Southeast" },
	{ "midwest", "Midwest & Great Plains" },
	{ "southwest", "Southwest" },
	{ "rockies", "Rocky Mountains" },
	{ "pacific", "Pacific West" },
	{ "alaska", "Alaska" },
	{ "islands", "Hawaii & the islands" },
};
const size_t search_regions_count = sizeof(search_regions) / sizeof(search_regions[0]);

const struct search_state search_states[] = {
	{ "AK", "Alaska", "alaska" },           { "AL", "Alabama", "southeast" },
	{ "AR", "Arkansas", "southeast" },      { "AS", "American Samoa", "islands" },
	{ "AZ", "Arizona", "southwest" },       { "CA", "California", "pacific" },
	{ "CO", "Colorado", "rockies" },        { "CT", "Connecticut", "northeast" },
	{ "DC", "District of Columbia", "northeast" },
	{ "DE", "Delaware", "northeast" },      { "FL", "Florida", "southeast" },
	{ "GA", "Georgia", "southeast" },       { "GU", "Guam", "islands" },
	{ "HI", "Hawaii", "islands" },          { "IA", "Iowa", "midwest" },
	{ "ID", "Idaho", "rockies" },           { "IL", "Illinois", "midwest" },
	{ "IN", "Indiana", "midwest" },         { "KS", "Kansas", "midwest" },
	{ "KY", "Kentucky", "southeast" },      { "LA", "Louisiana", "southeast" },
	{ "MA", "Massachusetts", "northeast" }, { "MD", "Maryland", "northeast" },
	{ "ME", "Maine", "northeast" },         { "MI", "Michigan", "midwest" },
	{ "MN", "Minnesota", "midwest" },       { "MO", "Missouri", "midwest" },
	{ "MP", "Northern Mariana Islands", "islands" },
	{ "MS", "Mississippi", "southeast" },   { "MT", "Montana", "rockies" },
	{ "NC", "North Carolina", "southeast" }, { "ND", "North Dakota", "midwest" },
	{ "NE", "Nebraska", "midwest" },        { "NH", "New Hampshire", "northeast" },
	{ "NJ", "New Jersey", "northeast" },    { "NM", "New Mexico", "southwest" },
	{ "NV", "Nevada", "southwest" },        { "NY", "New York", "northeast" },
	{ "OH", "Ohio", "midwest" },            { "OK", "Oklahoma", "southwest" },
	{ "OR", "Oregon", "pacific" },          { "PA", "Pennsylvania", "northeast" },
	{ "PR", "Puerto Rico", "islands" },     { "RI", "Rhode Island", "northeast" },
	{ "SC", "South Carolina", "southeast" }, { "SD", "South Dakota", "midwest" },
	{ "TN", "Tennessee", "southeast" },     { "TX", "Texas", "southwest" },
	{ "UT", "Utah", "southwest" },          { "VA", "Virginia", "southeast" },
	{ "VI", "U.S. Virgin Islands", "islands" },
	{ "VT", "Vermont", "northeast" },       { "WA", "Washington", "pacific" },
	{ "WI", "Wisconsin", "midwest" },       { "WV", "West Virginia", "southeast" },
	{ "WY", "Wyoming", "rockies" },
};
const size_t search_states_count = sizeof(search_states) / sizeof(search_states[0]);

/* Names campers use that are not a part of the park's name, in compact form. */
static const struct alias {
	const char *slug;
	const char *compact;
} aliases[] = {
	{ "great-smoky-mountains", "smokies" },       { "great-smoky-mountains", "greatsmokies" },
	{ "great-smoky-mountains", "smokymountains" }, { "great-smoky-mountains", "gsmnp" },
	{ "grand-teton", "tetons" },                  { "rocky-mountain", "rockies" },
	{ "rocky-mountain", "rmnp" },                 { "joshua-tree", "jtree" },
	{ "joshua-tree", "jtnp" },                    { "grand-canyon", "gcnp" },
	{ "yellowstone", "oldfaithful" },             { "yosemite", "halfdome" },
	{ "yosemite", "elcapitan" },                  { "hawaii-volcanoes", "kilauea" },
	{ "denali", "mountmckinley" },                { "denali", "mckinley" },
	{ "zion", "angelslanding" },                  { "zion", "thenarrows" },
	{ "arches", "delicatearch" },                 { "acadia", "cadillacmountain" },
	{ "acadia", "barharbor" },                    { "virgin-islands", "stjohn" },
	{ "virgin-islands", "saintjohn" },            { "theodore-roosevelt", "trnp" },
	{ "wrangell-st-elias", "wrangellsaintelias" }, { "gateway-arch", "stlouisarch" },
	{ "glacier", "goingtothesun" },               { "kings-canyon", "sequoiakingscanyon" },
	{ "sequoia", "sequoiakingscanyon" },          { "sequoia", "generalsherman" },
};

/* Words that only say what every park is. */
static const char *const noise[] = { "national", "park", "parks", "np", "nps", "natl", NULL };

const struct search_state *
search_state(const char *code)
{
	for (size_t i = 0; i < search_states_count; i++)
		if (code[0] == search_states[i].code[0] && code[1] == search_states[i].code[1] && code[2] == '\0')
			return &search_states[i];
	return NULL;
}

bool
search_region_known(const char *value)
{
	for (size_t i = 0; i < search_regions_count; i++)
		if (strcmp(value, search_regions[i].value) == 0)
			return true;
	return false;
}

/* The ASCII letter of a Latin-1 or Latin Extended-A letter (U+00C0..U+017F), or 0. */
static char
fold(unsigned cp)
{
	static const char latin1[] = "aaaaaaaceeeeiiiidnooooo\0ouuuuy\0saaaaaaaceeeeiiiidnooooo\0ouuuuy\0y";
	static const struct { unsigned lo, hi; char c; } ext[] = {
		{ 0x100, 0x105, 'a' }, { 0x106, 0x10d, 'c' }, { 0x10e, 0x111, 'd' }, { 0x112, 0x11b, 'e' },
		{ 0x11c, 0x123, 'g' }, { 0x124, 0x127, 'h' }, { 0x128, 0x131, 'i' }, { 0x134, 0x135, 'j' },
		{ 0x136, 0x138, 'k' }, { 0x139, 0x142, 'l' }, { 0x143, 0x14b, 'n' }, { 0x14c, 0x153, 'o' },
		{ 0x154, 0x159, 'r' }, { 0x15a, 0x161, 's' }, { 0x162, 0x167, 't' }, { 0x168, 0x173, 'u' },
		{ 0x174, 0x175, 'w' }, { 0x176, 0x178, 'y' }, { 0x179, 0x17e, 'z' },
	};
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (cp >= ext[i].lo && cp <= ext[i].hi)
			return ext[i].c;
	return 0;
}

/* The compact form of text into out (outcap > 0). The word "mt" is widened to "mount", as the
 * slugs spell it. Returns whether a noise word was dropped. */
static bool
compact(const char *text, char *out, size_t outcap)
{
	char word[64];
	size_t o = 0, w = 0;
	bool noisy = false;
	const unsigned char *p = (const unsigned char *)text;
	for (;;) {
		char c = 0;
		bool end = *p == '\0';
		if (!end) {
			unsigned cp = *p++;
			if (cp >= 'A' && cp <= 'Z')
				c = (char)(cp - 'A' + 'a');
			else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
				c = (char)cp;
			else if (cp >= 0xc2 && cp < 0xe0 && (*p & 0xc0) == 0x80) /* two-byte UTF-8 */
				c = fold(((cp & 0x1f) << 6) | (*p++ & 0x3f));
			/* anything else (punctuation, longer UTF-8 sequences) separates words */
		}
		if (c != 0 && w + 1 < sizeof(word)) {
			word[w++] = c;
			continue;
		}
		if (c != 0)
			continue; /* an overlong word: keep its first 63 letters */
		word[w] = '\0';
		bool drop = w == 0;
		for (int i = 0; !drop && noise[i] != NULL; i++)
			noisy |= drop = strcmp(word, noise[i]) == 0;
		const char *add = strcmp(word, "mt") == 0 ? "mount" : word;
		for (size_t i = 0; !drop && add[i] && o + 1 < outcap; i++)
			out[o++] = add[i];
		w = 0;
		if (end)
			break;
	}
	out[o] = '\0';
	return noisy;
}

/* Whether a and b differ by at most one edit: a letter changed, added or removed, or two
 * neighbours swapped. */
static bool
one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la < lb) {
		const char *t = a;
		a = b, b = t;
		size_t tl = la;
		la = lb, lb = tl;
	}
	if (la - lb > 1)
		return false;
	size_t i = 0;
	while (i < lb && a[i] == b[i])
		i++;
	if (i == lb)
		return true;
	if (la > lb)
		return strcmp(a + i + 1, b + i) == 0;
	if (strcmp(a + i + 1, b + i + 1) == 0)
		return true;
	return a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0;
}

/* A query of at least this many letters may hold one typo: a shorter one would find too much. */
#define TYPO_MIN 4

static bool
near(const char *q, const char *target)
{
	return strstr(target, q) != NULL || (strlen(q) >= TYPO_MIN && one_edit(q, target));
}

bool
search_match(const char *q, const char *slug, const char *states)
{
	char cq[256], cs[128], word[64];
	bool noisy = compact(q, cq, sizeof(cq));
	if (cq[0] == '\0')
		return noisy; /* "national park" finds every park; "%" or "-" none */
	compact(slug, cs, sizeof(cs));
	if (near(cq, cs))
		return true;
	for (const char *p = slug; *p;) { /* each word of the name, for a typo in one of them */
		size_t n = strcspn(p, "-");
		if (n < sizeof(word) && n >= TYPO_MIN) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (strlen(cq) >= TYPO_MIN && one_edit(cq, word))
				return true;
		}
		p += n;
		p += *p == '-';
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].slug, slug) == 0 && near(cq, aliases[i].compact))
			return true;
	for (const char *p = states; strlen(p) >= 2; p += 2, p += *p == ',') {
		char code[3] = { p[0], p[1], '\0' }, cname[64];
		const struct search_state *s = search_state(code);
		if (s == NULL)
			continue;
		compact(s->name, cname, sizeof(cname));
		if ((cq[0] == (char)(code[0] - 'A' + 'a') && cq[1] == (char)(code[1] - 'A' + 'a') && cq[2] == '\0') ||
		    strcmp(cq, cname) == 0 || (strlen(cq) >= TYPO_MIN + 1 && one_edit(cq, cname)))
			return true;
	}
	return false;
}

bool
search_in_region(const char *states, const char *region)
{
	for (const char *p = states; strlen(p) >= 2; p += 2, p += *p == ',') {
		char code[3] = { p[0], p[1], '\0' };
		const struct search_state *s = search_state(code);
		if (s != NULL && strcmp(s->region, region) == 0)
			return true;
	}
	return false;
}

static void
sql_park_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *q = (const char *)sqlite3_value_text(argv[0]);
	const char *slug = (const char *)sqlite3_value_text(argv[1]);
	const char *states = (const char *)sqlite3_value_text(argv[2]);
	if (q == NULL || slug == NULL || states == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int(ctx, search_match(q, slug, states));
}

static void
sql_park_in_region(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *states = (const char *)sqlite3_value_text(argv[0]);
	const char *region = (const char *)sqlite3_value_text(argv[1]);
	if (states == NULL || region == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int(ctx, search_in_region(states, region));
}

void
search_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	sqlite3_create_function(db, "park_match", 3, flags, NULL, sql_park_match, NULL, NULL);
	sqlite3_create_function(db, "park_in_region", 2, flags, NULL, sql_park_in_region, NULL, NULL);
}
