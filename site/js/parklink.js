// The address of a park's page, in one place for every page that links to one: the static page
// frostbyte-ctl pages writes for each park (park.html?park=SLUG still works).
export const parkHref = (slug) => `/parks/${encodeURIComponent(slug)}`;
