import fs from 'node:fs';
import { CARD_CATALOG_PATH, renderCardCatalog } from './card-catalog';

fs.writeFileSync(CARD_CATALOG_PATH, renderCardCatalog());
console.log(`wrote ${CARD_CATALOG_PATH}`);
