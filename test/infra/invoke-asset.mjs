// Run by a plain `node` (no tsx, no repository node_modules): imports one bundled Lambda asset as the Lambda
// runtime would and calls its handler with each event given. Prints one JSON line of outcomes.
import { pathToFileURL } from 'node:url';

const [assetFile, eventsJson = '[]'] = process.argv.slice(2);
const outcomes = [];
try {
  const module = await import(pathToFileURL(assetFile).href);
  for (const event of JSON.parse(eventsJson)) {
    try {
      outcomes.push({ result: await module.handler(event, {}) });
    } catch (error) {
      outcomes.push({ error: error instanceof Error ? error.message : String(error) });
    }
  }
  process.stdout.write(`${JSON.stringify({ imported: true, outcomes })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ imported: false, error: String(error?.stack ?? error) })}\n`);
}
process.exit(0);
