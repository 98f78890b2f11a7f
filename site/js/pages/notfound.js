// The page nginx serves for an address that holds nothing (404.html): the site's header, so the
// camper can go on from here. Its text is in the HTML, so it reads the same without scripts.
import { shell } from '../layout.js';

await shell('');
