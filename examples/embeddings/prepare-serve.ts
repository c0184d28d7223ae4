// Run by scripts/demo.sh before `offload serve`: links the model and builds the search index
// that the embeddings package's init export receives (examples/serve.json).
//   node --import tsx examples/embeddings/prepare-serve.ts
import { prepareServeData } from './lib/serve-data.js';

await prepareServeData((line) => console.log(`    ${line}`));
