/* parkpages.h: one static HTML file per park (PARKS_DIR/parks/SLUG.html), from the site's
 * park.html with the park's name, a description and Open Graph tags filled in, so a shared link
 * previews well and the page shows its name before any script runs. nginx serves them. */
#ifndef FROSTBYTE_PARKPAGES_H
#define FROSTBYTE_PARKPAGES_H

#include <stddef.h>

/* Writes the pages of every park from the template file into out_dir/parks/ (made when missing),
 * each through a temporary file and a rename, so nginx never serves half a page. base_url
 * ("https://example.org", or NULL) gives the canonical and og:url links. The database must be
 * open. Returns the number of pages written, or -1 with a message in err. */
int parkpages_write(const char *template_path, const char *out_dir, const char *base_url, char *err,
		    size_t errlen);

#endif
