/* parkpages.c: the parks' static pages (see parkpages.h). The template is the site's park.html:
 * its <title>, its <h1 id="page-title"> and its <div id="page"> placeholder are replaced, and the
 * meta tags go in before </head>; everything else (the stylesheet, the script) stays as the site
 * has it, so the page the script then builds is the same as at park.html?park=SLUG. */
#include "parkpages.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"

/* At most this many characters of the description go into the meta description: what search
 * results and link previews show before they cut. */
#define META_CHARS 160

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap : 4096);
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Text as HTML text or attribute value. */
static void
put_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, "&quot;"); break;
		case '\'': puts_(b, "&#39;"); break;
		default: put(b, s + i, 1);
		}
	}
}

/* The length of the first META_CHARS characters of s, cut at a word and never inside a UTF-8
 * sequence; *cut says whether anything was left out. */
static size_t
meta_length(const char *s, bool *cut)
{
	size_t chars = 0, i = 0, last_space = 0;
	for (; s[i] && chars < META_CHARS; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
		if (s[i] == ' ')
			last_space = i;
	}
	while (s[i] && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	*cut = s[i] != '\0';
	return *cut && last_space > 0 ? last_space : i;
}

static char *
read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&b, chunk, n);
	fclose(f);
	if (b.failed || b.p == NULL) {
		free(b.p);
		snprintf(err, errlen, "cannot read %s: empty or out of memory", path);
		return NULL;
	}
	return b.p;
}

/* The template cut into its parts around the places a page fills in. */
struct tmpl {
	const char *text;
	const char *title_start, *title_end; /* inside <title>…</title> */
	const char *head_end;                /* at </head> */
	const char *h1_start, *h1_end;       /* inside <h1 id="page-title">…</h1> */
	const char *page_start, *page_end;   /* inside <div id="page">…</div> */
};

static bool
find_between(const char *text, const char *open, const char *close, const char **start, const char **end)
{
	const char *a = strstr(text, open);
	if (a == NULL)
		return false;
	a += strlen(open);
	const char *z = strstr(a, close);
	if (z == NULL)
		return false;
	*start = a, *end = z;
	return true;
}

static bool
tmpl_parse(struct tmpl *t, const char *text)
{
	t->text = text;
	t->head_end = strstr(text, "</head>");
	return t->head_end != NULL &&
	       find_between(text, "<title>", "</title>", &t->title_start, &t->title_end) &&
	       t->title_end < t->head_end &&
	       find_between(t->head_end, "<h1 id=\"page-title\">", "</h1>", &t->h1_start, &t->h1_end) &&
	       find_between(t->h1_end, "<div id=\"page\">", "</div>", &t->page_start, &t->page_end);
}

static void
meta(struct buf *b, const char *attr, const char *key, const char *value, size_t n)
{
	puts_(b, "<meta ");
	puts_(b, attr);
	puts_(b, "=\"");
	puts_(b, key);
	puts_(b, "\" content=\"");
	put_escaped(b, value, n);
	puts_(b, "\">\n");
}

static void
page_html(struct buf *b, const struct tmpl *t, const char *base_url, const char *slug, const char *name,
	  const char *states, const char *description)
{
	bool cut;
	size_t dn = meta_length(description, &cut);
	char desc[1024];
	snprintf(desc, sizeof(desc), "%.*s%s", (int)dn, description, cut ? "…" : "");
	char title[256];
	(void)states;
	snprintf(title, sizeof(title), "%s National Park: campers' reviews and the best time to visit — Frostbyte", name);

	put(b, t->text, (size_t)(t->title_start - t->text));
	put_escaped(b, title, strlen(title));
	put(b, t->title_end, (size_t)(t->head_end - t->title_end));
	meta(b, "name", "description", desc, strlen(desc));
	meta(b, "property", "og:type", "website", 7);
	meta(b, "property", "og:site_name", "Frostbyte", 9);
	char og_title[256];
	snprintf(og_title, sizeof(og_title), "%s National Park", name);
	meta(b, "property", "og:title", og_title, strlen(og_title));
	meta(b, "property", "og:description", desc, strlen(desc));
	meta(b, "name", "twitter:card", "summary", 7);
	if (base_url != NULL) {
		char url[512];
		snprintf(url, sizeof(url), "%s/parks/%s", base_url, slug);
		meta(b, "property", "og:url", url, strlen(url));
		puts_(b, "<link rel=\"canonical\" href=\"");
		put_escaped(b, url, strlen(url));
		puts_(b, "\">\n");
	}
	put(b, t->head_end, (size_t)(t->h1_start - t->head_end));
	put_escaped(b, name, strlen(name));
	put(b, t->h1_end, (size_t)(t->page_start - t->h1_end));
	/* What shows before the script runs (and without it): the description and the way on. */
	puts_(b, "<p class=\"description\">");
	put_escaped(b, description, strlen(description));
	puts_(b, "</p><p class=\"loading\" role=\"status\">Loading the reviews…</p>");
	put(b, t->page_end, strlen(t->page_end));
}

static int
write_atomically(const char *path, const struct buf *b, char *err, size_t errlen)
{
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (f == NULL || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		if (f != NULL)
			unlink(tmp);
		return -1;
	}
	chmod(tmp, 0644); /* nginx reads it, as another user */
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static const char SQL_PARKS[] = "SELECT slug, name, states, description FROM parks ORDER BY id";

int
parkpages_write(const char *template_path, const char *out_dir, const char *base_url, char *err,
		size_t errlen)
{
	char *text = read_file(template_path, err, errlen);
	if (text == NULL)
		return -1;
	struct tmpl t;
	if (!tmpl_parse(&t, text)) {
		snprintf(err, errlen, "%s lacks <title>, </head>, <h1 id=\"page-title\"> or <div id=\"page\">",
			 template_path);
		free(text);
		return -1;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/parks", out_dir);
	if ((mkdir(out_dir, 0755) != 0 && errno != EEXIST) || (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
		free(text);
		return -1;
	}
	int n = 0, rc;
	sqlite3_stmt *st = db_stmt(SQL_PARKS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *slug = (const char *)sqlite3_column_text(st, 0);
		struct buf b = { 0 };
		page_html(&b, &t, base_url, slug, (const char *)sqlite3_column_text(st, 1),
			  (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
		char path[4200];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.html", dir, slug) >= sizeof(path)) {
			snprintf(err, errlen, "the folder name is too long");
			free(b.p);
			n = -1;
			break;
		}
		if (b.failed) {
			snprintf(err, errlen, "out of memory");
			n = -1;
		} else if (write_atomically(path, &b, err, errlen) != 0) {
			n = -1;
		}
		free(b.p);
		if (n < 0)
			break;
		n++;
	}
	db_done(st);
	free(text);
	if (n >= 0 && rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read the parks: %s", sqlite3_errstr(rc));
		return -1;
	}
	return n;
}
