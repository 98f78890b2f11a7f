// The address of a park's page, in one place for every page that links to one.
export const parkHref = (slug) => `/park.html?park=${encodeURIComponent(slug)}`;
