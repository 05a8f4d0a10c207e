// The child process of `seedJurisdiction` (prisma/seed.ts): loads the ZIP
// dataset into the database named by the parent over IPC, answers the result,
// and exits, taking the parsed dataset's memory with it.
import { createPrismaClient } from '../src/db/client.ts';
import { loadJurisdiction } from './seed.ts';

process.once('message', (message: { databaseUrl: string }) => {
  const prisma = createPrismaClient(message.databaseUrl, 2);
  loadJurisdiction(prisma)
    .then(
      (result) => ({ result }),
      (err: unknown) => ({ error: err instanceof Error ? err.message.split('\n')[0] : String(err) }),
    )
    .then(async (outcome) => {
      await prisma.$disconnect();
      process.send!(outcome, () => process.disconnect());
    })
    .catch(() => process.exit(1));
});
